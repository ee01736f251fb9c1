/* body.h - request bodies to JSON trees, whatever their encoding. */
#ifndef AGENDA_BODY_H
#define AGENDA_BODY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* True when the Content-Type value names a form body. */
bool body_is_form(const char *content_type);

/* Parses data[0..len): a form body when `form` (unless the body starts with
 * '{' or '[', which only JSON does), JSON otherwise.  Returns a
 * tree the caller frees with cJSON_Delete, or NULL with *err set to a static
 * message.  JSON with a NUL byte, raw or escaped (\u0000), is refused: the
 * JSON library would cut strings short at it silently. */
cJSON *body_parse(const char *data, size_t len, bool form, const char **err);

#endif
