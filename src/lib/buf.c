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

/* What a JSON string must escape (RFC 8259, section 7): the controls, the
 * quote and the backslash; NUL too, where the scan stops. */
static const unsigned char json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* '\\' */
};

/* How many bytes from s on need no escape. */
static size_t json_plain_run(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (!json_special[*p])
        p++;
    return (size_t)(p - (const unsigned char *)s);
}

/* These exact forms, not merely valid ones: evidence leaves are hashed, so
 * a leaf must come out byte for byte as it always has. */
static void json_escape_byte(buf *b, unsigned char c)
{
    if (c == '"')
        buf_append(b, "\\\"", 2);
    else if (c == '\\')
        buf_append(b, "\\\\", 2);
    else if (c == '\n')
        buf_append(b, "\\n", 2);
    else
        buf_printf(b, "\\u%04x", c);
}

/* Ids, hashes, times and links never need an escape, and the hub writes
 * several per evidence leaf: those take one scan and one copy. */
void buf_json_string(buf *b, const char *s)
{
    size_t run = json_plain_run(s);
    char *at;

    if (!s[run]) {
        at = buf_extend(b, run + 2);
        if (at) {
            at[0] = '"';
            memcpy(at + 1, s, run);
            at[run + 1] = '"';
        }
        return;
    }
    buf_append(b, "\"", 1);
    for (;;) {
        buf_append(b, s, run);
        s += run;
        if (!*s)
            break;
        json_escape_byte(b, (unsigned char)*s++);
        run = json_plain_run(s);
    }
    buf_append(b, "\"", 1);
}

static const char html_special[] = "&<>\"'";

/* The entity for one of html_special's bytes. */
static const char *html_entity(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    default: return "&#39;"; /* ' */
    }
}

void buf_html(buf *b, const char *s)
{
    for (;;) {
        size_t run = strcspn(s, html_special);
        buf_append(b, s, run);
        s += run;
        if (!*s)
            return;
        buf_puts(b, html_entity(*s++));
    }
}

char *buf_take(buf *b, size_t *len)
{
    char *d = b->broken ? NULL : b->data;

    if (b->broken)
        buf_free(b);
    else if (!d)
        d = calloc(1, 1);
    if (len)
        *len = b->broken ? 0 : b->len;
    memset(b, 0, sizeof *b);
    return d;
}

void buf_free(buf *b)
{
    if (b->secret && b->data)
        secure_wipe(b->data, b->cap);
    free(b->data);
    memset(b, 0, sizeof *b);
}

void buf_base64(buf *b, const void *data, size_t len)
{
    char *text = buf_extend(b, BASE64_LEN(len) + 2);

    if (!text)
        return;
    text[0] = '"';
    base64_encode(text + 1, data, len);
    text[BASE64_LEN(len) + 1] = '"';
}
