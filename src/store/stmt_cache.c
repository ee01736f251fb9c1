/* stmt_cache.c - the prepared-statement cache the drivers share (see
 * stmt_cache.h). */
#include "store/stmt_cache.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#define STMT_CACHE_FIRST 64 /* slots; a power of two */

/* Home slot of an SQL text's address (a mixed pointer hash). */
static size_t slot_of(const char *sql, size_t n_slots)
{
    uint64_t h = (uint64_t)(uintptr_t)sql;
    h ^= h >> 29;
    h *= UINT64_C(0x9e3779b97f4a7c15);
    h ^= h >> 32;
    return (size_t)h & (n_slots - 1);
}

/* Puts the entry into a free slot of slots[n_slots] (there is one). */
static void place(stmt_cache_slot *slots, size_t n_slots, stmt_cache_slot entry)
{
    size_t i = slot_of(entry.sql, n_slots);
    while (slots[i].sql)
        i = (i + 1) & (n_slots - 1);
    slots[i] = entry;
}

void *stmt_cache_find(const stmt_cache *c, const char *sql)
{
    if (c->n_slots == 0)
        return NULL;
    for (size_t i = slot_of(sql, c->n_slots); c->slots[i].sql; i = (i + 1) & (c->n_slots - 1))
        if (c->slots[i].sql == sql)
            return c->slots[i].stmt;
    return NULL;
}

bool stmt_cache_add(stmt_cache *c, const char *sql, void *stmt)
{
    assert(sql && stmt && !stmt_cache_find(c, sql));
    if ((c->n_used + 1) * 4 > c->n_slots * 3) {
        size_t n = c->n_slots ? c->n_slots * 2 : STMT_CACHE_FIRST;
        stmt_cache_slot *slots = calloc(n, sizeof *slots);
        if (!slots)
            return false;
        for (size_t i = 0; i < c->n_slots; i++)
            if (c->slots[i].sql)
                place(slots, n, c->slots[i]);
        free(c->slots);
        c->slots = slots;
        c->n_slots = n;
    }
    place(c->slots, c->n_slots, (stmt_cache_slot){.sql = sql, .stmt = stmt});
    c->n_used++;
    return true;
}

void stmt_cache_clear(stmt_cache *c, void (*release)(void *stmt))
{
    for (size_t i = 0; i < c->n_slots; i++)
        if (c->slots[i].sql)
            release(c->slots[i].stmt);
    free(c->slots);
    *c = (stmt_cache){0};
}
