/* url.h - parsing of the request target: path segments and query string.
 *
 * The server hands us the raw target exactly as the client sent it, and all
 * decoding happens here, once: repeated slashes count as one, each path
 * segment is percent-decoded on its own (so "remote_id:a%2Fb" stays one
 * segment whose value contains a slash), and query keys and values are
 * percent-decoded with '+' as a space.
 *
 * Details: a trailing slash adds no segment; "." and ".." are ordinary
 * segments (they match no route); '+' in a path segment stays a '+'; a
 * fragment ("#...") is ignored; query pairs are split on '&' only, a pair
 * with an empty key ("=v", "&&") is skipped, a pair without '=' has the
 * value "", and repeated keys are all kept in order. */
#ifndef AGENDA_URL_H
#define AGENDA_URL_H

#include <stddef.h>

#include "util/arena.h"

#define URL_MAX_SEGMENTS 16
#define URL_MAX_PARAMS   64

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
/* Most fields of a form body url_parse_form reads. */
#define URL_MAX_FORM_FIELDS 1024

/* Reads a form body data[0..len) (application/x-www-form-urlencoded) into
 * its fields, decoded as query pairs are (keys and values, '+' a space, a
 * pair with an empty key skipped, one without '=' valued ""), in order,
 * repeated keys all kept, no bracket syntax: *out an arena array of *n.
 * Returns 0, or -1 with *err set to a static message: a bad escape, a NUL,
 * text that is not UTF-8, more than URL_MAX_FORM_FIELDS fields, or a full
 * arena. */
int url_parse_form(arena *a, const char *data, size_t len, url_param **out, size_t *n,
                   const char **err);

/* The first value of `key`, or NULL. */
const char *url_param_get(const parsed_url *u, const char *key);

/* Decodes percent-escapes of s[0..len) into a new arena string; '+' becomes
 * a space when plus_is_space.  Hex digits may be either case.  Returns NULL
 * on a malformed escape ('%' not followed by two hex digits), an escaped NUL,
 * a raw NUL byte inside s[0..len), or allocation failure. */
char *url_decode(arena *a, const char *s, size_t len, int plus_is_space);
/* The same into a caller's buffer `out` of at least len + 1 bytes (the
 * result is never longer than the input).  Returns 0, or -1 on a malformed
 * escape or a NUL byte; `out` is then unspecified. */
int url_decode_into(char *out, const char *s, size_t len, int plus_is_space);

#endif
