/* body.c - request bodies to JSON trees: forms through form.c, JSON through
 * cJSON, after a scan for NULs (raw or escaped) that cJSON would truncate at. */
#include "http/body.h"

#include <string.h>
#include <strings.h>

#include "http/form.h"
#include "util/utf8.h"

bool body_is_form(const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";
    return content_type && strncasecmp(content_type, form, sizeof form - 1) == 0;
}

/* True when a JSON text contains the escape \u0000 (an escape only when
 * preceded by an odd number of backslashes). */
static bool json_has_escaped_nul(const char *s, size_t len)
{
    size_t backslashes = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\') {
            backslashes++;
            continue;
        }
        if (backslashes % 2 == 1 && s[i] == 'u' && len - i >= 5 && s[i + 1] == '0' &&
            s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '0')
            return true;
        backslashes = 0;
    }
    return false;
}

/* True when the first non-blank byte opens a JSON object or array: no form
 * key starts so, and `curl -d '{...}'` labels JSON as a form. */
static bool body_looks_like_json(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[');
}

/* True when every key and string of the tree is UTF-8 (form values come
 * percent-decoded, so any bytes may appear in them). */
static bool tree_is_utf8(const cJSON *item, int depth)
{
    for (; item; item = item->next) {
        if (item->string && !utf8_valid(item->string, strlen(item->string)))
            return false;
        if (cJSON_IsString(item) && item->valuestring &&
            !utf8_valid(item->valuestring, strlen(item->valuestring)))
            return false;
        /* the parsers bound the depth; this bound only guards the stack */
        if (item->child && (depth > 1000 || !tree_is_utf8(item->child, depth + 1)))
            return false;
    }
    return true;
}

/* Parses without the UTF-8 check; see body_parse. */
static cJSON *body_parse_tree(const char *data, size_t len, bool form, const char **err)
{
    if (form && !body_looks_like_json(data, len))
        return form_parse(data, len, err);
    if (json_has_escaped_nul(data, len)) {
        *err = "JSON strings may not contain \\u0000";
        return NULL;
    }
    /* A raw NUL byte is never valid JSON, but cJSON reads it as white space
     * between tokens and ends a string at it, silently dropping the rest:
     * "a<NUL>b" would be stored as "a". */
    if (memchr(data, '\0', len) != NULL) {
        *err = "malformed JSON body";
        return NULL;
    }
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    /* Only white space may follow the value. */
    while (tree && end < data + len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (tree && end != data + len) {
        cJSON_Delete(tree);
        tree = NULL;
    }
    if (!tree)
        *err = "malformed JSON body";
    return tree;
}

cJSON *body_parse(const char *data, size_t len, bool form, const char **err)
{
    cJSON *tree = body_parse_tree(data, len, form, err);
    if (tree && !tree_is_utf8(tree, 0)) {
        cJSON_Delete(tree);
        *err = "text in the body must be UTF-8";
        return NULL;
    }
    return tree;
}
