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
 *   items[item][f]=1&items[item][f]=2 for a top-level key that is the
 *     plural (+ "s") of the next one (opening_hours[opening_hour][day])
 *     -> {"items":[{"item":{"f":"1"}},{"item":{"f":"2"}}]}
 *   k=1&k=2 for a plain key           -> the last value wins
 * Every value is a string.
 *
 * Precise rules:
 * - Pairs are split on '&'; keys and values are percent-decoded with '+' as
 *   a space before brackets are read, so "patient%5Bfirst_name%5D" works.
 *   An empty pair or a pair with an empty key ("=v") is skipped; a pair
 *   without '=' has the value "".  An empty body gives {}.
 * - "[]" appends; "[digits]" is an explicit index (leading zeros allowed, at
 *   most FORM_MAX_INDEX); any other "[name]" is an object member.  The
 *   elements of an explicitly indexed array are placed in ascending index
 *   order without holes (a[5]=x&a[2]=y -> ["y","x"]); a repeated index
 *   replaces, like a repeated plain key.
 * - Rails rule for "[]" followed by more brackets: the pair goes into the
 *   last element unless its whole remaining path is already there (then it
 *   starts a new element); a remaining path containing "[]" never is.  So
 *   each entry should start with the same field.
 * - The implicit [] applies to a top-level key ending in "_collection",
 *   when both the list key and the segment after it are names; the
 *   explicit forms x_collection[items][][item][f] and
 *   x_collection[items][0][item][f] give the same tree.  Likewise after a
 *   top-level "items" followed by the name "item" and one more name.
 * - Errors, besides the limits below: a key starting with '[', unbalanced
 *   or nested brackets ("a[b", "a]", "a[b[c]]"), text after a ']' ("a[b]c"),
 *   a key used both as a value and as an object or array (a=1&a[b]=2,
 *   a[b]=1&a[]=2, a[]=1&a[][b]=2), one array addressed both with [] and
 *   with explicit indexes, a bad percent-escape, and a NUL byte (raw or
 *   "%00"). */
#ifndef AGENDA_FORM_H
#define AGENDA_FORM_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Maximum bracket depth of one key, and explicit index of an array. */
#define FORM_MAX_DEPTH 8
#define FORM_MAX_INDEX 100000
/* Maximum decoded length of one key and of one value, in bytes.  Values are
 * allowed well past FIELD_MAX_STRING so that an over-long field is reported
 * by name by the field readers, not as a malformed body. */
#define FORM_MAX_KEY   1024
#define FORM_MAX_VALUE 65536
/* Maximum number of objects, arrays and values in the resulting tree (a
 * 10,000-entry collection of a dozen fields needs about 140,000). */
#define FORM_MAX_NODES 262144

/* Parses body[0..len).  Returns a new cJSON object the caller frees with
 * cJSON_Delete, or NULL with *err set to a static message on malformed input
 * (bad escape, unbalanced brackets, a key used both as a value and as an
 * object, depth, index, key, value or node count over the limits, allocation
 * failure).  `err` may be NULL. */
cJSON *form_parse(const char *body, size_t len, const char **err);

#endif
