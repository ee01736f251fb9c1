/* db_log.c - the drivers' log lines and open errors (see db_log.h). */
#include "store/db_log.h"

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a message and of a statement's text a log line holds. */
#define MESSAGE_SIZE 256
#define SQL_SIZE     80
#define ERROR_SIZE   512

void db_log_one_line(const char *in, char *out, size_t size)
{
    assert(out && size > 4);
    size_t n = 0;
    bool space = false;
    for (const char *p = in ? in : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isspace(c) || iscntrl(c)) {
            space = n > 0;
            continue;
        }
        if (n + (space ? 2 : 1) >= size - 4) {
            memcpy(out + n, "...", 4);
            return;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
}

void db_log_failure(const char *engine, const char *message, const char *cause, const char *sql)
{
    char msg[MESSAGE_SIZE], text[SQL_SIZE];
    db_log_one_line(message, msg, sizeof msg);
    db_log_one_line(sql, text, sizeof text);
    fprintf(stderr, "agenda: store: %s: %s (%s) in \"%s\"\n", engine, msg, cause, text);
}

void db_log_set_error(char **err, const char *what, const char *detail)
{
    if (!err)
        return;
    char line[ERROR_SIZE];
    snprintf(line, sizeof line, "%s: %s", what, detail);
    char *copy = malloc(sizeof line);
    if (copy)
        db_log_one_line(line, copy, sizeof line);
    *err = copy;
}
