/* buf.c -- see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

static int grow(buf *b, size_t extra)
{
    size_t cap;
    char *p;

    if (b->broken)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    if (b->secret) {
        p = malloc(cap);
        if (p && b->data) {
            memcpy(p, b->data, b->len + 1);
            secure_wipe(b->data, b->cap);
            free(b->data);
        }
    } else {
        p = realloc(b->data, cap);
    }
    if (!p) {
        b->broken = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void buf_init(buf *b, size_t initial)
{
    memset(b, 0, sizeof *b);
    grow(b, initial);
    if (b->data)
        b->data[0] = '\0';
}

void buf_set_secret(buf *b)
{
    b->secret = 1;
}

void buf_append(buf *b, const void *data, size_t len)
{
    if (grow(b, len) != 0)
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

char *buf_extend(buf *b, size_t len)
{
    char *at;

    if (grow(b, len) != 0)
        return NULL;
    at = b->data + b->len;
    b->len += len;
    b->data[b->len] = '\0';
    return at;
}

void buf_puts(buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_json_string(buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p;

    buf_append(b, "\"", 1);
    for (; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        buf_append(b, run, (size_t)(p - run));
        if (*p == '"')
            buf_append(b, "\\\"", 2);
        else if (*p == '\\')
            buf_append(b, "\\\\", 2);
        else if (*p == '\n')
            buf_append(b, "\\n", 2);
        else
            buf_printf(b, "\\u%04x", *p);
        run = p + 1;
    }
    buf_append(b, run, (size_t)(p - run));
    buf_append(b, "\"", 1);
}

void buf_html(buf *b, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_append(b, run, (size_t)(s - run));
        buf_puts(b, rep);
        run = s + 1;
    }
    buf_append(b, run, (size_t)(s - run));
}

char *buf_take(buf *b, size_t *len)
{
    char *d = b->broken ? NULL : b->data;

    if (b->broken)
        free(b->data);
    else if (!d)
        d = calloc(1, 1);
    if (len)
        *len = b->broken ? 0 : b->len;
    memset(b, 0, sizeof *b);
    return d;
}

void buf_free(buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}
