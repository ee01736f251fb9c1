/* bulk.h - a collection's rows read and written many at a time (bulk.c);
 * used by the collection runner in handler.c only. */
#ifndef AGENDA_BULK_H
#define AGENDA_BULK_H

#include "api/handler.h"

typedef struct bulk bulk;

/* Inside the collection's transaction: reads every row the entries name
 * (by id or remote_id) and what they reference (r->prefetch), in bulk.
 * *out is NULL, with API_OK, when r has no bulk operations.  Arena-owned. */
api_err bulk_start(const resource *r, api_request *rq, api_response *rs, const cJSON *items,
                   bulk **out);
/* The row ref names, as the database would find it after the entries
 * before the current one: into row; STORE_NOT_FOUND when there is none. */
store_rc bulk_get(bulk *b, const object_ref *ref, void *row);
/* Records entry `index`'s row (valid, applied onto what bulk_get gave for
 * it, or new when `creating`) as written: STORE_CONFLICT, with nothing
 * recorded, when another row known to be live holds its remote_id. */
store_rc bulk_stage(bulk *b, int index, const void *row, bool creating);
/* Records entry `index`, which asks for the deletion of the row bulk_get
 * found for it, as written: the row (marked deleted in `row` too) is gone
 * for the entries after it. */
void bulk_remove(bulk *b, int index, void *row);
/* Writes every staged row with r->write_many and appends each entry's
 * rendering to list, in input order (list NULL: writes only, to learn
 * whether the database refuses a row).  STORE_CONFLICT or STORE_NOT_FOUND
 * from the database (a row no entry named holds a remote_id, rows trading
 * remote_ids, a row gone meanwhile): the caller rolls back and writes the
 * collection entry by entry, which tells which entry is at fault.  Any other
 * failure as the store's; API_INTERNAL (as a store_rc: STORE_ERROR) when
 * rendering fails. */
store_rc bulk_finish(bulk *b, cJSON *list);

#endif
