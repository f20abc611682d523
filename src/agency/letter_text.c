/* letter_text.c -- see letter_text.h. A small tag scanner, not an HTML
 * parser: the input is the agency's own template with escaped values, so
 * tags and entities are all it has to know. */
#include "letter_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "direction_control.h"
#include "html_seen.h"
#include "seen_char.h"
#include "template.h"
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

/* Nested lists deeper than this number their items as bullets. */
#define LIST_DEPTH 8
/* A link's target longer than this is refused: nobody types it in. */
#define LINK_MAX 2048

/* A tag: its name (lower-cased, at most 15 bytes), whether it closes, and
 * its attributes' bytes [attrs, attrs_end). */
typedef struct tag_seen {
    char name[16];
    int closing;
    const char *attrs, *attrs_end;
} tag_seen;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Reads the tag at p ('<') into t; returns the byte after '>', or NULL
 * when the tag never ends. A '>' inside a quoted value does not end it;
 * a quote opens a value only after '=' (an apostrophe elsewhere is text). */
static const char *read_tag(const char *p, const char *end, tag_seen *t)
{
    size_t n = 0;
    int after_eq = 0;

    p++; /* '<' */
    t->closing = p < end && *p == '/';
    p += t->closing;
    while (p < end && n < 15 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                 (*p >= '0' && *p <= '9')))
        t->name[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p), p++;
    t->name[n] = '\0';
    t->attrs = p;
    while (p < end && *p != '>') {
        if (after_eq && (*p == '"' || *p == '\'')) {
            const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
            p = q ? q : end;
        }
        if (p < end && !is_space(*p))
            after_eq = *p == '=';
        if (p < end)
            p++;
    }
    t->attrs_end = p;
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
    /* What official notices' templates use, all in the letter's fonts;
     * the marks that show nothing print as nothing. */
    static const struct { const char *name, *text; } named[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
        {"nbsp", " "}, {"ensp", " "}, {"emsp", " "}, {"thinsp", " "},
        {"shy", ""}, {"zwj", ""}, {"zwnj", ""}, {"lrm", ""}, {"rlm", ""},
        {"middot", "\xC2\xB7"}, {"copy", "\xC2\xA9"}, {"reg", "\xC2\xAE"},
        {"trade", "\xE2\x84\xA2"}, {"sect", "\xC2\xA7"}, {"para", "\xC2\xB6"},
        {"deg", "\xC2\xB0"}, {"plusmn", "\xC2\xB1"}, {"times", "\xC3\x97"},
        {"divide", "\xC3\xB7"}, {"micro", "\xC2\xB5"}, {"frac12", "\xC2\xBD"},
        {"frac14", "\xC2\xBC"}, {"frac34", "\xC2\xBE"}, {"sup2", "\xC2\xB2"},
        {"sup3", "\xC2\xB3"}, {"cent", "\xC2\xA2"}, {"pound", "\xC2\xA3"},
        {"yen", "\xC2\xA5"}, {"euro", "\xE2\x82\xAC"}, {"laquo", "\xC2\xAB"},
        {"raquo", "\xC2\xBB"}, {"ndash", "\xE2\x80\x93"}, {"mdash", "\xE2\x80\x94"},
        {"lsquo", "\xE2\x80\x98"}, {"rsquo", "\xE2\x80\x99"}, {"ldquo", "\xE2\x80\x9C"},
        {"rdquo", "\xE2\x80\x9D"}, {"bull", "\xE2\x80\xA2"}, {"hellip", "\xE2\x80\xA6"},
        {"prime", "\xE2\x80\xB2"}, {"Prime", "\xE2\x80\xB3"}, {"larr", "\xE2\x86\x90"},
        {"uarr", "\xE2\x86\x91"}, {"rarr", "\xE2\x86\x92"}, {"darr", "\xE2\x86\x93"},
        {"harr", "\xE2\x86\x94"}, {"rArr", "\xE2\x87\x92"}, {"minus", "\xE2\x88\x92"},
        {"le", "\xE2\x89\xA4"}, {"ge", "\xE2\x89\xA5"}, {"ne", "\xE2\x89\xA0"},
        {"asymp", "\xE2\x89\x88"}, {"infin", "\xE2\x88\x9E"}, {"check", "\xE2\x9C\x93"},
        {"cir", "\xE2\x97\x8B"}, {"squ", "\xE2\x96\xA1"}, {"square", "\xE2\x96\xA1"},
        {"blacksquare", "\xE2\x96\xAA"}, {"star", "\xE2\x98\x86"},
        {"starf", "\xE2\x98\x85"}, {"phone", "\xE2\x98\x8E"},
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

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Markup that a letter names is a tag ("</1" is a bogus comment): "1 < 2"
 * and "<3%" are text to a browser (html_opens_markup), so to the letter. */
static int opens_tag(const char *p, const char *end)
{
    return p + 1 < end && (is_alpha(p[1]) || (p[1] == '/' && p + 2 < end && is_alpha(p[2])));
}

static int is_name_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == ':';
}

/* The value of attribute name among t's, entities decoded, into v
 * (emptied first): 1 when the tag has it, 0 when not, -1 with err when
 * the value holds an entity that cannot be printed. */
static int attr(const tag_seen *t, const char *name, buf *v, char *err, size_t errlen)
{
    const char *p = t->attrs, *end = t->attrs_end;
    size_t want = strlen(name);

    while (p < end) {
        while (p < end && !is_name_byte(*p))
            p++;
        const char *n0 = p, *v0 = NULL, *v1 = NULL;
        while (p < end && is_name_byte(*p))
            p++;
        size_t n = (size_t)(p - n0);
        while (p < end && is_space(*p))
            p++;
        if (p < end && *p == '=') {
            for (p++; p < end && is_space(*p); p++)
                ;
            if (p < end && (*p == '"' || *p == '\'')) {
                const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
                v0 = p + 1, v1 = q ? q : end;
                p = q ? q + 1 : end;
            } else {
                for (v0 = p; p < end && !is_space(*p); p++)
                    ;
                v1 = p;
            }
        }
        if (n == want && !strncasecmp(n0, name, n)) {
            v->len = 0;
            for (const char *c = v0; c && c < v1;)
                if (*c == '&') {
                    if (!(c = read_entity(c, v1, v, err, errlen)))
                        return -1;
                } else {
                    buf_append(v, c, 1), c++;
                }
            buf_append(v, "", 1);
            v->len--;
            return 1;
        }
    }
    return 0;
}

/* What the scan keeps between tags. */
typedef struct scan {
    int skip;               /* inside elements whose content is not printed */
    int cells;              /* cells opened in the current table row */
    int lists;              /* lists open */
    int pre;                /* <pre> open: white space kept */
    int pre_opened;         /* just after <pre>, whose first line break is not shown */
    long item[LIST_DEPTH];  /* each open list's next number; -1 for a <ul> */
    buf href;               /* the open link's target as printed; empty when none */
    size_t link_text;       /* where the open link's text begins in out */
} scan;

/* What a link's target prints as on paper: http(s) as it is, mailto: and
 * tel: without their scheme; NULL for what a reader cannot follow from
 * paper (a page of the same site, a script, a target broken over lines).
 * href loses the spaces around it. */
static const char *printable_target(char *href)
{
    size_t n;

    while (is_space(*href))
        href++;
    for (n = strlen(href); n && is_space(href[n - 1]); n--)
        href[n - 1] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)href[i] < 0x20 || href[i] == 0x7f)
            return NULL;
    if (!strncasecmp(href, "https://", 8) || !strncasecmp(href, "http://", 7))
        return href;
    if (!strncasecmp(href, "mailto:", 7))
        return href + 7;
    if (!strncasecmp(href, "tel:", 4))
        return href + 4;
    return NULL;
}

/* <a href>: its target is printed after its text, "(…)", unless the text
 * says it already. */
static int link(const tag_seen *t, buf *out, scan *sc, char *err, size_t errlen)
{
    if (!t->closing) {
        buf *h = &sc->href;
        int r = attr(t, "href", h, err, errlen);
        const char *target = r > 0 && !h->broken ? printable_target(h->data) : NULL;
        if (r < 0)
            return -1;
        if (h->len > LINK_MAX) {
            snprintf(err, errlen, "a link's target over %d bytes cannot be printed", LINK_MAX);
            return -1;
        }
        if (target)
            memmove(h->data, target, strlen(target) + 1);
        h->len = target ? strlen(target) : 0;
        sc->link_text = out->len;
        return 0;
    }
    if (!sc->href.len)
        return 0;
    /* the lines' ends trim spaces: the text may begin before where it began */
    if (sc->link_text > out->len)
        sc->link_text = out->len;
    const char *text = out->data + sc->link_text;
    size_t n = out->len - sc->link_text;
    while (n && (*text == ' ' || *text == '\n'))
        text++, n--;
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\n'))
        n--;
    const char *bare = strstr(sc->href.data, "://");
    bare = bare ? bare + 3 : sc->href.data;
    if (!(n == sc->href.len && !memcmp(text, sc->href.data, n)) &&
        !(n == strlen(bare) && !memcmp(text, bare, n))) {
        put_space(out);
        buf_printf(out, "(%s)", sc->href.data);
    }
    sc->href.len = 0;
    return 0;
}

/* <ul>, <ol start>, and an <li>'s mark: "• ", or its number in an <ol>,
 * indented two spaces a level of nesting. */
static void list_open(const tag_seen *t, scan *sc, buf *scratch)
{
    char err[8];
    long start = 1;

    if (!strcmp(t->name, "ol") && attr(t, "start", scratch, err, sizeof err) > 0) {
        char *e;
        long v = strtol(scratch->data, &e, 10);
        if (e != scratch->data && !*e && v >= 0 && v < 1000000000L)
            start = v;
    }
    if (sc->lists < LIST_DEPTH)
        sc->item[sc->lists] = !strcmp(t->name, "ol") ? start : -1;
    sc->lists++;
}

static void list_item(buf *out, scan *sc)
{
    int level = sc->lists > 0 ? sc->lists - 1 : 0;

    if (level > LIST_DEPTH - 1) /* indented no further: the page is so wide */
        level = LIST_DEPTH - 1;

    for (int i = 0; i < level; i++)
        buf_puts(out, "  ");
    if (sc->lists > 0 && sc->lists <= LIST_DEPTH && sc->item[sc->lists - 1] >= 0)
        buf_printf(out, "%ld. ", sc->item[sc->lists - 1]++);
    else
        buf_puts(out, "\xE2\x80\xA2 ");
}

static int tag(const tag_seen *t, buf *out, scan *sc, buf *scratch, char *err, size_t errlen)
{
    const char *name = t->name;
    int closing = t->closing;
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
    if (!strcmp(name, "a"))
        return link(t, out, sc, err, errlen);
    if (!strcmp(name, "pre")) {
        sc->pre += closing ? (sc->pre > 0 ? -1 : 0) : 1;
        sc->pre_opened = !closing;
    }
    if (!in_list(name, blocks))
        return 0;
    end_line(out, !closing && (name[0] == 'h' && name[1] >= '1' && name[1] <= '6'));
    if (!strcmp(name, "p") || (name[0] == 'h' && name[1] && closing) || !strcmp(name, "table"))
        end_line(out, 1);
    if (!strcmp(name, "ul") || !strcmp(name, "ol")) {
        if (!closing)
            list_open(t, sc, scratch);
        else if (sc->lists > 0)
            sc->lists--;
    }
    if (!closing && !strcmp(name, "li"))
        list_item(out, sc);
    return 0;
}

/* 0 when the text prints its characters in the order they are stored,
 * else -1 with why in err: a direction control, raw or an entity, would
 * reorder what is printed (a value's reversed digits drawn as an RRN) for
 * a notice stored before intake refused them, or by a template's own. */
static int printed_in_order(const char *text, size_t len, char *err, size_t errlen)
{
    const char *why = direction_control_problem(text, len);

    if (!why)
        return 0;
    snprintf(err, errlen, "the text %s", why);
    return -1;
}

int letter_text_from_html(const char *html, size_t len, buf *out, char *err, size_t errlen)
{
    const char *p = html, *end = html + len;
    size_t start = out->len;
    scan sc = {0};
    buf scratch;
    tag_seen t;
    int rc = -1;

    err[0] = '\0';
    if (!utf8_valid(html, len)) {
        snprintf(err, errlen, "invalid UTF-8");
        return -1;
    }
    buf_init(&sc.href, 64);
    buf_init(&scratch, 64);
    while (p && p < end) {
        if (*p != '\n' && *p != '\r')
            sc.pre_opened = 0;
        if (*p == '<' && html_opens_markup(html, len, (size_t)(p - html)) &&
            !opens_tag(p, end)) {
            /* comment, doctype, "</1": where a browser ends them, as the
             * page's RRN check reads them (html_seen.h) */
            p = html + html_markup_end(html, len, (size_t)(p - html));
        } else if (*p == '<' && opens_tag(p, end)) {
            p = read_tag(p, end, &t);
            if (!p || (t.name[0] && tag(&t, out, &sc, &scratch, err, errlen) != 0))
                goto fail;
        } else if (sc.skip) {
            p++;
        } else if (*p == '&') {
            p = read_entity(p, end, out, err, errlen);
            if (!p)
                goto fail;
        } else if (sc.pre && (*p == '\n' || *p == '\r')) {
            /* a <pre>'s lines stay lines: a table drawn in text stays one
             * (as in a browser, but for a break right after its tag) */
            if (*p == '\n' && !sc.pre_opened)
                buf_append(out, "\n", 1);
            sc.pre_opened = sc.pre_opened && *p == '\r';
            p++;
        } else if (sc.pre && (*p == ' ' || *p == '\t')) {
            buf_append(out, " ", 1);
            p++;
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
    rc = out->broken || sc.href.broken || scratch.broken ? -1 : 0;
    if (rc == 0 && printed_in_order(out->data + start, out->len - start, err, errlen) != 0) {
        rc = -1;
        goto fail;
    }
    goto done;
fail:
    if (!err[0])
        snprintf(err, errlen, "a tag is never closed");
    out->len = start;
done:
    buf_free(&sc.href);
    buf_free(&scratch);
    return rc;
}

#define CONTROL_PROBLEM "must not hold control characters (a line break is \\n alone)"

const char *letter_value_problem(const char *s, size_t n)
{
    /* U+0080-U+009F, C2 80 to C2 9F in UTF-8 (where C2 is never a
     * continuation byte): U+0085 breaks the line where pango meets it */
    for (size_t i = 0; i + 1 < n; i++)
        if ((unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            return CONTROL_PROBLEM;
    return direction_control_problem(s, n);
}

const char *letter_field_problem(const char *s, size_t n)
{
    const char *why;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return CONTROL_PROBLEM;
    }
    if (!utf8_valid(s, n))
        return "must be valid UTF-8";
    if ((why = letter_value_problem(s, n)) != NULL)
        return why;
    /* an ideographic space or a zero-width one prints an empty window */
    return seen_text_blank(s, n) ? "must not be blank" : NULL;
}

/* A value that makes no markup and no run of digits with the text beside
 * it. */
static const char *sample_value(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return "\xEA\xB0\x80"; /* 가 */
}

int letter_template_problem(const template *t, char *err, size_t errlen)
{
    char why[256];
    buf doc, text;
    int rc = -1;

    buf_init(&doc, 4096);
    buf_init(&text, 4096);
    if (template_render(t, sample_value, NULL, &doc, why, sizeof why) != 0)
        snprintf(err, errlen, "%s", why);
    else if (letter_text_from_html(doc.data ? doc.data : "", doc.len, &text, why, sizeof why) != 0)
        snprintf(err, errlen, "a letter cannot print it (a notice not read in time goes on "
                              "paper): %s", why);
    else
        rc = 0;
    buf_free(&doc);
    buf_free(&text);
    return rc;
}
