/* buf.h - the one growable buffer: a hard limit on its length, memory from
 * malloc or from an arena, contents always NUL-terminated.
 *
 * As curl's dynbuf: whoever makes a buffer says how large it may become, so
 * nothing that grows from a client's input (or from data it makes us print)
 * grows without bound.  Capacity doubles from 256 bytes.  The first add that
 * fails (the limit, or memory) leaves the buffer failed: later adds fail at
 * once, so a writer of many small pieces checks once, at the end.
 *
 * With an arena, growth takes a new block from it and copies (the old one
 * stays until the arena is freed), and buf_free is a no-op: fit for arrays
 * of rows read for one request (buf_extend appends a zeroed row).  Without,
 * it is realloc and free, and a heap buffer may also count its capacity
 * against a memory budget shared with others (buf_use_budget): growth is
 * taken from the budget before it is allocated, and given back when the
 * allocation fails and by buf_free. */
#ifndef AGENDA_UTIL_BUF_H
#define AGENDA_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

typedef enum buf_state {
    BUF_OK = 0,
    BUF_TOO_LARGE,   /* an add would have passed the limit */
    BUF_NO_MEMORY,   /* malloc or the arena refused */
    BUF_OVER_BUDGET, /* the memory budget (buf_use_budget) refused */
} buf_state;

typedef struct buf {
    char *data; /* NULL until the first byte; data[len] is always '\0' */
    size_t len;
    size_t cap;
    size_t limit;       /* the most bytes len may reach */
    arena *arena;       /* NULL: malloc'd */
    mem_budget *budget; /* NULL: none; else cap bytes are taken from it */
    buf_state state;
} buf;

/* An empty buffer that may hold up to `limit` bytes, from `a` (NULL: the
 * heap).  Allocates nothing yet. */
void buf_init(buf *b, size_t limit, arena *a);

/* From now on the heap buffer's capacity is taken from `m` (see above);
 * once, before the first add. */
void buf_use_budget(buf *b, mem_budget *m);

/* Room for n more bytes (and the NUL).  False when the buffer has failed or
 * fails now (state says why); the contents are then untouched. */
bool buf_reserve(buf *b, size_t n);
/* Appends n bytes; false as buf_reserve. */
bool buf_add(buf *b, const void *data, size_t n);
/* Appends one byte; false as buf_reserve. */
bool buf_add_char(buf *b, char c);
/* Appends n zero bytes and returns where they start (valid until the next
 * add), or NULL as buf_reserve fails. */
void *buf_extend(buf *b, size_t n);

/* Hands the contents over: returns the data (NUL-terminated; malloc'd, for
 * free(), or the arena's) and its length in *len, and leaves the buffer
 * empty.  Not for a buffer under a budget (its memory stays counted until
 * buf_free).  NULL when the buffer has failed (its memory is released then).
 * An empty buffer gives "" (allocated), never NULL. */
char *buf_take(buf *b, size_t *len);

/* Releases the heap memory (giving its capacity back to the budget) and
 * empties the buffer (keeping its limit, arena and budget).  NULL is a
 * no-op. */
void buf_free(buf *b);

#endif
