/* link.h - checking a CalDAV collection before it is linked: what the
 * command line (`agenda caldav link`) and the API (PUT
 * /calendars/{id}/caldav) both do before they store anything.
 *
 * The check is dav_check (PROPFIND Depth 0) with the credentials given:
 * the link is accepted only when the server answers, takes the password
 * and names the URL a calendar collection.  Every refusal is one line
 * that names what is wrong and never contains the password. */
#ifndef AGENDA_SYNC_LINK_H
#define AGENDA_SYNC_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

/* What was wrong, for the API's field errors. */
typedef enum link_problem {
    LINK_FINE = 0,
    LINK_BAD_URL,      /* not an http(s) URL, or not a calendar collection */
    LINK_UNREACHABLE,  /* no answer, a server error, an unreadable answer */
    LINK_REFUSED_AUTH, /* the user name or password is refused */
} link_problem;

typedef struct link_check {
    link_problem problem;
    char message[320];       /* one line when problem != LINK_FINE */
    bool sync_collection;    /* the server offers sync-collection (or does
                              * not list its reports: it is tried) */
    const char *displayname; /* in the arena; NULL when none */
} link_check;

/* Checks url with username and password (libcurl initialised:
 * dav_global_init).  Fills *out; returns out->problem == LINK_FINE. */
bool link_check_collection(const char *url, const char *username, const char *password, arena *a,
                           link_check *out);

#endif
