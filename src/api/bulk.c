/* bulk.c - a collection's rows read and written many at a time.
 *
 * A collection's entries are matched, applied and written in input order,
 * each seeing what the ones before it wrote (handler.c).  Written entry by
 * entry that is a few statements per entry, and on PostgreSQL each is a
 * round trip and each write a savepoint.  Here the runner's loop stays the
 * same, but its reads and writes go to memory:
 *
 * 1. bulk_start reads, in bulk, every row an entry names (by id or
 *    remote_id), and lets the resource read ahead what its entries reference
 *    (r->prefetch: an appointment's patient and service);
 * 2. for each entry, bulk_get finds its row in `objects`, the latest state of
 *    every row known (read, or created by an earlier entry), through an
 *    index by id and one by live remote_id, as the database would find it;
 *    bulk_stage records the applied row, refusing a remote_id that another
 *    known live row holds, as the database's unique index would, and
 *    bulk_remove a deletion (the row is found no more, its remote_id free);
 * 3. bulk_finish writes the rows entries changed (r->write_many) and renders
 *    each entry from the state its row had right after it, as entry by entry
 *    (what only the database computes, an appointment's warning, is read
 *    back once everything is written: r->refresh).
 *
 * What memory cannot know is a row no entry names: a remote_id such a row
 * holds makes the write fail with STORE_CONFLICT, and so can rows that trade
 * remote_ids among themselves (a database checks each row as it writes it,
 * in its own order).  The runner then rolls back and writes the collection
 * entry by entry, which names the entries at fault exactly as before.  When
 * entries were refused in memory the others are still written (and rolled
 * back) to learn whether the database refuses one too, so that the answer
 * lists every bad entry as entry by entry would.
 *
 * Differences from entry by entry, both documented in the README
 * (Collections): an `id` must name a row that exists before the collection
 * (an id that an earlier entry of the same collection created is not known
 * yet), and an appointment's warning is computed once the whole collection
 * is written. */
#include "api/bulk.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "api/render.h"

/* An open-addressing index of objects: by id (texts NULL) or by remote_id.
 * Slots hold object numbers, -1 when empty; nothing is ever removed (a
 * remote_id entry whose object no longer has that remote_id is stale and
 * ignored, and is overwritten when another object takes the name). */
typedef struct obj_index {
    int64_t *ids;
    const char **texts;
    long *objects;
    size_t mask;
} obj_index;

struct bulk {
    const resource *r;
    api_request *rq;
    size_t row_size;
    char *objects; /* n_objects rows of row_size: the latest state of each */
    bool *dirty;   /* staged by an entry: to be written */
    bool *gone;    /* deleted by an entry: found no more */
    size_t n_objects, cap_objects;
    obj_index by_id, by_remote_id;
    long current;     /* the object bulk_get found for the entry, -1: none */
    long *of_entry;   /* object of each staged entry */
    char *snapshots;  /* each staged entry's row */
    size_t n_entries; /* entries in the collection */
};

static void *object_at(const bulk *b, long o)
{
    return b->objects + (size_t)o * b->row_size;
}

static int64_t row_id(const void *row)
{
    return *(const int64_t *)row; /* every row's id is its first member */
}

static const char *row_remote_id(const bulk *b, const void *row)
{
    return *(const char *const *)((const char *)row + b->r->remote_id_offset);
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static uint64_t hash_id(int64_t id)
{
    return (uint64_t)id * 0x9E3779B97F4A7C15u;
}

static bool index_init(arena *a, obj_index *x, size_t items, bool texts)
{
    size_t cap = 16;
    while (cap < items * 2)
        cap *= 2;
    x->mask = cap - 1;
    x->objects = arena_alloc(a, cap * sizeof *x->objects);
    x->ids = texts ? NULL : arena_alloc(a, cap * sizeof *x->ids);
    x->texts = texts ? arena_alloc(a, cap * sizeof *x->texts) : NULL;
    if (!x->objects || (texts ? !x->texts : !x->ids))
        return false;
    for (size_t i = 0; i < cap; i++)
        x->objects[i] = -1;
    return true;
}

/* The slot of a key: the one that holds it, else the empty one where it
 * goes. */
static size_t slot_of_id(const obj_index *x, int64_t id)
{
    size_t i = (size_t)hash_id(id) & x->mask;
    while (x->objects[i] >= 0 && x->ids[i] != id)
        i = (i + 1) & x->mask;
    return i;
}

static size_t slot_of_text(const obj_index *x, const char *text)
{
    size_t i = (size_t)hash_text(text) & x->mask;
    while (x->objects[i] >= 0 && strcmp(x->texts[i], text) != 0)
        i = (i + 1) & x->mask;
    return i;
}

static void put_id(obj_index *x, int64_t id, long object)
{
    size_t i = slot_of_id(x, id);
    x->ids[i] = id;
    x->objects[i] = object;
}

static void put_text(obj_index *x, const char *text, long object)
{
    size_t i = slot_of_text(x, text);
    x->texts[i] = text;
    x->objects[i] = object;
}

/* The live object known under a remote_id, or -1. */
static long find_remote_id(const bulk *b, const char *remote_id)
{
    long o = b->by_remote_id.objects[slot_of_text(&b->by_remote_id, remote_id)];
    if (o < 0 || b->gone[o])
        return -1;
    const char *now = row_remote_id(b, object_at(b, o));
    return now && strcmp(now, remote_id) == 0 ? o : -1;
}

/* Adds a row read from the database as a new object, unless known. */
static void add_read_row(bulk *b, const void *row)
{
    if (b->by_id.objects[slot_of_id(&b->by_id, row_id(row))] >= 0)
        return;
    assert(b->n_objects < b->cap_objects);
    long o = (long)b->n_objects++;
    memcpy(object_at(b, o), row, b->row_size);
    put_id(&b->by_id, row_id(row), o);
    const char *remote_id = row_remote_id(b, row);
    if (remote_id)
        put_text(&b->by_remote_id, remote_id, o);
}

/* What an entry names, read as resource_match reads it (field problems are
 * left to it): false when it names nothing. */
static bool entry_ref(const bulk *b, const cJSON *item, field_errors *scratch, object_ref *ref)
{
    const cJSON *entry = fields_unwrap(item, b->r->singular);
    const char *remote_id = NULL;
    *ref = (object_ref){0};
    if (!entry)
        return false;
    if (fields_int(entry, "id", scratch, &ref->id) == FIELD_SET)
        return true;
    if (fields_string(entry, "remote_id", scratch, &remote_id) == FIELD_SET && *remote_id) {
        ref->remote_id = remote_id;
        return true;
    }
    return false;
}

api_err bulk_start(const resource *r, api_request *rq, api_response *rs, const cJSON *items,
                   bulk **out)
{
    *out = NULL;
    if (!r->get_many || !r->write_many)
        return API_OK;
    arena *a = rq->arena;
    size_t n = (size_t)cJSON_GetArraySize(items);
    bulk *b = arena_calloc(a, 1, sizeof *b);
    object_ref *refs = arena_calloc(a, n + 1, sizeof *refs);
    bool *found = arena_calloc(a, n + 1, sizeof *found);
    void *rows = arena_calloc(a, n + 1, r->row_size);
    if (!b || !refs || !found || !rows)
        return api_fail(rs, API_INTERNAL, NULL);
    *b = (bulk){.r = r, .rq = rq, .row_size = r->row_size, .current = -1, .n_entries = n};
    /* every entry may name a row and create another */
    b->cap_objects = 2 * n + 1;
    b->objects = arena_calloc(a, b->cap_objects, r->row_size);
    b->dirty = arena_calloc(a, b->cap_objects, sizeof *b->dirty);
    b->gone = arena_calloc(a, b->cap_objects, sizeof *b->gone);
    b->of_entry = arena_calloc(a, n + 1, sizeof *b->of_entry);
    b->snapshots = arena_calloc(a, n + 1, r->row_size);
    if (!b->objects || !b->dirty || !b->gone || !b->of_entry || !b->snapshots ||
        !index_init(a, &b->by_id, b->cap_objects, false) ||
        !index_init(a, &b->by_remote_id, b->cap_objects, true))
        return api_fail(rs, API_INTERNAL, NULL);

    field_errors scratch = {.arena = a, .prefix = ""};
    size_t n_refs = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, items)
    {
        if (entry_ref(b, item, &scratch, &refs[n_refs]))
            n_refs++;
    }
    cJSON_Delete(scratch.errors);
    store_rc rc = r->get_many(rq, refs, n_refs, rows, found);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, r->missing);
    for (size_t i = 0; i < n_refs; i++)
        if (found[i])
            add_read_row(b, (const char *)rows + i * r->row_size);
    if (r->prefetch) {
        api_err err = r->prefetch(rq, rs, items);
        if (err != API_OK)
            return err;
    }
    *out = b;
    return API_OK;
}

store_rc bulk_get(bulk *b, const object_ref *ref, void *row)
{
    long o = -1;
    if (ref->remote_id)
        o = find_remote_id(b, ref->remote_id);
    else
        o = b->by_id.objects[slot_of_id(&b->by_id, ref->id)];
    if (o >= 0 && b->gone[o])
        o = -1;
    b->current = o;
    if (o < 0)
        return STORE_NOT_FOUND;
    memcpy(row, object_at(b, o), b->row_size);
    return STORE_OK;
}

store_rc bulk_stage(bulk *b, int index, const void *row, bool creating)
{
    assert(index >= 0 && (size_t)index < b->n_entries);
    assert(creating == (b->current < 0));
    (void)creating;
    const char *remote_id = row_remote_id(b, row);
    long holder = remote_id ? find_remote_id(b, remote_id) : -1;
    if (holder >= 0 && holder != b->current)
        return STORE_CONFLICT;
    long o = b->current;
    if (o < 0) {
        assert(b->n_objects < b->cap_objects);
        o = (long)b->n_objects++;
    }
    memcpy(object_at(b, o), row, b->row_size);
    if (remote_id)
        put_text(&b->by_remote_id, remote_id, o);
    b->dirty[o] = true;
    b->of_entry[index] = o;
    memcpy(b->snapshots + (size_t)index * b->row_size, row, b->row_size);
    b->current = -1;
    return STORE_OK;
}

void bulk_remove(bulk *b, int index, void *row)
{
    assert(index >= 0 && (size_t)index < b->n_entries && b->current >= 0);
    long o = b->current;
    *(bool *)((char *)row + b->r->deleted_offset) = true;
    memcpy(object_at(b, o), row, b->row_size);
    b->gone[o] = true;
    b->dirty[o] = true;
    b->of_entry[index] = o;
    memcpy(b->snapshots + (size_t)index * b->row_size, row, b->row_size);
    b->current = -1;
}

store_rc bulk_finish(bulk *b, cJSON *list)
{
    arena *a = b->rq->arena;
    size_t n = 0;
    long *where = arena_alloc(a, (b->n_objects + 1) * sizeof *where);
    char *rows = arena_alloc(a, (b->n_objects + 1) * b->row_size);
    if (!where || !rows)
        return STORE_ERROR;
    for (size_t o = 0; o < b->n_objects; o++) {
        where[o] = b->dirty[o] ? (long)n : -1;
        if (b->dirty[o])
            memcpy(rows + n++ * b->row_size, object_at(b, (long)o), b->row_size);
    }
    store_rc rc = b->r->write_many(b->rq, rows, n);
    if (rc != STORE_OK || !list)
        return rc;
    /* every snapshot of a row gets the id the write gave it */
    for (size_t i = 0; i < b->n_entries; i++) {
        const char *written = rows + (size_t)where[b->of_entry[i]] * b->row_size;
        memcpy(b->snapshots + i * b->row_size, written, sizeof(int64_t));
    }
    if (b->r->refresh && (rc = b->r->refresh(b->rq, b->snapshots, b->n_entries)) != STORE_OK)
        return rc;
    for (size_t i = 0; i < b->n_entries; i++)
        if (!render_append_wrapped(list, b->r->singular,
                                   b->r->render(b->snapshots + i * b->row_size)))
            return STORE_ERROR;
    return STORE_OK;
}
