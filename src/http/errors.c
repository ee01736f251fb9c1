/* errors.c - mapping of api_err to HTTP statuses and error bodies. */
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

char *http_error_body(api_err err, const char *message, const cJSON *errors)
{
    char *out = NULL;
    cJSON *root = cJSON_CreateObject();
    /* Internal failures never show their detail to the client. */
    if (err == API_INTERNAL || !message)
        message = http_default_message(err);
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
