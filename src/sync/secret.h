/* secret.h - the sync key and the passwords sealed under it (libsodium).
 *
 * The key is 32 random bytes (crypto_secretbox_KEYBYTES) in a file of its
 * own, named by `[sync] key_file` in the configuration file and written by
 * `agenda keygen PATH`.  The file holds the key as 64 lowercase hex digits
 * and a newline: text, so that it survives being pasted into a secret
 * store, and nothing else (no header to get wrong).  It is written with
 * mode 0600 and never over an existing file; a key file that others (not
 * the owner's group) may read or write is refused when loaded.
 *
 * A sealed password is text, so that both engines store it in a TEXT
 * column: "1." then the standard base64 of a fresh random nonce
 * (crypto_secretbox_NONCEBYTES) followed by crypto_secretbox_easy's
 * output.  "1." names this format, so a later one can be told apart.
 * Opening checks the MAC: a wrong key or a changed value is refused, never
 * turned into a wrong password.
 *
 * The key lives in memory from sodium_malloc (guarded, locked, wiped on
 * free) and no function here prints or logs it or a password; errors say
 * what failed, never what was read. */
#ifndef AGENDA_SYNC_SECRET_H
#define AGENDA_SYNC_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

#define SECRET_KEY_BYTES 32
/* The longest password sealed (CalDAV passwords, app passwords: far less). */
#define SECRET_PASSWORD_MAX 1024

typedef struct secret_key secret_key;

/* Writes a new key to `path`: mode 0600, created exclusively (an existing
 * file, even an empty one, is refused and left alone).  Returns true, or
 * false with a one-line message in err ("PATH: ..."); a partly written
 * file is removed. */
bool secret_key_generate(const char *path, char *err, size_t errlen);

/* Reads the key file at `path`.  Returns the key (free it with
 * secret_key_free), or NULL with a one-line message in err ("PATH: ...")
 * when the file is missing, unreadable, readable by others, or not exactly
 * 64 hex digits and an optional newline. */
secret_key *secret_key_load(const char *path, char *err, size_t errlen);

/* Wipes and frees the key; NULL is a no-op. */
void secret_key_free(secret_key *k);

/* Seals password (at most SECRET_PASSWORD_MAX bytes) under k with a fresh
 * nonce: the sealed text in the arena, or NULL when the password is too
 * long or the arena is full. */
char *secret_seal(const secret_key *k, const char *password, arena *a);

/* Opens a sealed text: the password, malloc'd (free it with
 * secret_password_free, which wipes it), or NULL when the text is not a
 * sealed value of this format, or was sealed under another key, or was
 * changed. */
char *secret_open(const secret_key *k, const char *sealed);

/* Wipes and frees a password secret_open returned; NULL is a no-op. */
void secret_password_free(char *password);

#endif
