/* utf8.h - validation of UTF-8 text from clients. */
#ifndef AGENDA_UTF8_H
#define AGENDA_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

#endif
