/* stmt_cache.h - the prepared-statement cache of a connection, shared by
 * the drivers: an open-addressing table (linear probing, grown past 3/4
 * full) keyed by the address of the SQL text, which db.h guarantees to be
 * static storage.  Entries are the driver's own statement structs; the
 * cache only holds pointers and never frees them but in stmt_cache_clear. */
#ifndef AGENDA_STMT_CACHE_H
#define AGENDA_STMT_CACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct stmt_cache_slot {
    const char *sql; /* NULL: free */
    void *stmt;
} stmt_cache_slot;

typedef struct stmt_cache {
    stmt_cache_slot *slots;
    size_t n_slots; /* 0 or a power of two */
    size_t n_used;
} stmt_cache;

/* The statement cached for `sql` (by address), or NULL. */
void *stmt_cache_find(const stmt_cache *c, const char *sql);
/* Adds stmt under `sql` (not yet there); false when out of memory, and
 * then the cache is unchanged. */
bool stmt_cache_add(stmt_cache *c, const char *sql, void *stmt);
/* Calls release(stmt) on every entry, frees the table and empties c. */
void stmt_cache_clear(stmt_cache *c, void (*release)(void *stmt));

#endif
