/* tls.h - the server's certificate and key, read from PEM files, handed to
 * each TLS handshake by a GnuTLS retrieve callback, and swapped on reload.
 *
 * libmicrohttpd runs GnuTLS; with a certificate callback (rather than the
 * certificate given once at start) the server can take a renewed
 * certificate without a restart: tls_reload reads the files again and, when
 * they hold a usable pair, later handshakes get the new one.  Connections
 * already open keep theirs, so nothing is dropped.  A pair that cannot be
 * read, or whose key is not the certificate's, leaves the current one in
 * place.
 *
 * The protocol versions and ciphers are fixed (TLS_PRIORITIES): TLS 1.2
 * and 1.3 only, ECDHE key exchange and AEAD ciphers, as in Mozilla's
 * "intermediate" server profile. */
#ifndef AGENDA_TLS_H
#define AGENDA_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/abstract.h>

#define TLS_PRIORITIES                                                                             \
    "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:"           \
    "+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"              \
    "%SERVER_PRECEDENCE"

typedef struct tls_files {
    const char *cert_path; /* PEM: the certificate, then its chain */
    const char *key_path;  /* PEM: the private key */
} tls_files;

/* Reads the pair and makes it the one handshakes get.  false with a
 * one-line reason in why[0..why_size) (the file and what is wrong) when it
 * cannot be used; the pair in use, if any, stays.  Not thread-safe against
 * itself: the server calls it from its main thread only (start, SIGHUP). */
bool tls_load(const tls_files *files, char *why, size_t why_size);

/* The callback for MHD_OPTION_HTTPS_CERT_CALLBACK: the pair loaded last;
 * a handshake fails when none was. */
gnutls_certificate_retrieve_function2 *tls_certificate_callback(void);

/* Frees every pair ever loaded; only once no connection is left. */
void tls_unload(void);

#endif
