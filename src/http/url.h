/* url.h - parsing of the request target: path segments and query string.
 *
 * The server hands us the raw target exactly as the client sent it, and all
 * decoding happens here, once: repeated slashes count as one, each path
 * segment is percent-decoded on its own (so "remote_id:a%2Fb" stays one
 * segment whose value contains a slash), and query keys and values are
 * percent-decoded with '+' as a space. */
#ifndef AGENDA_URL_H
#define AGENDA_URL_H

#include <stddef.h>

#include "util/arena.h"

#define URL_MAX_SEGMENTS 16
#define URL_MAX_PARAMS 64

typedef struct url_param {
    const char *key;
    const char *value;
} url_param;

typedef struct parsed_url {
    const char *segments[URL_MAX_SEGMENTS];
    size_t n_segments;
    url_param params[URL_MAX_PARAMS];
    size_t n_params;
} parsed_url;

/* Parses `target` ("/api/v2//centers?x=1").  Returns 0, or -1 with *err set
 * to a static message when the target is malformed: bad percent-escape, an
 * escaped NUL, more than URL_MAX_SEGMENTS segments or URL_MAX_PARAMS
 * parameters, or an arena allocation failure.  Strings live in `a`. */
int url_parse(arena *a, const char *target, parsed_url *out, const char **err);
/* The first value of `key`, or NULL. */
const char *url_param_get(const parsed_url *u, const char *key);

/* Decodes percent-escapes of s[0..len) into a new arena string; '+' becomes
 * a space when plus_is_space.  Returns NULL on a malformed escape, an escaped
 * NUL, or allocation failure. */
char *url_decode(arena *a, const char *s, size_t len, int plus_is_space);

#endif
