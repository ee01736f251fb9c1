/* render.c - small typed builders over cJSON; see render.h.
 *
 * Keys are attached without copying (cJSON's "constant string" keys): every
 * caller passes a string literal or a name from a static table, so a key
 * outlives its tree.  A 1,000-patient page has 12,000 keys; not duplicating
 * them saves as many allocations and frees per request.  Values are copied,
 * as callers may pass buffers of their own stack. */
#include "api/render.h"

#include <inttypes.h>
#include <stdio.h>

/* Adds item under a key that outlives the tree; frees item on failure. */
static bool add_const(cJSON *obj, const char *key, cJSON *item)
{
    if (!item)
        return false;
    if (!cJSON_AddItemToObjectCS(obj, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

bool render_string(cJSON *obj, const char *key, const char *s)
{
    return add_const(obj, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

bool render_number(cJSON *obj, const char *key, int64_t v)
{
    return add_const(obj, key, cJSON_CreateNumber((double)v));
}

bool render_number_string(cJSON *obj, const char *key, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return add_const(obj, key, cJSON_CreateString(buf));
}

bool render_bool(cJSON *obj, const char *key, bool v)
{
    return add_const(obj, key, cJSON_CreateBool(v));
}

bool render_null(cJSON *obj, const char *key)
{
    return add_const(obj, key, cJSON_CreateNull());
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
    cJSON *array = env ? cJSON_CreateArray() : NULL;
    *list = array;
    if (!array || !add_const(env, plural, array)) {
        *list = NULL;
        cJSON_Delete(env);
        return NULL;
    }
    return env;
}

cJSON *render_single_envelope(const char *name, cJSON *item)
{
    cJSON *env = item ? cJSON_CreateObject() : NULL;
    if (!env) {
        cJSON_Delete(item);
        return NULL;
    }
    if (!add_const(env, name, item)) {
        cJSON_Delete(env);
        return NULL;
    }
    return env;
}
