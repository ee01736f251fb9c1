/* form.h - application/x-www-form-urlencoded bodies as JSON trees.
 *
 * Form clients send the bracket keys of the API document's Body Parameters
 * tables; this turns them into the same tree a JSON client would send, so
 * the handlers read one shape:
 *   patient[first_name]=Jo            -> {"patient":{"first_name":"Jo"}}
 *   a[b][][c]=1&a[b][][c]=2           -> {"a":{"b":[{"c":"1"},{"c":"2"}]}}
 *     (Rails rule: in an [] array of objects, a key already present in the
 *      last element starts a new element)
 *   a[b][0][c]=1&a[b][1][c]=2         -> the same, by explicit index
 *   x_collection[items][item][f]=1&x_collection[items][item][f]=2
 *     -> {"x_collection":{"items":[{"item":{"f":"1"}},{"item":{"f":"2"}}]}}
 *     (the document's literal collection keys: the segment after a
 *      *_collection object's list key is an implicit [])
 *   k=1&k=2 for a plain key           -> the last value wins
 * Every value is a string. */
#ifndef AGENDA_FORM_H
#define AGENDA_FORM_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Maximum bracket depth of one key, and explicit index of an array. */
#define FORM_MAX_DEPTH 8
#define FORM_MAX_INDEX 100000

/* Parses body[0..len).  Returns a new cJSON object the caller frees with
 * cJSON_Delete, or NULL with *err set to a static message on malformed input
 * (bad escape, unbalanced brackets, a key used both as a value and as an
 * object, depth or index over the limits, allocation failure). */
cJSON *form_parse(const char *body, size_t len, const char **err);

#endif
