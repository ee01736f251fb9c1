/* dispatch.h - the dispatcher: threads inside `agenda serve` that send the
 * outbox's due messages (design in dispatch.c). */
#ifndef AGENDA_NOTIFY_DISPATCH_H
#define AGENDA_NOTIFY_DISPATCH_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>

#include "notify/settings.h"

#define DISPATCH_MAX_THREADS 8

typedef struct dispatch_config {
    const char *db_url;        /* each thread opens its own store */
    const smtp_settings *smtp; /* NULL or !on: email messages are skipped */
    const sms_settings *sms;   /* NULL or !on: SMS messages are skipped */
    const char *public_url;    /* the server's address for status callbacks
                                * and the .ics UID's host; may be NULL */
    unsigned threads;          /* 1 to DISPATCH_MAX_THREADS; 0 means 1 */
} dispatch_config;

typedef struct dispatcher dispatcher;

/* Starts the threads; the strings and settings cfg points to must outlive
 * the dispatcher.  False with a one-line message in err when they cannot
 * start (nothing is left running). */
bool dispatch_start(const dispatch_config *cfg, dispatcher **out, char *err, size_t errlen);

/* Stops the threads (a send in progress finishes first) and frees d.  NULL
 * is a no-op. */
void dispatch_stop(dispatcher *d);

#endif
