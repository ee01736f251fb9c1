/* buf.c - the growable buffer (see buf.h). */
#include "util/buf.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAPACITY 256

void buf_init(buf *b, size_t limit, arena *a)
{
    assert(b != NULL && limit < SIZE_MAX);
    *b = (buf){.limit = limit, .arena = a};
}

void buf_use_budget(buf *b, mem_budget *m)
{
    assert(b != NULL && m != NULL && !b->arena && !b->budget && b->cap == 0);
    b->budget = m;
}

/* Moves the contents into a block of `cap` bytes; on failure, the state
 * says why. */
static bool buf_grow(buf *b, size_t cap)
{
    assert(cap > b->cap);
    char *grown;
    if (b->arena) {
        grown = arena_alloc(b->arena, cap);
        if (grown && b->len)
            memcpy(grown, b->data, b->len + 1);
    } else {
        /* the budget first, so what is in use never passes it */
        if (b->budget && !mem_budget_take(b->budget, cap - b->cap)) {
            b->state = BUF_OVER_BUDGET;
            return false;
        }
        grown = realloc(b->data, cap);
        if (!grown && b->budget)
            mem_budget_give(b->budget, cap - b->cap);
    }
    if (!grown) {
        b->state = BUF_NO_MEMORY;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

bool buf_reserve(buf *b, size_t n)
{
    assert(b != NULL);
    if (b->state != BUF_OK)
        return false;
    if (n > b->limit - b->len) {
        b->state = BUF_TOO_LARGE;
        return false;
    }
    size_t need = b->len + n + 1; /* <= limit + 1: no overflow */
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : BUF_FIRST_CAPACITY;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->limit + 1)
        cap = b->limit + 1; /* never hold more than the limit allows */
    if (!buf_grow(b, cap))
        return false;
    b->data[b->len] = '\0';
    return true;
}

bool buf_add(buf *b, const void *data, size_t n)
{
    if (!buf_reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool buf_add_char(buf *b, char c)
{
    return buf_add(b, &c, 1);
}

void *buf_extend(buf *b, size_t n)
{
    if (!buf_reserve(b, n))
        return NULL;
    char *start = b->data + b->len;
    memset(start, 0, n + 1);
    b->len += n;
    return start;
}

char *buf_take(buf *b, size_t *len)
{
    assert(b != NULL && !b->budget);
    if (b->state == BUF_OK && !b->data)
        (void)buf_reserve(b, 0);
    char *data = NULL;
    if (b->state == BUF_OK) {
        data = b->data;
        if (len)
            *len = b->len;
        b->data = NULL;
    }
    buf_free(b);
    return data;
}

void buf_free(buf *b)
{
    if (!b)
        return;
    if (!b->arena)
        free(b->data);
    if (b->budget)
        mem_budget_give(b->budget, b->cap);
    *b = (buf){.limit = b->limit, .arena = b->arena, .budget = b->budget};
}
