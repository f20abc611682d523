/* letter_text.c -- see letter_text.h. A small tag scanner, not an HTML
 * parser: the input is the agency's own template with escaped values, so
 * tags and entities are all it has to know. */
#include "letter_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

/* Elements whose content is not text to print. */
static const char *const skipped[] = {"head", "title", "style", "script", "template", NULL};
/* Elements a letter cannot show: refused, never dropped. */
static const char *const refused[] = {"img",   "svg",   "iframe", "object", "embed",
                                      "video", "audio", "canvas", "picture", "math", NULL};
/* Elements that end a line of text. */
static const char *const blocks[] = {"p",  "div", "br", "h1", "h2",  "h3",     "h4",
                                     "h5", "h6",  "li", "tr", "ul",  "ol",     "table",
                                     "hr", "dt",  "dd", "dl", "pre", "section", "article",
                                     "header", "footer", "address", "blockquote", "caption",
                                     NULL};

static int in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcasecmp(name, *list))
            return 1;
    return 0;
}

/* The tag's name (lower-cased, at most 15 bytes) and whether it closes;
 * returns the byte after '>', or NULL when the tag never ends. */
static const char *read_tag(const char *p, const char *end, char name[16], int *closing)
{
    size_t n = 0;

    p++; /* '<' */
    *closing = p < end && *p == '/';
    p += *closing;
    while (p < end && n < 15 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                 (*p >= '0' && *p <= '9')))
        name[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p), p++;
    name[n] = '\0';
    while (p < end && *p != '>')
        p++;
    return p < end ? p + 1 : NULL;
}

/* Appends a code point as UTF-8. */
static void put_cp(buf *out, unsigned long cp)
{
    char b[4];

    if (cp < 0x80) {
        b[0] = (char)cp;
        buf_append(out, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 3);
    } else {
        b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 4);
    }
}

/* Decodes the entity at p ('&'); returns the byte after ';' or NULL. */
static const char *read_entity(const char *p, const char *end, buf *out, char *err,
                               size_t errlen)
{
    static const struct { const char *name, *text; } named[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
        {"nbsp", " "}, {"middot", "\xC2\xB7"}, {"copy", "\xC2\xA9"},
    };
    const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
    char name[12];
    size_t n;

    if (!semi) { /* a bare '&' is text */
        buf_append(out, "&", 1);
        return p + 1;
    }
    n = (size_t)(semi - p - 1);
    memcpy(name, p + 1, n);
    name[n] = '\0';
    if (!n || strspn(name, "#0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != n) {
        buf_append(out, "&", 1); /* not an entity's shape: text */
        return p + 1;
    }
    if (name[0] == '#') {
        char *e;
        int hex = name[1] == 'x' || name[1] == 'X';
        unsigned long cp = strtoul(name + 1 + hex, &e, hex ? 16 : 10);
        if (*e || e == name + 1 + hex || cp == 0 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF) || (cp < 0x20 && cp != '\n' && cp != '\t'))
            goto bad;
        put_cp(out, cp);
        return semi + 1;
    }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (!strcmp(name, named[i].name)) {
            buf_puts(out, named[i].text);
            return semi + 1;
        }
bad:
    snprintf(err, errlen, "entity &%.10s; cannot be printed", name);
    return NULL;
}

/* Ends the current line: at most one blank line in a row, none first. */
static void end_line(buf *out, int blank)
{
    while (out->len && out->data[out->len - 1] == ' ')
        out->len--;
    if (!out->len)
        return;
    if (out->data[out->len - 1] != '\n')
        buf_append(out, "\n", 1);
    if (blank && (out->len < 2 || out->data[out->len - 2] != '\n'))
        buf_append(out, "\n", 1);
}

/* White space in text collapses to one space, none at a line's start. */
static void put_space(buf *out)
{
    if (out->len && out->data[out->len - 1] != ' ' && out->data[out->len - 1] != '\n')
        buf_append(out, " ", 1);
}

/* What the scan keeps between tags. */
typedef struct scan {
    int skip;  /* inside elements whose content is not printed */
    int cells; /* cells opened in the current table row */
} scan;

static int tag(const char *name, int closing, buf *out, scan *sc, char *err, size_t errlen)
{
    int *skip = &sc->skip;

    if (in_list(name, refused)) {
        snprintf(err, errlen, "element <%s> cannot be printed on a letter", name);
        return -1;
    }
    if (in_list(name, skipped)) {
        *skip += closing ? (*skip > 0 ? -1 : 0) : 1;
        return 0;
    }
    if (*skip)
        return 0;
    if (!strcmp(name, "tr"))
        sc->cells = 0;
    if (!closing && (!strcmp(name, "td") || !strcmp(name, "th"))) {
        /* Cells side by side on one line, each after the first parted from
         * the one before, empty or not: "3" and "125,000" must not read
         * as 3125,000 (or 3 125,000), nor a blank cell shift the rest. */
        while (out->len && out->data[out->len - 1] == ' ')
            out->len--;
        if (sc->cells++ > 0)
            buf_puts(out, out->len && out->data[out->len - 1] != '\n' ? " | " : "| ");
        return 0;
    }
    if (!in_list(name, blocks))
        return 0;
    end_line(out, !closing && (name[0] == 'h' && name[1] >= '1' && name[1] <= '6'));
    if (!strcmp(name, "p") || (name[0] == 'h' && name[1] && closing) || !strcmp(name, "table"))
        end_line(out, 1);
    if (!closing && !strcmp(name, "li"))
        buf_puts(out, "\xE2\x80\xA2 ");
    return 0;
}

int letter_text_from_html(const char *html, size_t len, buf *out, char *err, size_t errlen)
{
    const char *p = html, *end = html + len;
    size_t start = out->len;
    scan sc = {0, 0};
    int closing;
    char name[16];

    err[0] = '\0';
    if (!utf8_valid(html, len)) {
        snprintf(err, errlen, "invalid UTF-8");
        return -1;
    }
    while (p && p < end) {
        if (*p == '<' && p + 1 < end && (p[1] == '!' || p[1] == '?')) {
            const char *gt = memchr(p, '>', (size_t)(end - p)); /* comment, doctype */
            if (p + 3 < end && !memcmp(p, "<!--", 4)) {
                const char *e = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
                gt = e ? e + 2 : NULL;
            }
            p = gt ? gt + 1 : end;
        } else if (*p == '<') {
            p = read_tag(p, end, name, &closing);
            if (!p || (name[0] && tag(name, closing, out, &sc, err, errlen) != 0))
                goto fail;
        } else if (sc.skip) {
            p++;
        } else if (*p == '&') {
            p = read_entity(p, end, out, err, errlen);
            if (!p)
                goto fail;
        } else if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
            put_space(out);
            p++;
        } else if ((unsigned char)*p < 0x20) {
            p++; /* other control bytes carry nothing to print */
        } else {
            buf_append(out, p, 1);
            p++;
        }
    }
    end_line(out, 0);
    while (out->len > start && out->data[out->len - 1] == '\n')
        out->len--;
    buf_append(out, "", 1);
    out->len--;
    return out->broken ? -1 : 0;
fail:
    if (!err[0])
        snprintf(err, errlen, "a tag is never closed");
    out->len = start;
    return -1;
}

const char *letter_field_problem(const char *s, size_t n)
{
    int blank = 1;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return "must not hold control characters (a line break is \\n alone)";
        if (c != ' ' && c != '\n' && c != '\t')
            blank = 0;
    }
    if (blank)
        return "must not be blank";
    return utf8_valid(s, n) ? NULL : "must be valid UTF-8";
}

