/* credentials.h - extracting credentials from a request.
 *
 * The document's clients pass user_email and user_token as query
 * parameters; others use HTTP Basic with the email as user name and the token
 * as password.  This file only decodes; checking is api_authenticate's job. */
#ifndef AGENDA_HTTP_CREDENTIALS_H
#define AGENDA_HTTP_CREDENTIALS_H

#include "util/arena.h"

/* Decodes an Authorization header value of the Basic scheme (the scheme name
 * is case-insensitive).  Returns 0 and sets *email and *token (arena strings)
 * on success; -1 when the header is not Basic, the base64 is malformed, the
 * decoded text has no ':' or contains a NUL, or it is over 1024 bytes.
 *
 * Shape: "Basic", one or more spaces, standard base64 (RFC 4648 alphabet,
 * '=' padding required, no whitespace inside, unused bits zero), optional
 * trailing spaces or tabs.  The text splits at its first ':', so the token
 * may contain ':'.  Empty parts are returned as ""; judging them is
 * api_authenticate's job.  On -1 the outputs are untouched. */
int credentials_parse_basic(arena *a, const char *header, const char **email, const char **token);

#endif
