/* fuzz_form.c - libFuzzer harness for application/x-www-form-urlencoded
 * bodies: form_parse (bracket keys, Rails [] arrays, explicit indexes, the
 * document's implicit collection arrays, percent-escapes, limits).
 *
 * Input: the raw body, NUL bytes included.  Properties checked on every
 * accepted body: the tree is an object whose leaves are all strings and
 * whose arrays and objects are never empty; parsing is deterministic (the
 * parser hashes with a random key per call, which must not show in the
 * result); and writing the tree back as a form with explicit indexes and
 * every byte escaped, then parsing that, gives the same tree in the same
 * order whenever the rewritten keys stay within the parser's limits. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "http/form.h"

typedef struct rewrite {
    fuzz_buf body;
    bool fits; /* every rewritten key is within FORM_MAX_KEY/DEPTH/INDEX */
} rewrite;

/* Checks the shape of `item` at bracket depth `depth`. */
static void check_shape(const cJSON *item, int depth)
{
    FUZZ_CHECK(depth <= FORM_MAX_DEPTH + 2); /* + the implicit collection [] */
    if (cJSON_IsString(item)) {
        FUZZ_CHECK(item->valuestring != NULL);
        return;
    }
    FUZZ_CHECK(cJSON_IsObject(item) || cJSON_IsArray(item));
    FUZZ_CHECK(depth == 0 || item->child != NULL);
    for (const cJSON *c = item->child; c; c = c->next) {
        if (cJSON_IsObject(item))
            FUZZ_CHECK(c->string && *c->string);
        check_shape(c, depth + 1);
    }
}

/* Appends the pairs for `item`, reached by key->data (decoded length dlen,
 * `brackets` bracket pairs); the root has no key. */
static void rewrite_item(rewrite *rw, const cJSON *item, fuzz_buf *key, size_t dlen, int brackets,
                         bool root)
{
    if (cJSON_IsString(item)) {
        if (dlen > FORM_MAX_KEY || brackets > FORM_MAX_DEPTH)
            rw->fits = false;
        if (rw->body.len)
            fuzz_buf_str(&rw->body, "&");
        fuzz_buf_add(&rw->body, key->data, key->len);
        fuzz_buf_str(&rw->body, "=");
        fuzz_buf_escaped(&rw->body, item->valuestring);
        return;
    }
    size_t index = 0;
    for (const cJSON *c = item->child; c; c = c->next, index++) {
        size_t mark = key->len, added;
        if (root) {
            fuzz_buf_escaped(key, c->string);
            added = strlen(c->string);
        } else if (cJSON_IsArray(item)) {
            char num[32];
            int n = snprintf(num, sizeof num, "[%zu]", index);
            fuzz_buf_add(key, num, (size_t)n);
            added = (size_t)n;
            if (index > FORM_MAX_INDEX)
                rw->fits = false;
        } else {
            fuzz_buf_str(key, "%5B");
            fuzz_buf_escaped(key, c->string);
            fuzz_buf_str(key, "%5D");
            added = strlen(c->string) + 2;
        }
        rewrite_item(rw, c, key, dlen + added, root ? 0 : brackets + 1, false);
        key->len = mark;
        key->data[mark] = '\0';
    }
}

/* The tree printed compactly; aborts on OOM. */
static char *print(const cJSON *tree)
{
    char *s = cJSON_PrintUnformatted(tree);
    FUZZ_CHECK(s != NULL);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    const char *err = NULL;
    cJSON *tree = form_parse(body, size, &err);
    if (!tree) {
        FUZZ_CHECK(err != NULL);
        return 0;
    }
    FUZZ_CHECK(cJSON_IsObject(tree));
    check_shape(tree, 0);
    char *text = print(tree);

    cJSON *again = form_parse(body, size, &err);
    FUZZ_CHECK(again != NULL);
    char *again_text = print(again);
    FUZZ_CHECK(strcmp(text, again_text) == 0);
    free(again_text);
    cJSON_Delete(again);

    rewrite rw = {.fits = true};
    fuzz_buf key = {0};
    rewrite_item(&rw, tree, &key, 0, 0, true);
    fuzz_buf_free(&key);
    if (rw.fits) {
        cJSON *back = form_parse(rw.body.data ? rw.body.data : "", rw.body.len, &err);
        if (!back)
            fprintf(stderr, "rewritten body refused (%s): %s\n", err, rw.body.data);
        FUZZ_CHECK(back != NULL);
        char *back_text = print(back);
        FUZZ_CHECK(strcmp(text, back_text) == 0);
        free(back_text);
        cJSON_Delete(back);
    }
    fuzz_buf_free(&rw.body);
    free(text);
    cJSON_Delete(tree);
    return 0;
}
