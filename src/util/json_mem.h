/* json_mem.h - cJSON's memory from the request's arena.
 *
 * A request builds cJSON trees (the body it parsed, the answer it renders):
 * twelve thousand nodes each for a collection of a thousand patients.  Made
 * with malloc and taken apart with free, they were a quarter of the
 * server's work for such a request.  While a thread has a current arena
 * (between json_mem_enter and json_mem_leave), cJSON allocates from it and
 * frees nothing: the arena is dropped whole when the request ends, and its
 * limit bounds what one body may grow into.  Without a current arena (the
 * command line, tests, any other thread) cJSON uses malloc and free.
 *
 * The rule that keeps this sound: a tree made inside an arena's scope is
 * neither used nor freed after it ends, and a tree made outside is not
 * freed inside (it would leak).  Text for the network is printed with
 * json_print, whose buffer is malloc'd whatever the scope. */
#ifndef AGENDA_JSON_MEM_H
#define AGENDA_JSON_MEM_H

#include "util/arena.h"

/* Points cJSON at the hooks below; once, before any thread uses cJSON. */
void json_mem_install(void);
/* Makes `a` this thread's current arena and returns the previous one (NULL
 * when none) for json_mem_leave. */
arena *json_mem_enter(arena *a);
/* Restores the arena json_mem_enter returned. */
void json_mem_leave(arena *previous);

#endif
