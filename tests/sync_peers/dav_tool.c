/* dav_tool.c - runs one operation of the CalDAV client (src/sync/dav.c)
 * from command-line arguments, for tests/sync_peers/test_dav.py.
 *
 *   dav-tool check URL
 *   dav-tool sync URL [TOKEN]
 *   dav-tool list URL
 *   dav-tool multiget URL HREF...
 *   dav-tool get URL HREF
 *   dav-tool put URL HREF FILE [ETAG]      no ETAG: create (If-None-Match: *)
 *   dav-tool delete URL HREF [ETAG]
 *   dav-tool member URL NAME               the href dav_member_href makes
 *
 * The user name comes from $DAV_TOOL_USERNAME and the password from
 * $DAV_TOOL_PASSWORD (never arguments); $DAV_TOOL_TIMEOUT (seconds) and
 * $DAV_TOOL_MAX_ANSWER (bytes) set the client's limits when given, and
 * $DAV_TOOL_ALLOW_NETWORKS the internal networks it may reach (as [sync]
 * allow_networks; none when unset).  Prints one JSON object:
 * "status" (dav_status_name), "http", "message", and what the operation read. Exits 0 whatever the
 * status; 2 on bad usage. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/dav.h"
#include "sync/netguard.h"
#include "util/cidr.h"

static cJSON *item_json(const dav_item *it)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "href", it->href ? it->href : "");
    if (it->etag)
        cJSON_AddStringToObject(o, "etag", it->etag);
    else
        cJSON_AddNullToObject(o, "etag");
    if (it->data)
        cJSON_AddStringToObject(o, "data", it->data);
    cJSON_AddBoolToObject(o, "gone", it->gone);
    return o;
}

static cJSON *items_json(const dav_item *items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, item_json(&items[i]));
    return a;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = malloc(1 << 20);
    *len = data ? fread(data, 1, (1 << 20) - 1, f) : 0;
    if (data)
        data[*len] = '\0';
    fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dav-tool OPERATION URL [ARGS]\n");
        return 2;
    }
    const char *op = argv[1];
    dav_options o = {
        .url = argv[2],
        .username = getenv("DAV_TOOL_USERNAME"),
        .password = getenv("DAV_TOOL_PASSWORD"),
        .timeout_s = getenv("DAV_TOOL_TIMEOUT") ? atol(getenv("DAV_TOOL_TIMEOUT")) : 20,
        .max_answer =
            getenv("DAV_TOOL_MAX_ANSWER") ? (size_t)atol(getenv("DAV_TOOL_MAX_ANSWER")) : 0};
    char err[256];
    cidr_list allow = {0};
    if (!cidr_parse_list(getenv("DAV_TOOL_ALLOW_NETWORKS"), &allow, err, sizeof err)) {
        fprintf(stderr, "dav-tool: DAV_TOOL_ALLOW_NETWORKS: %s\n", err);
        return 2;
    }
    netguard_allow(&allow);
    if (!dav_global_init()) {
        fprintf(stderr, "dav-tool: cannot start libcurl\n");
        return 2;
    }
    dav_client *c = dav_open(&o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "dav-tool: %s\n", err);
        return 2;
    }
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    cJSON *out = cJSON_CreateObject();
    dav_result r = {0};
    dav_status st = DAV_OK;
    if (strcmp(op, "check") == 0) {
        dav_collection col;
        st = dav_check(c, a, &col, &r);
        cJSON_AddBoolToObject(out, "is_collection", col.is_collection);
        cJSON_AddBoolToObject(out, "is_calendar", col.is_calendar);
        if (col.displayname)
            cJSON_AddStringToObject(out, "displayname", col.displayname);
        if (col.ctag)
            cJSON_AddStringToObject(out, "ctag", col.ctag);
        if (col.sync_token)
            cJSON_AddStringToObject(out, "sync_token", col.sync_token);
        cJSON_AddBoolToObject(out, "sync_collection", col.sync_collection);
        cJSON_AddBoolToObject(out, "multiget", col.multiget);
        cJSON_AddBoolToObject(out, "reports_listed", col.reports_listed);
    } else if (strcmp(op, "sync") == 0) {
        dav_changes ch;
        st = dav_sync_collection(c, argc > 3 ? argv[3] : NULL, a, &ch, &r);
        cJSON_AddItemToObject(out, "items", items_json(ch.items, ch.n));
        if (ch.token)
            cJSON_AddStringToObject(out, "token", ch.token);
        cJSON_AddNumberToObject(out, "rounds", (double)ch.rounds);
        cJSON_AddBoolToObject(out, "token_suspect", ch.token_suspect);
        cJSON_AddBoolToObject(out, "unsupported", ch.unsupported);
    } else if (strcmp(op, "list") == 0) {
        dav_item *items = NULL;
        size_t n = 0;
        st = dav_list(c, a, &items, &n, &r);
        cJSON_AddItemToObject(out, "items", items_json(items, n));
    } else if (strcmp(op, "multiget") == 0) {
        dav_item *items = NULL;
        size_t n = 0;
        st = dav_multiget(c, (const char *const *)argv + 3, (size_t)(argc - 3), a, &items, &n, &r);
        cJSON_AddItemToObject(out, "items", items_json(items, n));
    } else if (strcmp(op, "get") == 0 && argc == 4) {
        dav_item it;
        st = dav_get(c, argv[3], a, &it, &r);
        if (st == DAV_OK)
            cJSON_AddItemToObject(out, "item", item_json(&it));
    } else if (strcmp(op, "put") == 0 && (argc == 5 || argc == 6)) {
        size_t len = 0;
        char *data = read_file(argv[4], &len);
        const char *etag = NULL;
        if (!data) {
            fprintf(stderr, "dav-tool: cannot read %s\n", argv[4]);
            return 2;
        }
        st = dav_put(c, argv[3], data, len, argc == 6 ? argv[5] : NULL, a, &etag, &r);
        if (etag)
            cJSON_AddStringToObject(out, "etag", etag);
        else
            cJSON_AddNullToObject(out, "etag");
        free(data);
    } else if (strcmp(op, "delete") == 0 && (argc == 4 || argc == 5)) {
        st = dav_delete(c, argv[3], argc == 5 ? argv[4] : NULL, &r);
    } else if (strcmp(op, "member") == 0 && argc == 4) {
        cJSON_AddStringToObject(out, "href", dav_member_href(c, argv[3], a));
    } else {
        fprintf(stderr, "dav-tool: unknown operation or wrong arguments\n");
        return 2;
    }
    cJSON_AddStringToObject(out, "status", dav_status_name(st));
    cJSON_AddNumberToObject(out, "http", (double)r.http);
    cJSON_AddStringToObject(out, "message", r.message);
    char *text = cJSON_PrintUnformatted(out);
    puts(text);
    free(text);
    cJSON_Delete(out);
    arena_free(a);
    dav_close(c);
    return 0;
}
