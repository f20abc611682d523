/* buf.h -- a growable byte buffer for building responses and pages.
 *
 * Building JSON or HTML text by appending is much cheaper than building a
 * tree of objects and serialising it, which matters for 10,000-item batch
 * answers. Appends never fail silently: on allocation failure the buffer is
 * marked broken, later appends do nothing, and buf_take returns NULL. */
#ifndef HERALD_BUF_H
#define HERALD_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* always NUL-terminated when not NULL */
    size_t len, cap;
    int broken;
    int secret; /* set by buf_set_secret: growing wipes the old copy */
} buf;

void buf_init(buf *b, size_t initial);
/* For buffers that hold RRNs, CIs or documents: from now on a reallocation
 * copies and wipes instead of leaving the old block behind in the heap,
 * and buf_free wipes the block before freeing it. */
void buf_set_secret(buf *b);
void buf_append(buf *b, const void *data, size_t len);
/* Makes room for len more bytes at the end, for a reader to fill (they
 * count as written): where they start, or NULL if broken. */
char *buf_extend(buf *b, size_t len);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void buf_json_string(buf *b, const char *s);
/* Appends s with &, <, >, " and ' escaped for HTML text and attributes. */
void buf_html(buf *b, const char *s);
/* Returns the data (caller frees) and resets b; NULL if broken. */
/* data as a quoted base64 string. */
void buf_base64(buf *b, const void *data, size_t len);
char *buf_take(buf *b, size_t *len);
void buf_free(buf *b);

#endif
