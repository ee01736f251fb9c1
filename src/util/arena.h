/* arena.h - per-request memory pool.
 *
 * Everything a request allocates (decoded strings, rows read from the store,
 * JSON fragments) comes from one arena that is freed in one call when the
 * request ends, so handlers never free individual objects.  An arena has a
 * hard size limit: allocations beyond it fail (return NULL) instead of letting
 * a hostile request grow the process without bound. */
#ifndef AGENDA_ARENA_H
#define AGENDA_ARENA_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct arena arena;

/* Memory shared by many arenas (and other buffers) together: what they hold
 * at once may not pass `limit`.  Thread-safe; zero-initialise `used`. */
typedef struct mem_budget {
    atomic_size_t used;
    size_t limit;
} mem_budget;

/* Takes n bytes from the budget; false (nothing taken) when they would pass
 * its limit. */
bool mem_budget_take(mem_budget *b, size_t n);
/* Gives back n bytes taken before. */
void mem_budget_give(mem_budget *b, size_t n);

/* Default ceiling of one arena; enough for a 10,000-entry collection. */
#define ARENA_DEFAULT_LIMIT ((size_t)256 << 20)

/* Returns a new arena that may hold up to `limit` bytes, or NULL on OOM. */
arena *arena_new(size_t limit);
/* Frees the arena and everything allocated from it. NULL is a no-op. */
void arena_free(arena *a);
/* From now on every block the arena adds is also taken from `b` (given back
 * when the arena frees it); once per arena.  An
 * allocation the budget refuses fails as one past the arena's own limit
 * does, and arena_over_budget tells the two apart. */
void arena_use_budget(arena *a, mem_budget *b);
/* True when an allocation was refused by the shared budget (see above). */
bool arena_over_budget(const arena *a);
/* Forgets every allocation but keeps the first block for reuse. */
void arena_reset(arena *a);

/* True when an allocation was refused for the limit since arena_new or
 * the last arena_reset. */
bool arena_exhausted(const arena *a);

/* Returns `size` bytes aligned for any type, or NULL when the limit is hit. */
void *arena_alloc(arena *a, size_t size);
/* Same, zero-filled. */
void *arena_calloc(arena *a, size_t count, size_t size);
/* Copies; NULL in gives NULL out. */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);

#endif
