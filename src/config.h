/* config.h - the configuration file (`agenda serve --config PATH`, or
 * $AGENDA_CONFIG): one INI file for every setting and secret the server
 * needs beyond its command line.
 *
 * Sections and keys (README "Configuration file"):
 *   [server]  public_url, dispatch, sync, sync_timeout, tls_cert, tls_key,
 *             metrics_token, tombstone_days, trusted_proxies
 *   [smtp]    url, starttls, username, password, from
 *   [sms]     url, method, format, body, header (repeatable), username,
 *             password, id_field, secret
 *   [sync]    key_file (the key CalDAV passwords are sealed with; the file
 *             is read where it is used: sync/secret.h), allow_networks
 *             (CIDR[, CIDR...]: internal networks links and imported feeds
 *             may reach, sync/netguard.h)
 * An unknown section or key, a key given twice (but `header`), a bad value
 * or a missing required key is refused with one line naming the file and
 * line.  A value may name environment variables as ${NAME}, so secrets need
 * not be written into the file; an unset variable is an error too. */
#ifndef AGENDA_CONFIG_H
#define AGENDA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify/settings.h"
#include "util/cidr.h"

typedef struct agenda_config {
    const char *path;          /* the file read, or NULL when there is none */
    const char *public_url;    /* the server's address as clients see it, no
                                * trailing slash; NULL when not set */
    bool dispatch;             /* this server sends messages (default on) */
    bool sync;                 /* this server runs the sync worker (default on) */
    int64_t sync_timeout;      /* seconds a sync request to a remote may take */
    const char *tls_cert;      /* PEM files of the server's TLS; NULL when not */
    const char *tls_key;       /* set (--tls-cert and --tls-key win) */
    const char *metrics_token; /* GET /metrics from anywhere with it; NULL: loopback only */
    int64_t tombstone_days;    /* days a deleted patient's tombstone is kept */
    cidr_list trusted_proxies; /* [server] trusted_proxies (--trusted-proxy wins) */
    smtp_settings smtp;
    sms_settings sms;
    const char *sync_key_file; /* [sync] key_file; NULL when not set */
    cidr_list sync_allow;      /* [sync] allow_networks: internal networks sync
                                * may reach all the same (sync/netguard.h);
                                * none by default */
    void *storage_;            /* the strings above; config_free releases it */
} agenda_config;

/* The defaults: no file, dispatch and sync on (sync_timeout 30 s), no
 * [smtp], no [sms]. */
void config_defaults(agenda_config *cfg);

/* Reads `path` into *cfg (which config_defaults filled).  Returns true, or
 * false with a one-line message in err ("FILE:LINE: ...").  On false *cfg
 * holds nothing to free. */
bool config_load(const char *path, agenda_config *cfg, char *err, size_t errlen);

/* Releases what config_load allocated; cfg is back to its defaults. */
void config_free(agenda_config *cfg);

#endif
