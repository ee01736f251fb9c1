/* service.h - `agenda serve` under a service manager: systemd's notify
 * protocol (sd_notify from libsystemd), for a unit of Type=notify with a
 * WatchdogSec=.
 *
 * - READY=1 once the server listens and the store has answered a query
 *   (store_ping), so systemd starts what depends on the unit only when
 *   requests can be served.
 * - STOPPING=1 when a stop signal arrives, before requests in flight are
 *   finished.
 * - WATCHDOG=1 every half of WATCHDOG_USEC (when the manager set it, for
 *   this process: sd_watchdog_enabled), from a thread of its own with its
 *   own store, and only after that store has answered: a server whose
 *   database no longer answers stops pinging and is restarted by the
 *   manager.  Pings go on while requests in flight are finished, until
 *   service_free.
 * Without a manager (NOTIFY_SOCKET unset) service_new returns NULL and
 * every call below does nothing.  The hooks' signatures are server_config's
 * (http/server.h: on_ready, on_stopping), with the notifier as hook_arg.
 * (The type is not called `service`: that is a calendar's service, in
 * store.h.) */
#ifndef AGENDA_SERVICE_H
#define AGENDA_SERVICE_H

typedef struct service_notifier service_notifier;

/* The service of a server on db_url (the string must outlive it).  NULL
 * when no manager listens (NOTIFY_SOCKET unset), or, after one line on
 * stderr, when it cannot be set up (out of memory). */
service_notifier *service_new(const char *db_url);

/* Starts the thread that sends READY=1 once the store answers, then the
 * watchdog's pings.  Called once, in the thread that runs the server, with
 * the stop signals blocked (the thread inherits the mask).  NULL: nothing. */
void service_ready(void *svc);

/* Sends STOPPING=1.  NULL: nothing. */
void service_stopping(void *svc);

/* Stops the thread (no more pings) and frees the service.  NULL: nothing. */
void service_free(service_notifier *svc);

#endif
