/* settings.h - how the server reaches its mail and SMS peers: the [smtp]
 * and [sms] sections of the configuration file, as plain data.
 *
 * The command line fills these (config.c) and hands them to the senders
 * (smtp.c, sms.c) and the callback check; strings are owned by whoever
 * filled the struct and live as long as the server. */
#ifndef AGENDA_NOTIFY_SETTINGS_H
#define AGENDA_NOTIFY_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum smtp_starttls {
    SMTP_STARTTLS_OFF = 0, /* plain SMTP (or smtps:// implicit TLS) */
    SMTP_STARTTLS_OPTIONAL,
    SMTP_STARTTLS_REQUIRED,
} smtp_starttls;

typedef struct smtp_settings {
    bool on;         /* the section is present */
    const char *url; /* smtp://host:port or smtps://host:port */
    smtp_starttls starttls;
    const char *username; /* NULL: no AUTH */
    const char *password;
    const char *from; /* "Name <address>" or "address" */
} smtp_settings;

typedef enum sms_format {
    SMS_FORMAT_JSON = 0,
    SMS_FORMAT_FORM,
} sms_format;

#define SMS_MAX_HEADERS 16

typedef struct sms_settings {
    bool on;            /* the section is present */
    const char *url;    /* the gateway's send endpoint */
    const char *method; /* POST by default */
    sms_format format;
    const char *body;                     /* template: {to} {text} {id} {status_url} */
    const char *headers[SMS_MAX_HEADERS]; /* "Name: value" lines */
    size_t n_headers;
    const char *username; /* Basic auth, with password; NULL: none */
    const char *password;
    const char *id_field; /* where a JSON answer holds the provider's id
                           * (dots for nesting); NULL: not read */
    const char *secret;   /* verifies status callbacks and replies; NULL:
                           * every callback is refused */
} sms_settings;

#endif
