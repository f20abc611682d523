/* html_seen.c -- see html_seen.h. A scanner, not a parser: it needs to
 * know only where tags, comments, references and characters begin and
 * end, and which characters look like a digit, look like a hyphen, or
 * show nothing. */
#include "html_seen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "seen_char.h"

#define REF_MAX 32 /* "&#x0000002D;" and every named reference fit */

/* What a character is seen as when it shows nothing at all. */
#define NOTHING SEEN_NOTHING

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* As in HTML, "<" begins markup only before a letter, '/', '!' or '?':
 * "1 < 2" is text, and so is a "</" that ends the document. */
int html_opens_markup(const char *html, size_t len, size_t i)
{
    char c = i + 1 < len ? html[i + 1] : '\0';

    return is_alpha(c) || c == '!' || c == '?' || (c == '/' && i + 2 < len);
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

/* Past the first '>' from html[k] on, or len: where "<!DOCTYPE ...>",
 * "<?...>", "</1...>" and the like (bogus comments to HTML) end. */
static size_t first_gt(const char *html, size_t len, size_t k)
{
    const char *gt = memchr(html + k, '>', len - k);

    return gt ? (size_t)(gt - html) + 1 : len;
}

/* The end of the start or end tag at html[i] (a letter after "<" or
 * "</"), read as HTML's tokenizer reads attributes: a quote opens a value
 * only after a name and '=' (in <b'> or <b="> it is part of a name). */
static size_t tag_end(const char *html, size_t len, size_t i)
{
    enum { BEFORE_NAME, NAME, AFTER_NAME, BEFORE_VALUE, QUOTED, UNQUOTED } at;
    size_t k = i + 1 + (html[i + 1] == '/');
    char quote = 0;

    while (k < len && !is_space(html[k]) && html[k] != '/' && html[k] != '>')
        k++; /* the tag's name */
    for (at = BEFORE_NAME; k < len; k++) {
        char c = html[k];
        if (at == QUOTED) {
            if (c == quote)
                at = BEFORE_NAME;
        } else if (c == '>') {
            return k + 1;
        } else if (at == UNQUOTED) {
            if (is_space(c))
                at = BEFORE_NAME;
        } else if (at == BEFORE_VALUE) {
            if (c == '"' || c == '\'') {
                quote = c;
                at = QUOTED;
            } else if (!is_space(c)) {
                at = UNQUOTED;
            }
        } else if (c == '=' && (at == NAME || at == AFTER_NAME)) {
            at = BEFORE_VALUE;
        } else if (c == '/') {
            at = BEFORE_NAME;
        } else if (is_space(c)) {
            at = at == NAME ? AFTER_NAME : at;
        } else {
            at = NAME; /* a name's character, '=' first included */
        }
    }
    return len;
}

size_t html_markup_end(const char *html, size_t len, size_t i)
{
    char c = html[i + 1];

    if (len - i >= 4 && !memcmp(html + i, "<!--", 4))
        return comment_end(html, len, i);
    if (is_alpha(c) || (c == '/' && is_alpha(html[i + 2])))
        return tag_end(html, len, i);
    return first_gt(html, len, i + 2);
}

/* The name of the tag at html[i] ('<'), after a '/' if it closes: its
 * offset and length (0 for a comment, a bogus one, or none). */
static size_t tag_name(const char *html, size_t i, size_t end, size_t *at)
{
    size_t k = i + 1, n = 0;

    if (k < end && html[k] == '/')
        k++;
    while (k + n < end && is_alnum(html[k + n]))
        n++;
    *at = k;
    /* a name goes on past letters and digits ("style-box", a custom
     * element): none of ours */
    if (k + n < end && !is_space(html[k + n]) && html[k + n] != '/' && html[k + n] != '>')
        return 0;
    return n;
}

/* What an element is to the eye: BREAKS when a browser and the letter set
 * it apart from what is around it (a line or a block); RAW_HIDDEN or
 * RAW_SHOWN when its content is text up to its end tag, never markup,
 * shown as written (textarea, xmp, plaintext) or not at all. */
enum { BREAKS = 1, RAW_HIDDEN = 2, RAW_SHOWN = 4 };

/* name[0..n) is the lowercase literal s, whatever its case */
#define IS(s) (n == sizeof s - 1 && !strncasecmp(name, s, n))

static int tag_kind(const char *name, size_t n)
{
    switch (name[0] | 0x20) { /* ASCII lower case */ /* by first letter: a tag costs a few compares */
    case 'a':
        return IS("address") || IS("article") ? BREAKS : 0;
    case 'b':
        return IS("br") || IS("blockquote") ? BREAKS : 0;
    case 'c':
        return IS("caption") ? BREAKS : 0;
    case 'd':
        return IS("div") || IS("dl") || IS("dt") || IS("dd") ? BREAKS : 0;
    case 'f':
        return IS("footer") ? BREAKS : 0;
    case 'h':
        return (n == 2 && name[1] >= '1' && name[1] <= '6') || IS("hr") || IS("header") ? BREAKS
                                                                                        : 0;
    case 'i':
        return IS("img") ? BREAKS : IS("iframe") ? RAW_HIDDEN : 0;
    case 'l':
        return IS("li") ? BREAKS : 0;
    case 'n':
        return IS("noembed") || IS("noframes") ? RAW_HIDDEN : 0;
    case 'o':
        return IS("ol") ? BREAKS : 0;
    case 'p':
        return IS("p") || IS("pre") ? BREAKS : IS("plaintext") ? RAW_SHOWN : 0;
    case 's':
        return IS("section") ? BREAKS : IS("script") || IS("style") ? RAW_HIDDEN : 0;
    case 't':
        if (IS("title") || IS("template"))
            return RAW_HIDDEN;
        if (IS("textarea"))
            return RAW_SHOWN;
        return IS("table") || IS("thead") || IS("tbody") || IS("tfoot") || IS("td") || IS("th") ||
                       IS("tr")
                   ? BREAKS
                   : 0;
    case 'u':
        return IS("ul") ? BREAKS : 0;
    case 'x':
        return IS("xmp") ? RAW_SHOWN : 0;
    default:
        return 0;
    }
}
#undef IS

/* Where the raw text after the start tag of name[0..n) ends, from k on:
 * at its end tag ("</name" then a space, '/' or '>'), or len. */
static size_t raw_text_end(const char *html, size_t len, size_t k, const char *name, size_t n)
{
    for (; k + 2 + n <= len; k++) {
        if (html[k] != '<' || html[k + 1] != '/' || strncasecmp(html + k + 2, name, n) != 0)
            continue;
        char c = k + 2 + n < len ? html[k + 2 + n] : '>';
        if (is_space(c) || c == '/' || c == '>')
            return k;
    }
    return len;
}

/* ---- characters ---- */

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
             {"HorizontalLine", 0x2500, 0}, {"hybull", 0x2043, 0},
             {"sup1", 0xB9, 1}, {"sup2", 0xB2, 1}, {"sup3", 0xB3, 1}, {"zwj", 0x200D, 0}, {"zwnj", 0x200C, 0},
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
        for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
            if (strlen(named[k].name) == n && !memcmp(html + i + 1, named[k].name, n)) {
                *cp = named[k].cp;
                return i + n + 2;
            }
    }
    /* no whole name: a legacy one may begin it ("&shy1234567;") */
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t m = strlen(named[k].name);
        if (named[k].legacy && m <= n && !memcmp(html + i + 1, named[k].name, m)) {
            *cp = named[k].cp;
            return i + 1 + m;
        }
    }
    /* any other name followed by ';' shows a character that matters not */
    if (n > 0 && n <= REF_MAX && i + 1 + n < len && html[i + 1 + n] == ';') {
        *cp = 0xFFFD;
        return i + n + 2;
    }
    return i;
}

/* ---- the scan ---- */

/* The character html[i] begins, past ASCII: its end, and in *c what it
 * is seen as. */
static size_t utf8_seen(const char *html, size_t len, size_t i, char *c)
{
    uint32_t cp;
    size_t n = seen_char_utf8((const unsigned char *)html + i, len - i, &cp);

    *c = seen_char(cp);
    return i + n;
}

/* The reference or character at html[i]: its end, and in *c what it is
 * seen as. */
static size_t char_unit(const char *html, size_t len, size_t i, char *c)
{
    uint32_t cp;
    size_t end;

    if (html[i] == '&') {
        end = i + 1 < len && html[i + 1] == '#' ? numeric_ref(html, len, i, &cp)
                                                 : named_ref(html, len, i, &cp);
        if (end > i) {
            *c = seen_char(cp);
            return end;
        }
    }
    if ((unsigned char)html[i] < 0x80) {
        *c = seen_char((unsigned char)html[i]);
        return i + 1;
    }
    return utf8_seen(html, len, i, c);
}

/* Adds c, from html[at], to t. */
static void put(html_seen_text *t, char c, size_t at)
{
    t->text[t->n] = c;
    t->from[t->n++] = (uint32_t)at;
}

/* The hidden raw text html[a..b) of the element whose start tag is at
 * html[i], as text set apart (html_seen_split), to t. */
static void put_apart(html_seen_text *t, const char *html, size_t len, size_t i, size_t a,
                      size_t b)
{
    put(t, ' ', i);
    for (size_t k = a; k < b;) {
        char c;
        size_t e = char_unit(html, b, k, &c);
        if (c != NOTHING)
            put(t, c, k);
        k = e;
    }
    if (b < len)
        put(t, ' ', b);
}

/* The markup at html[i] ('<', html_opens_markup): its end, and in *c a space for
 * a tag that breaks the text, NOTHING for any other. A start tag whose
 * content is raw text takes in that content when it is hidden; when it is
 * shown, *raw is where it ends. A hidden one's text goes to apart (when
 * not NULL), set apart. */
static size_t markup_unit(const char *html, size_t len, size_t i, char *c, size_t *raw,
                          html_seen_text *apart)
{
    size_t end = html_markup_end(html, len, i), at, n = tag_name(html, i, end, &at);
    int kind = n ? tag_kind(html + at, n) : 0;

    *c = kind & (BREAKS | RAW_SHOWN) ? ' ' : NOTHING;
    if (html[i + 1] == '/')
        return end; /* an end tag begins no raw text */
    if (kind & RAW_HIDDEN) {
        size_t stop = raw_text_end(html, len, end, html + at, n);
        if (apart)
            put_apart(apart, html, len, i, end, stop);
        return stop < len ? html_markup_end(html, len, stop) : len;
    }
    if (kind & RAW_SHOWN)
        *raw = !strncasecmp(html + at, "plaintext", n) ? len /* to the end, whatever follows */
                                                       : raw_text_end(html, len, end, html + at, n);
    return end;
}

size_t html_seen(const char *html, size_t len, char *out, uint32_t *from)
{
    html_seen_text page = {out, from, 0};

    html_seen_split(html, len, &page, NULL);
    return page.n;
}

void html_seen_split(const char *html, size_t len, html_seen_text *page, html_seen_text *apart)
{
    size_t n = 0, i = 0, raw = 0;
    char *out = page->text;
    uint32_t *from = page->from;

    while (i < len) {
        char c = html[i];
        size_t end;
        /* most of a document is plain ASCII: seen as written */
        if (c >= 0x20 && c < 0x7F && c != '<' && c != '&') {
            out[n] = c;
            from[n++] = (uint32_t)i++;
            continue;
        }
        if (c == '<' && i >= raw && html_opens_markup(html, len, i))
            end = markup_unit(html, len, i, &c, &raw, apart);
        else if (c == '<')
            end = i + 1;
        else
            end = char_unit(html, len, i, &c);
        if (c != NOTHING) {
            out[n] = c;
            from[n++] = (uint32_t)i;
        }
        i = end;
    }
    page->n = n;
}

size_t html_seen_end(const char *html, size_t len, size_t at)
{
    char c;

    return at < len ? char_unit(html, len, at, &c) : len;
}

/* One block: both offset arrays first (aligned as malloc's block is),
 * then both texts, which alone are wiped. */
void *html_seen_readings_new(size_t len, html_seen_text r[2])
{
    size_t cap = len ? len : 1;
    char *block = malloc(2 * cap * (1 + sizeof(uint32_t)));

    for (int i = 0; block && i < 2; i++) {
        r[i].from = (uint32_t *)(void *)(block + i * cap * sizeof(uint32_t));
        r[i].text = block + 2 * cap * sizeof(uint32_t) + i * cap;
        r[i].n = 0;
    }
    return block;
}

void html_seen_readings_free(void *block, size_t len)
{
    size_t cap = len ? len : 1;

    if (block)
        secure_wipe((char *)block + 2 * cap * sizeof(uint32_t), 2 * cap);
    free(block);
}
