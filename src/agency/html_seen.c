/* html_seen.c -- see html_seen.h. A scanner, not a parser: it needs to
 * know only where tags and references begin and end. */
#include "html_seen.h"

#include <string.h>

#define REF_MAX 32 /* "&#x0000002D;" and every named reference fit */

/* name[0..n) is lower (ASCII letters and digits), whatever its case. */
static int same_name(const char *name, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]) != lower[i])
            return 0;
    return 1;
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

    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!';
}

/* The end of the tag or comment opening at html[i] ('<'), quoted
 * attribute values included: the offset past its '>', or len. */
static size_t tag_end(const char *html, size_t len, size_t i)
{
    char quote = 0;

    if (len - i >= 4 && !memcmp(html + i, "<!--", 4)) {
        for (size_t k = i + 4; k + 3 <= len; k++)
            if (!memcmp(html + k, "-->", 3))
                return k + 3;
        return len;
    }
    for (size_t k = i + 1; k < len; k++) {
        if (quote) {
            if (html[k] == quote)
                quote = 0;
        } else if (html[k] == '"' || html[k] == '\'') {
            quote = html[k];
        } else if (html[k] == '>') {
            return k + 1;
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
    while (k + n < end && ((html[k + n] >= 'a' && html[k + n] <= 'z') ||
                           (html[k + n] >= 'A' && html[k + n] <= 'Z') ||
                           (html[k + n] >= '0' && html[k + n] <= '9')))
        n++;
    return n > 0 && breaks_text(html + k, n);
}

/* The character a reference stands for, as seen: the ASCII character, a
 * space, or 'x'. */
static char ref_char(const char *name, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
                 {"apos", '\''}, {"nbsp", ' '}, {NULL, 0}};
    unsigned long v = 0;
    size_t k = 1;

    if (n >= 2 && name[0] == '#') {
        int hex = name[1] == 'x' || name[1] == 'X';
        for (k = hex ? 2 : 1; k < n && v <= 0x10FFFF; k++) {
            char c = name[k];
            int d = c >= '0' && c <= '9'                 ? c - '0'
                    : hex && c >= 'a' && c <= 'f'       ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F'       ? c - 'A' + 10
                                                         : -1;
            if (d < 0)
                return 'x';
            v = v * (hex ? 16 : 10) + (unsigned long)d;
        }
        return k == (size_t)(hex ? 2 : 1) ? 'x' : v == 0xA0 ? ' ' : v >= 0x20 && v < 0x7F ? (char)v : 'x';
    }
    for (size_t i = 0; named[i].name; i++)
        if (strlen(named[i].name) == n && !memcmp(name, named[i].name, n))
            return named[i].c;
    return 'x';
}

/* The end of the reference opening at html[i] ('&'): past its ';', or i
 * when it is not one (a lone '&' is seen as itself). */
static size_t ref_end(const char *html, size_t len, size_t i)
{
    for (size_t k = i + 1; k < len && k - i <= REF_MAX; k++) {
        char c = html[k];
        if (c == ';')
            return k > i + 1 ? k + 1 : i;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '#'))
            return i;
    }
    return i;
}

size_t html_seen(const char *html, size_t len, char *out, uint32_t *from)
{
    size_t n = 0, i = 0;

    while (i < len) {
        size_t end;
        if (html[i] == '<' && opens_tag(html, len, i)) {
            end = tag_end(html, len, i);
            if (tag_breaks(html, i, end)) {
                out[n] = ' ';
                from[n++] = (uint32_t)i;
            }
            i = end;
        } else if (html[i] == '&' && (end = ref_end(html, len, i)) > i) {
            out[n] = ref_char(html + i + 1, end - i - 2);
            from[n++] = (uint32_t)i;
            i = end;
        } else {
            out[n] = html[i];
            from[n++] = (uint32_t)i++;
        }
    }
    return n;
}
