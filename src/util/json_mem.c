/* json_mem.c - cJSON's memory from the request's arena (see json_mem.h). */
#include "util/json_mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static _Thread_local arena *current;

static void *json_mem_alloc(size_t size)
{
    return current ? arena_alloc(current, size) : malloc(size);
}

static void json_mem_free(void *p)
{
    if (!current)
        free(p);
}

void json_mem_install(void)
{
    cJSON_Hooks hooks = {.malloc_fn = json_mem_alloc, .free_fn = json_mem_free};
    cJSON_InitHooks(&hooks);
}

arena *json_mem_enter(arena *a)
{
    arena *previous = current;
    current = a;
    return previous;
}

void json_mem_leave(arena *previous)
{
    current = previous;
}
