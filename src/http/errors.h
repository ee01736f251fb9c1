/* errors.h - the one place where API failures become HTTP statuses, and
 * where every JSON error body is rendered. */
#ifndef AGENDA_HTTP_ERRORS_H
#define AGENDA_HTTP_ERRORS_H

#include <cjson/cJSON.h>

#include "api/api.h"

/* The HTTP status of a failure (API_OK maps to 200). */
unsigned http_status_of(api_err err);
/* A default message when a failure carries none. */
const char *http_default_message(api_err err);
/* Renders {"error": message, "errors": errors?} as a malloc'd string, or
 * NULL on allocation failure.  Does not take ownership of errors. */
char *http_error_body(api_err err, const char *message, const cJSON *errors);
/* Renders {"error": message} for a refusal of the HTTP layer that has no
 * api_err (414, 431, 505, and whatever libmicrohttpd answers itself); a
 * NULL message takes a default for the status.  malloc'd, NULL on OOM. */
char *http_protocol_error_body(unsigned status, const char *message);

#endif
