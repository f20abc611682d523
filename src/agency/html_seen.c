/* html_seen.c -- see html_seen.h. A scanner, not a parser: it needs to
 * know only where tags, comments, references and characters begin and
 * end, and which characters look like a digit, look like a hyphen, or
 * show nothing. */
#include "html_seen.h"

#include <string.h>

#define REF_MAX 32 /* "&#x0000002D;" and every named reference fit */

/* What a character is seen as when it shows nothing at all. */
#define NOTHING '\0'

/* name[0..n) is lower (ASCII letters and digits), whatever its case. */
static int same_name(const char *name, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]) != lower[i])
            return 0;
    return 1;
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Elements a browser and the letter set apart from what is around them. */
static int breaks_text(const char *name, size_t n)
{
#define B(s) {s, sizeof s - 1}
    static const struct {
        const char *name;
        size_t len;
    } blocks[] = {B("br"),      B("p"),      B("div"),     B("td"),     B("th"),     B("tr"),
                  B("li"),      B("ul"),     B("ol"),      B("dl"),     B("dt"),     B("dd"),
                  B("table"),   B("thead"),  B("tbody"),   B("tfoot"),  B("caption"), B("h1"),
                  B("h2"),      B("h3"),     B("h4"),      B("h5"),     B("h6"),     B("hr"),
                  B("blockquote"), B("pre"), B("section"), B("article"), B("header"), B("footer"),
                  B("address"), B("img")};
#undef B

    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (blocks[i].len == n && same_name(name, blocks[i].name, n))
            return 1;
    return 0;
}

/* As in HTML, "<" begins a tag only before a letter, '/' or '!': "1 < 2"
 * is text. */
static int opens_tag(const char *html, size_t len, size_t i)
{
    char c = i + 1 < len ? html[i + 1] : '\0';

    return is_alpha(c) || c == '/' || c == '!';
}

/* The end of the comment whose "<!--" is at html[i]: past "-->", or
 * "--!>", or the ">" that closes it at once ("<!-->" and "<!--->" are
 * empty comments to a browser); len when it never ends. */
static size_t comment_end(const char *html, size_t len, size_t i)
{
    size_t k = i + 4;

    if (k < len && html[k] == '>')
        return k + 1;
    if (k + 1 < len && html[k] == '-' && html[k + 1] == '>')
        return k + 2;
    for (; k + 3 <= len; k++) {
        if (!memcmp(html + k, "-->", 3))
            return k + 3;
        if (k + 4 <= len && !memcmp(html + k, "--!>", 4))
            return k + 4;
    }
    return len;
}

/* 1 when html[k] comes after '=' in the tag that opens at html[i],
 * white space between. */
static int after_equals(const char *html, size_t i, size_t k)
{
    while (k > i + 1 && (html[k - 1] == ' ' || html[k - 1] == '\t' || html[k - 1] == '\n' ||
                         html[k - 1] == '\r' || html[k - 1] == '\f'))
        k--;
    return html[k - 1] == '=';
}

/* The end of the tag or comment opening at html[i] ('<'): the offset past
 * its '>', or len. A quote opens an attribute's value only after '='
 * (spaces allowed between), as in HTML: in <b'> it is part of a name. */
static size_t tag_end(const char *html, size_t len, size_t i)
{
    char quote = 0;

    if (len - i >= 4 && !memcmp(html + i, "<!--", 4))
        return comment_end(html, len, i);
    for (size_t k = i + 1; k < len; k++) {
        char c = html[k];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '>') {
            return k + 1;
        } else if ((c == '"' || c == '\'') && after_equals(html, i, k)) {
            quote = c;
        }
    }
    return len;
}

/* 1 when the tag html[i..end) is one that breaks_text. */
static int tag_breaks(const char *html, size_t i, size_t end)
{
    size_t k = i + 1, n = 0;

    if (k < end && html[k] == '/')
        k++;
    while (k + n < end && is_alnum(html[k + n]))
        n++;
    return n > 0 && breaks_text(html + k, n);
}

/* ---- characters ---- */

typedef struct {
    uint32_t lo, hi;
} cp_range;

static int in_ranges(uint32_t cp, const cp_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i].lo && cp <= r[i].hi)
            return 1;
    return 0;
}

/* Characters a page and a letter show as nothing (Unicode's default
 * ignorables: soft hyphen, zero-width spaces and joiners, direction
 * marks, variation selectors...): "800101&shy;1234567" shows thirteen
 * digits side by side. */
static int shows_nothing(uint32_t cp)
{
    static const cp_range r[] = {
        {0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160},
        {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x200B, 0x200F}, {0x202A, 0x202E},
        {0x2060, 0x206F}, {0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
        {0xFFA0, 0xFFA0}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};

    return in_ranges(cp, r, sizeof r / sizeof r[0]);
}

/* Dashes and lines a reader takes for the hyphen in an RRN. */
static int looks_like_hyphen(uint32_t cp)
{
    static const cp_range r[] = {
        {0x2010, 0x2015}, {0x2043, 0x2043}, {0x2212, 0x2212}, {0x2500, 0x2501},
        {0x23AF, 0x23AF}, {0x2E3A, 0x2E3B}, {0x30FC, 0x30FC}, {0x3161, 0x3161},
        {0xFE58, 0xFE58}, {0xFE63, 0xFE63}, {0xFF0D, 0xFF0D}, {0xFF70, 0xFF70}};

    return in_ranges(cp, r, sizeof r / sizeof r[0]);
}

/* What code point cp is seen as: its ASCII self, '-' for a dash, the
 * digit a full-width or mathematical digit shows, a space, NOTHING, or
 * 'x' for any other character (none of which matters to an RRN). */
static char seen_as(uint32_t cp)
{
    if (cp >= 0x20 && cp < 0x7F)
        return (char)cp;
    /* Latin letters, hangul and CJK ideographs: none of the below */
    if ((cp > 0xAD && cp < 0x034F) || (cp > 0x3164 && cp < 0xFE00))
        return 'x';
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0xA0 || cp == 0x3000 ||
        (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F)
        return ' ';
    if (shows_nothing(cp))
        return NOTHING;
    if (looks_like_hyphen(cp))
        return '-';
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return (char)('0' + (cp - 0xFF10));
    if (cp >= 0x1D7CE && cp <= 0x1D7FF)
        return (char)('0' + (cp - 0x1D7CE) % 10);
    return 'x';
}

/* The UTF-8 character at s[0..len): its code point in *cp and its length;
 * a byte that begins none is one character of its own (U+FFFD). */
static size_t utf8_char(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    uint32_t v = n == 4 ? s[0] & 0x07u : n == 3 ? s[0] & 0x0Fu : s[0] & 0x1Fu;

    *cp = 0xFFFD;
    if (n == 1 || n > len)
        return 1;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 1;
        v = v << 6 | (s[k] & 0x3Fu);
    }
    *cp = v;
    return n;
}

/* ---- character references ---- */

/* Named references, with the semicolon; legacy ones are also taken
 * without it, as browsers take them in text ("&shy1234567"). Any other
 * name stands for a character that is neither digit, dash nor nothing. */
static const struct {
    const char *name;
    uint32_t cp;
    int legacy;
} named[] = {{"amp", '&', 1},       {"AMP", '&', 1},       {"lt", '<', 1},
             {"LT", '<', 1},        {"gt", '>', 1},        {"GT", '>', 1},
             {"quot", '"', 1},      {"QUOT", '"', 1},      {"apos", '\'', 0},
             {"nbsp", 0xA0, 1},     {"shy", 0xAD, 1},      {"ndash", 0x2013, 0},
             {"mdash", 0x2014, 0},  {"minus", 0x2212, 0},  {"hyphen", 0x2010, 0},
             {"dash", 0x2010, 0},   {"horbar", 0x2015, 0}, {"boxh", 0x2500, 0},
             {"HorizontalLine", 0x2500, 0}, {"zwj", 0x200D, 0}, {"zwnj", 0x200C, 0},
             {"lrm", 0x200E, 0},    {"rlm", 0x200F, 0},    {"ZeroWidthSpace", 0x200B, 0},
             {"NegativeVeryThinSpace", 0x200B, 0}, {"NegativeThinSpace", 0x200B, 0},
             {"NegativeMediumSpace", 0x200B, 0}, {"NegativeThickSpace", 0x200B, 0},
             {"NoBreak", 0x2060, 0}, {"af", 0x2061, 0},     {"ApplyFunction", 0x2061, 0},
             {"it", 0x2062, 0},     {"InvisibleTimes", 0x2062, 0}, {"ic", 0x2063, 0},
             {"InvisibleComma", 0x2063, 0}};

/* What browsers make of a numeric reference's number (the HTML standard:
 * 0, surrogates and what lies past Unicode are U+FFFD; 0x80-0x9F are
 * read as windows-1252, where 0x96 and 0x97 are dashes). */
static uint32_t numeric_cp(unsigned long v)
{
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0xFFFD;
    if (v == 0x96)
        return 0x2013;
    if (v == 0x97)
        return 0x2014;
    return (uint32_t)v;
}

/* The numeric reference at html[i] ("&#"): its end (past ';' when there
 * is one, as browsers also end one without it) and code point; i when
 * no digit follows. */
static size_t numeric_ref(const char *html, size_t len, size_t i, uint32_t *cp)
{
    size_t k = i + 2;
    int hex = k < len && (html[k] == 'x' || html[k] == 'X');
    unsigned long v = 0;
    size_t first;

    k += hex;
    first = k;
    for (; k < len; k++) {
        char c = html[k];
        int d = c >= '0' && c <= '9'                 ? c - '0'
                : hex && c >= 'a' && c <= 'f'       ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F'       ? c - 'A' + 10
                                                     : -1;
        if (d < 0)
            break;
        if (v <= 0x10FFFF)
            v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (k == first)
        return i;
    *cp = numeric_cp(v);
    return k < len && html[k] == ';' ? k + 1 : k;
}

/* The named reference at html[i] ('&'): its end and code point; i when
 * it is none (a lone '&' is seen as itself). */
static size_t named_ref(const char *html, size_t len, size_t i, uint32_t *cp)
{
    size_t n = 0;

    while (i + 1 + n < len && n <= REF_MAX && is_alnum(html[i + 1 + n]))
        n++;
    if (n > 0 && n <= REF_MAX && i + 1 + n < len && html[i + 1 + n] == ';') {
        *cp = 0xFFFD;
        for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
            if (strlen(named[k].name) == n && !memcmp(html + i + 1, named[k].name, n))
                *cp = named[k].cp;
        return i + n + 2;
    }
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t m = strlen(named[k].name);
        if (named[k].legacy && m <= n && !memcmp(html + i + 1, named[k].name, m)) {
            *cp = named[k].cp;
            return i + 1 + m;
        }
    }
    return i;
}

/* ---- the scan ---- */

/* The character html[i] begins, past ASCII: its end, and in *c what it
 * is seen as. */
static size_t utf8_seen(const char *html, size_t len, size_t i, char *c)
{
    uint32_t cp;
    size_t n = utf8_char((const unsigned char *)html + i, len - i, &cp);

    *c = seen_as(cp);
    return i + n;
}

/* The unit of source at html[i]: a tag or comment, a reference, or one
 * character. Its end, and in *c what it is seen as (NOTHING for a tag
 * that does not break the text, or a character that shows nothing). */
static size_t next_unit(const char *html, size_t len, size_t i, char *c)
{
    uint32_t cp;
    size_t end;

    if (html[i] == '<' && opens_tag(html, len, i)) {
        end = tag_end(html, len, i);
        *c = tag_breaks(html, i, end) ? ' ' : NOTHING;
        return end;
    }
    if (html[i] == '&') {
        end = i + 1 < len && html[i + 1] == '#' ? numeric_ref(html, len, i, &cp)
                                                 : named_ref(html, len, i, &cp);
        if (end > i) {
            *c = seen_as(cp);
            return end;
        }
    }
    if ((unsigned char)html[i] < 0x80) {
        *c = seen_as((unsigned char)html[i]);
        return i + 1;
    }
    return utf8_seen(html, len, i, c);
}

size_t html_seen(const char *html, size_t len, char *out, uint32_t *from)
{
    size_t n = 0, i = 0;

    while (i < len) {
        char c = html[i];
        /* most of a document is plain ASCII: seen as written */
        if (c >= 0x20 && c < 0x7F && c != '<' && c != '&') {
            out[n] = c;
            from[n++] = (uint32_t)i++;
            continue;
        }
        size_t end = (unsigned char)c >= 0x80 ? utf8_seen(html, len, i, &c)
                                               : next_unit(html, len, i, &c);
        if (c != NOTHING) {
            out[n] = c;
            from[n++] = (uint32_t)i;
        }
        i = end;
    }
    return n;
}

size_t html_seen_end(const char *html, size_t len, size_t at)
{
    char c;

    return at < len ? next_unit(html, len, at, &c) : len;
}
