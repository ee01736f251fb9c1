/* errors.c - mapping of api_err to HTTP statuses and error bodies.
 *
 * Every JSON error body the server sends is rendered here: those of the API
 * (http_error_body) and those of the HTTP layer itself, including the ones
 * libmicrohttpd answers on its own (http_protocol_error_body). */
#include "http/errors.h"

#include <microhttpd.h>

#include "util/json_out.h"

unsigned http_status_of(api_err err)
{
    switch (err) {
    case API_OK:
        return MHD_HTTP_OK;
    case API_BAD_REQUEST:
        return MHD_HTTP_BAD_REQUEST;
    case API_UNAUTHORIZED:
        return MHD_HTTP_UNAUTHORIZED;
    case API_NOT_FOUND:
        return MHD_HTTP_NOT_FOUND;
    case API_METHOD_NOT_ALLOWED:
        return MHD_HTTP_METHOD_NOT_ALLOWED;
    case API_CONFLICT:
        return MHD_HTTP_CONFLICT;
    case API_TOO_LARGE:
        return MHD_HTTP_CONTENT_TOO_LARGE;
    case API_INVALID:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case API_FORBIDDEN:
        return MHD_HTTP_FORBIDDEN;
    case API_TOO_MANY:
        return MHD_HTTP_TOO_MANY_REQUESTS;
    case API_UNAVAILABLE:
    case API_RETRY:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    case API_INTERNAL:
        break;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

const char *http_default_message(api_err err)
{
    switch (err) {
    case API_OK:
        return "ok";
    case API_BAD_REQUEST:
        return "bad request";
    case API_UNAUTHORIZED:
        return "invalid or missing credentials";
    case API_NOT_FOUND:
        return "not found";
    case API_METHOD_NOT_ALLOWED:
        return "method not allowed";
    case API_CONFLICT:
        return "conflict";
    case API_TOO_LARGE:
        return "request too large";
    case API_INVALID:
        return "validation failed";
    case API_FORBIDDEN:
        return "forbidden";
    case API_TOO_MANY:
        return "too many requests";
    case API_UNAVAILABLE:
    case API_RETRY:
        return "service unavailable, retry later";
    case API_INTERNAL:
        break;
    }
    return "internal error";
}

/* {"error": message, "errors": errors?} as a malloc'd string, or NULL. */
static char *error_render(const char *message, const cJSON *errors)
{
    char *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "error", message))
        goto done;
    if (errors) {
        cJSON *copy = cJSON_Duplicate(errors, 1);
        if (!copy || !cJSON_AddItemToObject(root, "errors", copy)) {
            cJSON_Delete(copy);
            goto done;
        }
    }
    out = json_print(root, NULL);
done:
    cJSON_Delete(root);
    return out;
}

char *http_error_body(api_err err, const char *message, const cJSON *errors)
{
    /* Internal failures never show their detail to the client. */
    if (err == API_INTERNAL || !message)
        message = http_default_message(err);
    return error_render(message, errors);
}

char *http_protocol_error_body(unsigned status, const char *message)
{
    if (!message) {
        switch (status) {
        case MHD_HTTP_BAD_REQUEST:
            message = "malformed request";
            break;
        case MHD_HTTP_CONTENT_TOO_LARGE:
            message = "request body too large";
            break;
        case MHD_HTTP_URI_TOO_LONG:
            message = "request target too long";
            break;
        case MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
            message = "request header fields too large";
            break;
        case MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED:
            message = "HTTP version not supported";
            break;
        case MHD_HTTP_NOT_IMPLEMENTED:
            message = "not implemented";
            break;
        case MHD_HTTP_SERVICE_UNAVAILABLE:
            message = "service unavailable, retry later";
            break;
        default:
            message = status >= 500 ? "internal error" : "request refused";
            break;
        }
    }
    return error_render(message, NULL);
}
