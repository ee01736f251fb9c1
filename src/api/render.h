/* render.h - building response JSON in the document's exact types.
 *
 * Each helper adds one member to `obj` and returns false when cJSON could not
 * allocate; handlers AND the results and fail with API_INTERNAL once. */
#ifndef AGENDA_RENDER_H
#define AGENDA_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

bool render_string(cJSON *obj, const char *key, const char *s); /* NULL -> null */
bool render_number(cJSON *obj, const char *key, int64_t v);
bool render_number_string(cJSON *obj, const char *key, int64_t v); /* "57" */
bool render_bool(cJSON *obj, const char *key, bool v);
bool render_null(cJSON *obj, const char *key);
/* Wraps `item` as {name: item} and appends it to `list`; false (and item
 * freed) on allocation failure. */
bool render_append_wrapped(cJSON *list, const char *name, cJSON *item);
/* {plural: []} with the array returned in *list; NULL on failure. */
cJSON *render_list_envelope(const char *plural, cJSON **list);
/* {name: item}; takes ownership of item; NULL (item freed) on failure. */
cJSON *render_single_envelope(const char *name, cJSON *item);

#endif
