/* secret.c - the sync key file and sealed passwords (see secret.h).
 *
 * The key file is created with O_CREAT | O_EXCL and mode 0600, so an
 * existing file is never replaced and the key is never readable by others,
 * even for a moment.  It is read with one read() into a stack buffer that
 * is wiped before return, decoded with sodium_hex2bin straight into the
 * guarded memory. */
#include "sync/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALED_PREFIX "1."
#define KEY_HEX       (SECRET_KEY_BYTES * 2)

struct secret_key {
    unsigned char bytes[SECRET_KEY_BYTES];
};

bool secret_key_generate(const char *path, char *err, size_t errlen)
{
    bool ok = false;
    unsigned char key[SECRET_KEY_BYTES];
    char hex[KEY_HEX + 2];
    if (sodium_init() < 0) {
        snprintf(err, errlen, "%s: cannot initialise libsodium", path);
        return false;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path,
                 errno == EEXIST ? "the file exists already; a key is never overwritten"
                                 : strerror(errno));
        return false;
    }
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    hex[KEY_HEX] = '\n';
    /* the umask may have taken bits away, never added any: 0600 exactly */
    if (fchmod(fd, 0600) != 0 || write(fd, hex, KEY_HEX + 1) != KEY_HEX + 1 || fsync(fd) != 0)
        snprintf(err, errlen, "%s: cannot write the key: %s", path, strerror(errno));
    else
        ok = true;
    if (close(fd) != 0 && ok) {
        snprintf(err, errlen, "%s: cannot write the key: %s", path, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(path);
    sodium_memzero(key, sizeof key);
    sodium_memzero(hex, sizeof hex);
    return ok;
}

secret_key *secret_key_load(const char *path, char *err, size_t errlen)
{
    secret_key *k = NULL;
    char text[KEY_HEX + 3];
    ssize_t n = -1;
    struct stat sb;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "%s: cannot initialise libsodium", path);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the key file: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: the key file is not a regular file", path);
        goto done;
    }
    if (sb.st_mode & (S_IROTH | S_IWOTH)) {
        snprintf(err, errlen, "%s: the key file is open to other users (chmod 600 it)", path);
        goto done;
    }
    n = read(fd, text, sizeof text);
    size_t len = n > 0 ? (size_t)n : 0;
    if (len > 0 && text[len - 1] == '\n')
        len--;
    size_t bin_len = 0;
    k = len == KEY_HEX ? sodium_malloc(sizeof *k) : NULL;
    if (len == KEY_HEX && !k) {
        snprintf(err, errlen, "%s: out of memory", path);
    } else if (!k ||
               sodium_hex2bin(k->bytes, sizeof k->bytes, text, len, NULL, &bin_len, NULL) != 0 ||
               bin_len != SECRET_KEY_BYTES) {
        snprintf(err, errlen, "%s: not a key file (64 hex digits, as 'agenda keygen' writes)",
                 path);
        secret_key_free(k);
        k = NULL;
    } else {
        sodium_mprotect_readonly(k);
    }
done:
    sodium_memzero(text, sizeof text);
    close(fd);
    return k;
}

void secret_key_free(secret_key *k)
{
    sodium_free(k); /* wipes; NULL is a no-op */
}

char *secret_seal(const secret_key *k, const char *password, arena *a)
{
    size_t len = strlen(password);
    if (len > SECRET_PASSWORD_MAX)
        return NULL;
    unsigned char
        box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + SECRET_PASSWORD_MAX];
    size_t box_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)password, len,
                          box, k->bytes);
    size_t b64 = sodium_base64_ENCODED_LEN(box_len, sodium_base64_VARIANT_ORIGINAL);
    char *out = arena_alloc(a, sizeof SEALED_PREFIX - 1 + b64);
    if (out) {
        memcpy(out, SEALED_PREFIX, sizeof SEALED_PREFIX - 1);
        sodium_bin2base64(out + sizeof SEALED_PREFIX - 1, b64, box, box_len,
                          sodium_base64_VARIANT_ORIGINAL);
    }
    return out;
}

char *secret_open(const secret_key *k, const char *sealed)
{
    enum {
        BOX_MAX = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + SECRET_PASSWORD_MAX
    };
    unsigned char box[BOX_MAX];
    size_t box_len = 0;
    char *password = NULL;
    if (strncmp(sealed, SEALED_PREFIX, sizeof SEALED_PREFIX - 1) != 0)
        return NULL;
    const char *b64 = sealed + sizeof SEALED_PREFIX - 1;
    if (sodium_base642bin(box, sizeof box, b64, strlen(b64), NULL, &box_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        box_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return NULL;
    size_t len = box_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    password = malloc(len + 1);
    if (password &&
        crypto_secretbox_open_easy((unsigned char *)password, box + crypto_secretbox_NONCEBYTES,
                                   box_len - crypto_secretbox_NONCEBYTES, box, k->bytes) != 0) {
        free(password);
        password = NULL;
    }
    if (password)
        password[len] = '\0';
    sodium_memzero(box, sizeof box);
    return password;
}

void secret_password_free(char *password)
{
    if (password) {
        sodium_memzero(password, strlen(password));
        free(password);
    }
}
