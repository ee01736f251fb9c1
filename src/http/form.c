/* form.c - turns an application/x-www-form-urlencoded body into the JSON
 * tree a JSON client would have sent (see form.h for the key forms).
 *
 * Parsing happens in two passes.  The first reads the pairs one by one into
 * a private tree of form_node, held in an arena with a hard limit; object
 * members and explicitly indexed array elements are found through a hash
 * table keyed with a per-call random SipHash key, so no crafted body makes
 * lookups quadratic.  Keys and values are decoded into scratch buffers and
 * only what the tree keeps is copied into the arena (a repeated key reuses
 * its value's storage when the new value fits), so memory follows the size
 * of the result, not the number of pairs.  The second pass converts the
 * tree to cJSON, putting explicitly indexed elements in ascending index
 * order.  Every quantity that grows with the input (key and value length,
 * bracket depth, index, number of nodes, arena size) is capped, and
 * exceeding a cap is an error rather than a truncation. */
#include "http/form.h"

#include <assert.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/url.h"
#include "util/arena.h"

/* Hard ceiling of the private arena (decoded text and nodes). */
#define FORM_ARENA_LIMIT       ARENA_DEFAULT_LIMIT
#define FORM_COLLECTION_SUFFIX "_collection"

enum form_kind { FORM_STR, FORM_OBJ, FORM_ARR };
/* How an array's elements were addressed; the two styles do not mix. */
enum form_mode { FORM_MODE_NONE, FORM_MODE_APPEND, FORM_MODE_INDEXED };
enum form_seg_type { FORM_SEG_NAME, FORM_SEG_APPEND, FORM_SEG_INDEX };

/* One step of a key: "name", "[]" or "[3]". */
typedef struct form_seg {
    enum form_seg_type type;
    const char *name; /* FORM_SEG_NAME */
    size_t index;     /* FORM_SEG_INDEX */
} form_seg;

typedef struct form_node form_node;
struct form_node {
    form_node *next;         /* next sibling, in insertion order */
    form_node *first, *last; /* children */
    const form_node *parent;
    const char *key;  /* member name in an object; NULL in an array */
    char *value;      /* FORM_STR only */
    size_t value_cap; /* bytes `value` can hold, excluding the NUL */
    size_t index;     /* explicit index, in an indexed array */
    size_t n_children;
    uint64_t id;   /* serial number, hashed instead of the address */
    uint64_t hash; /* hash of (parent, key or index); 0 if not in the table */
    enum form_kind kind;
    enum form_mode mode; /* FORM_ARR only */
};

typedef struct form_builder {
    arena *a;
    form_node *root;
    form_node **table; /* open addressing, linear probing; malloc'd */
    size_t table_cap;  /* a power of two, or 0 */
    size_t table_used;
    size_t n_nodes;  /* excluding the root */
    char *value_buf; /* scratch for one decoded value */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
} form_builder;

/* The keyed hash of a child address: the parent's id and a member name (when
 * key is not NULL) or an explicit index. */
static uint64_t form_hash(const form_builder *b, const form_node *parent, const char *key,
                          size_t index)
{
    unsigned char buf[sizeof(uint64_t) + 1 + FORM_MAX_KEY];
    size_t n = 0;
    memcpy(buf, &parent->id, sizeof parent->id);
    n += sizeof parent->id;
    if (key) {
        size_t klen = strlen(key);
        assert(klen <= FORM_MAX_KEY);
        buf[n++] = 'k';
        memcpy(buf + n, key, klen);
        n += klen;
    } else {
        uint64_t i = index;
        buf[n++] = 'i';
        memcpy(buf + n, &i, sizeof i);
        n += sizeof i;
    }
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, buf, n, b->hash_key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h | 1; /* never 0, which marks nodes outside the table */
}

/* The child of `parent` at `key` (or at `index` when key is NULL), or NULL. */
static form_node *form_lookup(const form_builder *b, const form_node *parent, const char *key,
                              size_t index, uint64_t h)
{
    if (b->table_cap == 0)
        return NULL;
    size_t mask = b->table_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        form_node *n = b->table[i];
        if (!n)
            return NULL;
        if (n->hash != h || n->parent != parent)
            continue;
        if (key ? (n->key && strcmp(n->key, key) == 0) : (!n->key && n->index == index))
            return n;
    }
}

/* Adds n to the table, doubling it first when half full.  0, or -1 on OOM. */
static int form_table_add(form_builder *b, form_node *n)
{
    assert(n->hash != 0);
    if ((b->table_used + 1) * 2 > b->table_cap) {
        size_t cap = b->table_cap ? b->table_cap * 2 : 64;
        form_node **t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < b->table_cap; i++) {
            form_node *m = b->table[i];
            if (!m)
                continue;
            size_t j = (size_t)m->hash & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = m;
        }
        free(b->table);
        b->table = t;
        b->table_cap = cap;
    }
    size_t j = (size_t)n->hash & (b->table_cap - 1);
    while (b->table[j])
        j = (j + 1) & (b->table_cap - 1);
    b->table[j] = n;
    b->table_used++;
    return 0;
}

/* Appends a new child of `kind` to `parent`, with a copy of `key`.  A non-zero
 * `hash` also enters it in the table under (key, index).  NULL with *err set
 * on a limit. */
static form_node *form_node_add(form_builder *b, form_node *parent, enum form_kind kind,
                                const char *key, size_t index, uint64_t hash, const char **err)
{
    if (b->n_nodes >= FORM_MAX_NODES) {
        *err = "form body has too many fields";
        return NULL;
    }
    form_node *n = arena_calloc(b->a, 1, sizeof *n);
    if (!n) {
        *err = "out of memory";
        return NULL;
    }
    n->kind = kind;
    n->parent = parent;
    if (key && !(n->key = arena_strdup(b->a, key))) {
        *err = "out of memory";
        return NULL;
    }
    n->index = index;
    n->hash = hash;
    n->id = ++b->n_nodes;
    if (hash != 0 && form_table_add(b, n) != 0) {
        *err = "out of memory";
        return NULL;
    }
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    parent->n_children++;
    return n;
}

/* Splits a decoded key in place into segs (room for FORM_MAX_DEPTH + 1).
 * Returns the number of segments, or 0 with *err set when malformed. */
static size_t form_parse_key(char *key, form_seg *segs, const char **err)
{
    char *p = strchr(key, '[');
    if (p == key) {
        *err = "form key starts with '['";
        return 0;
    }
    size_t base_len = p ? (size_t)(p - key) : strlen(key);
    if (memchr(key, ']', base_len)) {
        *err = "unbalanced brackets in form key";
        return 0;
    }
    segs[0] = (form_seg){.type = FORM_SEG_NAME, .name = key};
    size_t n = 1;
    while (p && *p) {
        if (*p != '[') {
            *err = "malformed form key (text after ']')";
            return 0;
        }
        char *close = p + 1;
        while (*close && *close != '[' && *close != ']')
            close++;
        if (*close != ']') {
            *err = "unbalanced brackets in form key";
            return 0;
        }
        if (n > FORM_MAX_DEPTH) {
            *err = "form key nested too deeply";
            return 0;
        }
        char *content = p + 1;
        *p = '\0'; /* ends the base name or nothing */
        *close = '\0';
        p = close + 1;
        size_t clen = (size_t)(close - content);
        size_t digits = strspn(content, "0123456789");
        if (clen == 0) {
            segs[n++] = (form_seg){.type = FORM_SEG_APPEND};
        } else if (digits == clen) {
            size_t index = 0;
            for (size_t i = 0; i < clen; i++) {
                index = index * 10 + (size_t)(content[i] - '0');
                if (index > FORM_MAX_INDEX) {
                    *err = "form array index too large";
                    return 0;
                }
            }
            segs[n++] = (form_seg){.type = FORM_SEG_INDEX, .index = index};
        } else {
            segs[n++] = (form_seg){.type = FORM_SEG_NAME, .name = content};
        }
    }
    return n;
}

/* Whether the path segs[0..n) already exists below `node`.  A path through
 * "[]" never does (each "[]" may append). */
static bool form_present(const form_builder *b, const form_node *node, const form_seg *segs,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (segs[i].type == FORM_SEG_APPEND)
            return false;
        const char *key = segs[i].type == FORM_SEG_NAME ? segs[i].name : NULL;
        uint64_t h = form_hash(b, node, key, segs[i].index);
        node = form_lookup(b, node, key, segs[i].index, h);
        if (!node)
            return false;
    }
    return true;
}

/* Stores a copy of value[0..len) in the leaf n, reusing its storage when the
 * value fits.  0, or -1 with *err set. */
static int form_set_value(form_builder *b, form_node *n, const char *value, size_t len,
                          const char **err)
{
    assert(n->kind == FORM_STR);
    if (n->value && len <= n->value_cap) {
        memcpy(n->value, value, len);
        n->value[len] = '\0';
        return 0;
    }
    char *copy = arena_strndup(b->a, value, len);
    if (!copy) {
        *err = "out of memory";
        return -1;
    }
    n->value = copy;
    n->value_cap = len;
    return 0;
}

/* Stores value[0..len) at the path segs[0..n) (segs[0] a name), creating
 * what is missing.  0, or -1 with *err set on a conflict or a limit. */
static int form_insert(form_builder *b, const form_seg *segs, size_t n, const char *value,
                       size_t len, const char **err)
{
    static const char conflict[] = "form key used both as a value and as an object or array";
    static const char mixed[] = "form array mixes [] and explicit indexes";
    assert(n >= 1 && segs[0].type == FORM_SEG_NAME);
    form_node *cur = b->root;
    for (size_t i = 0; i < n; i++) {
        const form_seg *seg = &segs[i];
        bool last = i + 1 == n;
        enum form_kind want = last                                ? FORM_STR
                              : segs[i + 1].type == FORM_SEG_NAME ? FORM_OBJ
                                                                  : FORM_ARR;
        form_node *child = NULL;
        if (seg->type == FORM_SEG_NAME)
            assert(cur->kind == FORM_OBJ);
        else
            assert(cur->kind == FORM_ARR);

        if (seg->type == FORM_SEG_APPEND) {
            if (cur->mode == FORM_MODE_INDEXED) {
                *err = mixed;
                return -1;
            }
            cur->mode = FORM_MODE_APPEND;
            if (cur->first && cur->first->kind != want) {
                *err = conflict;
                return -1;
            }
            /* Rails rule: a path already in the last element starts a new one */
            if (!last && cur->last && !form_present(b, cur->last, segs + i + 1, n - i - 1))
                child = cur->last;
            else if (!(child = form_node_add(b, cur, want, NULL, 0, 0, err)))
                return -1;
        } else {
            const char *key = seg->type == FORM_SEG_NAME ? seg->name : NULL;
            if (seg->type == FORM_SEG_INDEX) {
                if (cur->mode == FORM_MODE_APPEND) {
                    *err = mixed;
                    return -1;
                }
                cur->mode = FORM_MODE_INDEXED;
                if (cur->first && cur->first->kind != want) {
                    *err = conflict;
                    return -1;
                }
            }
            uint64_t h = form_hash(b, cur, key, seg->index);
            child = form_lookup(b, cur, key, seg->index, h);
            if (child && child->kind != want) {
                *err = conflict;
                return -1;
            }
            if (!child && !(child = form_node_add(b, cur, want, key, seg->index, h, err)))
                return -1;
        }
        /* a repeated plain key: the last value wins */
        if (last && form_set_value(b, child, value, len, err) != 0)
            return -1;
        cur = child;
    }
    return 0;
}

/* Decodes raw[0..len) into out (room for len + 1 bytes whenever len is at
 * most 3 * max + 2), at most `max` bytes once decoded.  Returns the decoded length, or -1 with *err
 * set when too long or malformed. */
static long form_decode(char *out, const char *raw, size_t len, size_t max, const char *too_long,
                        const char **err)
{
    /* every escape is three bytes for one, so longer input cannot fit */
    if (len > 3 * max + 2) {
        *err = too_long;
        return -1;
    }
    if (url_decode_into(out, raw, len, 1) != 0) {
        *err = "malformed percent-escape in form body";
        return -1;
    }
    size_t n = strlen(out);
    if (n > max) {
        *err = too_long;
        return -1;
    }
    return (long)n;
}

/* Reads one "key=value" pair (no '&') into the tree.  Pairs with an empty
 * key are skipped.  0, or -1 with *err set. */
static int form_add_pair(form_builder *b, const char *pair, size_t len, const char **err)
{
    const char *eq = memchr(pair, '=', len);
    size_t key_len = eq ? (size_t)(eq - pair) : len;
    if (key_len == 0)
        return 0;
    char key[3 * FORM_MAX_KEY + 3];
    if (form_decode(key, pair, key_len, FORM_MAX_KEY, "form key too long", err) < 0)
        return -1;
    const char *raw_value = eq ? eq + 1 : "";
    size_t raw_value_len = eq ? len - key_len - 1 : 0;
    long value_len = form_decode(b->value_buf, raw_value, raw_value_len, FORM_MAX_VALUE,
                                 "form value too long", err);
    if (value_len < 0)
        return -1;

    form_seg segs[FORM_MAX_DEPTH + 2];
    size_t n = form_parse_key(key, segs, err);
    if (n == 0)
        return -1;
    /* x_collection[items][item][f]: an implicit [] after the list key */
    size_t base_len = strlen(segs[0].name), suffix_len = strlen(FORM_COLLECTION_SUFFIX);
    if (n >= 3 && base_len > suffix_len &&
        strcmp(segs[0].name + base_len - suffix_len, FORM_COLLECTION_SUFFIX) == 0 &&
        segs[1].type == FORM_SEG_NAME && segs[2].type == FORM_SEG_NAME) {
        memmove(segs + 3, segs + 2, (n - 2) * sizeof segs[0]);
        segs[2] = (form_seg){.type = FORM_SEG_APPEND};
        n++;
    } else if (n >= 3 && segs[1].type == FORM_SEG_NAME && segs[2].type == FORM_SEG_NAME &&
               base_len >= 2 && segs[0].name[base_len - 1] == 's' &&
               strlen(segs[1].name) == base_len - 1 &&
               strncmp(segs[0].name, segs[1].name, base_len - 1) == 0) {
        /* items[item][f] at the top level (opening_hours[opening_hour][day]):
         * the same implicit [] after the list key */
        memmove(segs + 2, segs + 1, (n - 1) * sizeof segs[0]);
        segs[1] = (form_seg){.type = FORM_SEG_APPEND};
        n++;
    }
    assert(n <= FORM_MAX_DEPTH + 2);
    return form_insert(b, segs, n, b->value_buf, (size_t)value_len, err);
}

/* qsort order of indexed array elements. */
static int form_by_index(const void *x, const void *y)
{
    const form_node *a = *(const form_node *const *)x, *b = *(const form_node *const *)y;
    return (a->index > b->index) - (a->index < b->index);
}

/* Converts the subtree at n to a new cJSON item, or NULL when out of memory.
 * Recursion is bounded by FORM_MAX_DEPTH + 2. */
static cJSON *form_emit(form_builder *b, const form_node *n)
{
    if (n->kind == FORM_STR) {
        assert(n->value != NULL);
        return cJSON_CreateString(n->value);
    }
    cJSON *out = n->kind == FORM_OBJ ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!out)
        return NULL;
    const form_node **order = NULL;
    if (n->kind == FORM_ARR && n->mode == FORM_MODE_INDEXED && n->n_children > 1) {
        order = arena_calloc(b->a, n->n_children, sizeof *order);
        if (!order) {
            cJSON_Delete(out);
            return NULL;
        }
        size_t i = 0;
        for (const form_node *c = n->first; c; c = c->next)
            order[i++] = c;
        qsort(order, n->n_children, sizeof *order, form_by_index);
    }
    const form_node *c = n->first;
    for (size_t i = 0; i < n->n_children; i++, c = c->next) {
        const form_node *child = order ? order[i] : c;
        cJSON *item = form_emit(b, child);
        bool ok = item != NULL;
        if (ok && n->kind == FORM_OBJ)
            ok = cJSON_AddItemToObject(out, child->key, item);
        else if (ok)
            ok = cJSON_AddItemToArray(out, item);
        if (!ok) {
            cJSON_Delete(item);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

cJSON *form_parse(const char *body, size_t len, const char **err)
{
    const char *unused;
    if (!err)
        err = &unused;
    if (!body && len > 0) {
        *err = "missing form body";
        return NULL;
    }
    if (sodium_init() < 0) {
        *err = "no random source for the form parser";
        return NULL;
    }
    cJSON *out = NULL;
    form_builder b = {0};
    randombytes_buf(b.hash_key, sizeof b.hash_key);
    b.a = arena_new(FORM_ARENA_LIMIT);
    if (b.a) {
        b.root = arena_calloc(b.a, 1, sizeof *b.root);
        /* no value is longer than the body, nor than form_decode reads */
        size_t scratch = 3 * (size_t)FORM_MAX_VALUE + 2;
        b.value_buf = arena_alloc(b.a, (len < scratch ? len : scratch) + 1);
    }
    if (!b.root || !b.value_buf) {
        *err = "out of memory";
        goto done;
    }
    b.root->kind = FORM_OBJ;

    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t pair_len = amp ? (size_t)(amp - (body + i)) : len - i;
        if (form_add_pair(&b, body + i, pair_len, err) != 0)
            goto done;
        i += pair_len + 1;
    }
    out = form_emit(&b, b.root);
    if (!out)
        *err = "out of memory";
done:
    free(b.table);
    arena_free(b.a);
    return out;
}
