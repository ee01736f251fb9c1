/* link.c - the check before a link is stored (see link.h). */
#include "sync/link.h"

#include <stdio.h>

#include "sync/dav.h"

bool link_check_collection(const char *url, const char *username, const char *password, arena *a,
                           link_check *out)
{
    char err[256];
    dav_result r = {0};
    dav_collection col;
    *out = (link_check){0};
    dav_client *c = dav_open(&(dav_options){.url = url,
                                            .username = username,
                                            .password = password,
                                            .connect_timeout_s = 10,
                                            .timeout_s = 20},
                             err, sizeof err);
    if (!c) {
        out->problem = LINK_BAD_URL;
        snprintf(out->message, sizeof out->message, "%s", err);
        return false;
    }
    switch (dav_check(c, a, &col, &r)) {
    case DAV_OK:
        if (!col.is_calendar) {
            out->problem = LINK_BAD_URL;
            snprintf(out->message, sizeof out->message, "%s is not a calendar collection", url);
        }
        break;
    case DAV_AUTH:
        out->problem = LINK_REFUSED_AUTH;
        snprintf(out->message, sizeof out->message,
                 "the server refuses the user name or password (HTTP %ld)", r.http);
        break;
    case DAV_NOT_FOUND:
        out->problem = LINK_BAD_URL;
        snprintf(out->message, sizeof out->message, "nothing at %s (HTTP %ld)", url, r.http);
        break;
    case DAV_REFUSED:
    case DAV_PRECONDITION:
    case DAV_INVALID_TOKEN:
        out->problem = LINK_BAD_URL;
        snprintf(out->message, sizeof out->message, "%s: %s", url, r.message);
        break;
    case DAV_TRANSIENT:
        out->problem = LINK_UNREACHABLE;
        snprintf(out->message, sizeof out->message, "cannot check %s: %s", url, r.message);
        break;
    }
    if (out->problem == LINK_FINE) {
        out->sync_collection = col.sync_collection || !col.reports_listed;
        out->displayname = col.displayname;
    }
    dav_close(c);
    return out->problem == LINK_FINE;
}
