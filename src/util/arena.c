/* arena.c - per-request memory pool: a list of blocks bump-allocated in order.
 *
 * Blocks double in size up to 1 MiB; a request larger than a block gets a
 * block of its own.  The running total is checked against the arena's limit
 * before any block is added, so a limit is a hard ceiling on memory held.
 * An arena may also draw on a budget shared with others (mem_budget): each
 * block is taken from it before malloc and given back when freed. */
#include "util/arena.h"

#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    bool charged; /* taken from the arena's budget */
    alignas(max_align_t) unsigned char data[];
} block;

struct arena {
    block *head;  /* current block; older blocks follow */
    size_t total; /* bytes of all blocks, headers included */
    size_t limit;
    size_t next_size;
    bool exhausted;     /* an allocation was refused at the limit */
    mem_budget *budget; /* NULL: none */
    size_t charged;     /* bytes of blocks taken from the budget */
    bool over_budget;   /* an allocation was refused by the budget */
};

bool mem_budget_take(mem_budget *b, size_t n)
{
    size_t used = atomic_load(&b->used);
    do {
        if (n > b->limit || used > b->limit - n)
            return false;
    } while (!atomic_compare_exchange_weak(&b->used, &used, used + n));
    return true;
}

void mem_budget_give(mem_budget *b, size_t n)
{
    atomic_fetch_sub(&b->used, n);
}

#define FIRST_BLOCK 4096
#define MAX_BLOCK   ((size_t)1 << 20)

static block *block_new(arena *a, size_t need)
{
    size_t size = a->next_size;
    if (size < need)
        size = need;
    if (size > SIZE_MAX - sizeof(block) || a->total + sizeof(block) + size > a->limit) {
        a->exhausted = true;
        return NULL;
    }
    if (a->budget && !mem_budget_take(a->budget, sizeof(block) + size)) {
        a->exhausted = true;
        a->over_budget = true;
        return NULL;
    }
    block *b = malloc(sizeof(block) + size);
    if (!b) {
        if (a->budget)
            mem_budget_give(a->budget, sizeof(block) + size);
        return NULL;
    }
    b->charged = a->budget != NULL;
    if (b->charged)
        a->charged += sizeof(block) + size;
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    a->total += sizeof(block) + size;
    if (a->next_size < MAX_BLOCK)
        a->next_size *= 2;
    return b;
}

arena *arena_new(size_t limit)
{
    arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->limit = limit;
    a->next_size = FIRST_BLOCK;
    return a;
}

void arena_use_budget(arena *a, mem_budget *b)
{
    assert(a->budget == NULL);
    a->budget = b;
}

bool arena_over_budget(const arena *a)
{
    return a->over_budget;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    block *b = a->head;
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
    if (a->budget)
        mem_budget_give(a->budget, a->charged);
    free(a);
}

void arena_reset(arena *a)
{
    if (!a || !a->head)
        return;
    /* keep the oldest block, the small one every request needs */
    block *b = a->head;
    while (b->next) {
        block *next = b->next;
        a->total -= sizeof(block) + b->size;
        if (b->charged) {
            mem_budget_give(a->budget, sizeof(block) + b->size);
            a->charged -= sizeof(block) + b->size;
        }
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    a->exhausted = false;
    a->over_budget = false;
}

bool arena_exhausted(const arena *a)
{
    return a->exhausted;
}

void *arena_alloc(arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - align) {
        a->exhausted = true;
        return NULL;
    }
    size = (size + align - 1) & ~(align - 1);
    block *b = a->head;
    if (!b || b->size - b->used < size) {
        b = block_new(a, size);
        if (!b)
            return NULL;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void *arena_calloc(arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
