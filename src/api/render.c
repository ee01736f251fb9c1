/* render.c - small typed builders over cJSON; see render.h. */
#include "api/render.h"

#include <inttypes.h>
#include <stdio.h>

bool render_string(cJSON *obj, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key)) != NULL;
}

bool render_number(cJSON *obj, const char *key, int64_t v)
{
    return cJSON_AddNumberToObject(obj, key, (double)v) != NULL;
}

bool render_number_string(cJSON *obj, const char *key, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_AddStringToObject(obj, key, buf) != NULL;
}

bool render_bool(cJSON *obj, const char *key, bool v)
{
    return cJSON_AddBoolToObject(obj, key, v) != NULL;
}

bool render_null(cJSON *obj, const char *key)
{
    return cJSON_AddNullToObject(obj, key) != NULL;
}

bool render_append_wrapped(cJSON *list, const char *name, cJSON *item)
{
    cJSON *wrap = render_single_envelope(name, item);
    if (!wrap)
        return false;
    return cJSON_AddItemToArray(list, wrap);
}

cJSON *render_list_envelope(const char *plural, cJSON **list)
{
    cJSON *env = cJSON_CreateObject();
    *list = env ? cJSON_AddArrayToObject(env, plural) : NULL;
    if (!*list) {
        cJSON_Delete(env);
        return NULL;
    }
    return env;
}

cJSON *render_single_envelope(const char *name, cJSON *item)
{
    cJSON *env = item ? cJSON_CreateObject() : NULL;
    if (!env || !cJSON_AddItemToObject(env, name, item)) {
        cJSON_Delete(env);
        cJSON_Delete(item);
        return NULL;
    }
    return env;
}
