/* tls.c - the certificate pair of the server's TLS (see tls.h).
 *
 * A loaded pair is never freed while the server runs: a handshake that took
 * the previous pair from the callback may still be using it after a reload,
 * and GnuTLS does not tell when it is done.  Pairs are kept on a list and
 * freed by tls_unload once the daemon has stopped; a reload a month (a
 * certificate's renewal) costs a few kB. */
#include "http/tls.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* A certificate chain longer than this is refused (real ones hold 2 to 4). */
#define TLS_MAX_CHAIN 16
/* PEM files larger than this are refused: a chain of 16 takes ~40 kB. */
#define TLS_MAX_FILE (1 << 20)

typedef struct tls_pair {
    gnutls_pcert_st chain[TLS_MAX_CHAIN];
    unsigned n_chain;
    gnutls_privkey_t key;
    struct tls_pair *older; /* the pairs loaded before, kept (see the top) */
} tls_pair;

static _Atomic(tls_pair *) current;

/* Reads the whole file at path into *out (malloc'd, NUL-terminated).  false
 * with the reason in why. */
static bool read_file(const char *path, gnutls_datum_t *out, char *why, size_t why_size)
{
    bool ok = false;
    char *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    data = malloc(TLS_MAX_FILE + 1);
    size_t len = data ? fread(data, 1, TLS_MAX_FILE + 1, f) : 0;
    if (!data)
        snprintf(why, why_size, "out of memory reading %s", path);
    else if (ferror(f))
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
    else if (len > TLS_MAX_FILE)
        snprintf(why, why_size, "%s is larger than %d bytes", path, TLS_MAX_FILE);
    else if (len == 0)
        snprintf(why, why_size, "%s is empty", path);
    else
        ok = true;
    fclose(f);
    if (!ok) {
        free(data);
        return false;
    }
    data[len] = '\0';
    *out = (gnutls_datum_t){.data = (unsigned char *)data, .size = (unsigned)len};
    return true;
}

static void pair_free(tls_pair *p)
{
    for (unsigned i = 0; i < p->n_chain; i++)
        gnutls_pcert_deinit(&p->chain[i]);
    if (p->key)
        gnutls_privkey_deinit(p->key);
    free(p);
}

bool tls_load(const tls_files *files, char *why, size_t why_size)
{
    gnutls_datum_t cert = {0}, key = {0};
    gnutls_certificate_credentials_t check = NULL;
    tls_pair *p = NULL;
    bool ok = false;
    int err;

    if (!read_file(files->cert_path, &cert, why, why_size) ||
        !read_file(files->key_path, &key, why, why_size))
        goto done;
    /* the key must be the certificate's: GnuTLS compares them when both
     * are set on one credentials structure */
    if ((err = gnutls_certificate_allocate_credentials(&check)) < 0 ||
        (err = gnutls_certificate_set_x509_key_mem2(check, &cert, &key, GNUTLS_X509_FMT_PEM, NULL,
                                                    0)) < 0) {
        snprintf(why, why_size, "cannot use %s with %s: %s", files->cert_path, files->key_path,
                 gnutls_strerror(err));
        goto done;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(why, why_size, "out of memory loading the certificate");
        goto done;
    }
    p->n_chain = TLS_MAX_CHAIN;
    if ((err = gnutls_pcert_list_import_x509_raw(p->chain, &p->n_chain, &cert, GNUTLS_X509_FMT_PEM,
                                                 0)) < 0) {
        p->n_chain = 0;
        snprintf(why, why_size, "cannot read the certificate chain in %s: %s", files->cert_path,
                 gnutls_strerror(err));
        goto done;
    }
    if ((err = gnutls_privkey_init(&p->key)) < 0 ||
        (err = gnutls_privkey_import_x509_raw(p->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        snprintf(why, why_size, "cannot read the private key in %s: %s", files->key_path,
                 gnutls_strerror(err));
        goto done;
    }
    p->older = atomic_load(&current);
    atomic_store(&current, p);
    p = NULL;
    ok = true;
done:
    if (p)
        pair_free(p);
    if (check)
        gnutls_certificate_free_credentials(check);
    if (key.data) {
        gnutls_memset(key.data, 0, key.size); /* the private key leaves no copy */
        free(key.data);
    }
    free(cert.data);
    return ok;
}

/* gnutls_certificate_retrieve_function2: the current pair, whatever the
 * client asked for (one certificate per server). */
static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    tls_pair *p = atomic_load(&current);
    if (!p)
        return -1;
    *pcert = p->chain;
    *pcert_length = p->n_chain;
    *pkey = p->key;
    return 0;
}

gnutls_certificate_retrieve_function2 *tls_certificate_callback(void)
{
    return retrieve;
}

void tls_unload(void)
{
    tls_pair *p = atomic_exchange(&current, NULL);
    while (p) {
        tls_pair *older = p->older;
        pair_free(p);
        p = older;
    }
}
