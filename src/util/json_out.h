/* json_out.h - printing a cJSON tree as compact JSON, faster than cJSON.
 *
 * The output is byte for byte what cJSON_PrintUnformatted gives for the same
 * tree (same escapes, same number formats), produced in one pass into one
 * growing buffer: runs of plain characters are copied whole and whole
 * numbers are formatted without printf, which is most of a response. */
#ifndef AGENDA_JSON_OUT_H
#define AGENDA_JSON_OUT_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The longest text json_print makes: far above any response (a request's
 * trees live in its arena, capped at 256 MiB), but a bound all the same. */
#define JSON_PRINT_LIMIT ((size_t)1 << 30)

/* Returns the text (malloc'd, NUL-terminated, for free()) and its length in
 * *len, or NULL when memory runs out, the text would pass JSON_PRINT_LIMIT
 * or the tree holds an invalid item. */
char *json_print(const cJSON *item, size_t *len);

#endif
