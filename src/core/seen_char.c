/* seen_char.c -- see seen_char.h. */
#include "seen_char.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "rrn.h"

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

/* Characters a page and a letter show as nothing of their own (Unicode's
 * default ignorables: soft hyphen, zero-width spaces and joiners,
 * direction marks, variation selectors...; and combining marks, which
 * only mark the digit before them): "800101&shy;1234567" shows thirteen
 * digits side by side. */
static int shows_nothing(uint32_t cp)
{
    static const cp_range r[] = {
        {0x00AD, 0x00AD}, {0x0300, 0x036F}, {0x061C, 0x061C}, {0x115F, 0x1160},
        {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x200B, 0x200F}, {0x202A, 0x202E},
        {0x2060, 0x206F}, {0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
        {0xFFA0, 0xFFA0}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};

    return in_ranges(cp, r, sizeof r / sizeof r[0]);
}

/* Unicode's White_Space characters and its format characters (Cf) that
 * shows_nothing leaves out: line and paragraph separators, the Ogham
 * space, number signs that stand over digits, the annotation marks; and
 * the Braille blank, a pattern of no dots. */
static int blank_too(uint32_t cp)
{
    static const cp_range r[] = {
        {0x000B, 0x000B}, {0x0085, 0x0085}, {0x0600, 0x0605}, {0x06DD, 0x06DD},
        {0x070F, 0x070F}, {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x1680, 0x1680},
        {0x2028, 0x2029}, {0x2800, 0x2800}, {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD},
        {0x110CD, 0x110CD}, {0x13430, 0x1343F}};

    return in_ranges(cp, r, sizeof r / sizeof r[0]);
}

/* Dashes and lines a reader takes for the hyphen in an RRN. */
static int looks_like_hyphen(uint32_t cp)
{
    static const cp_range r[] = {
        {0x02D7, 0x02D7}, {0x2010, 0x2015}, {0x2043, 0x2043}, {0x2212, 0x2212},
        {0x2500, 0x2501}, {0x23AF, 0x23AF}, {0x2796, 0x2796}, {0x2E3A, 0x2E3B},
        {0x30FC, 0x30FC}, {0x3161, 0x3161}, {0x31D0, 0x31D0}, {0x4E00, 0x4E00},
        {0xFE58, 0xFE58}, {0xFE63, 0xFE63}, {0xFF0D, 0xFF0D}, {0xFF70, 0xFF70}};

    return in_ranges(cp, r, sizeof r / sizeof r[0]);
}

char seen_char(uint32_t cp)
{
    if (cp >= 0x20 && cp < 0x7F)
        return (char)cp;
    /* hangul and CJK ideographs (but U+4E00, a dash to the eye) */
    if ((cp > 0x31D0 && cp < 0x4E00) || (cp > 0x4E00 && cp < 0xFE00))
        return 'x';
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0xA0 || cp == 0x3000 ||
        (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F)
        return ' ';
    if (shows_nothing(cp))
        return SEEN_NOTHING;
    if (looks_like_hyphen(cp))
        return '-';
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return (char)('0' + (cp - 0xFF10));
    if (cp >= 0x1D7CE && cp <= 0x1D7FF)
        return (char)('0' + (cp - 0x1D7CE) % 10);
    if (cp == 0xB9 || cp == 0xB2 || cp == 0xB3) /* superscript 1, 2, 3 */
        return cp == 0xB9 ? '1' : (char)('0' + (cp - 0xB0));
    if (cp == 0x2070 || (cp >= 0x2074 && cp <= 0x2079) || (cp >= 0x2080 && cp <= 0x2089))
        return (char)('0' + (cp & 0xF)); /* super- and subscript digits */
    return 'x';
}

size_t seen_char_utf8(const unsigned char *s, size_t len, uint32_t *cp)
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

/* Text this long or shorter is folded on the stack. */
#define SEEN_STACK 1024

/* Letters written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko
 * and the scripts after them, their presentation forms): around one, a
 * page or a letter lays digit runs out in the other order. */
static int right_to_left(uint32_t cp)
{
    static const cp_range r[] = {
        {0x0590, 0x08FF}, {0xFB1D, 0xFDFF}, {0xFE70, 0xFEFE}, {0x10800, 0x10FFF},
        {0x1E800, 0x1EFFF}};

    return in_ranges(cp, r, sizeof r / sizeof r[0]);
}

/* seen[0..n) with its runs of digits in the reverse order, each run kept
 * as it is, into out: "x 2090120-931026" becomes "931026-2090120 x", as
 * a right-to-left line shows it. Any right-to-left stretch of the text
 * shows up reversed, whole, somewhere in it. */
static void digit_runs_reversed(const char *seen, size_t n, char *out)
{
    size_t end = n, o = 0;

    while (end > 0) {
        size_t start = end - 1;
        if (seen[start] >= '0' && seen[start] <= '9')
            while (start > 0 && seen[start - 1] >= '0' && seen[start - 1] <= '9')
                start--;
        memcpy(out + o, seen + start, end - start);
        o += end - start;
        end = start;
    }
}

/* 1 when seen[0..n) laid out right to left shows a valid RRN. */
static int reversed_has_rrn(const char *seen, size_t n, int today)
{
    char stack[SEEN_STACK], *out = n > SEEN_STACK ? malloc(n) : stack;
    int found;

    if (!out)
        return 1; /* cannot tell: refused, as what might be one */
    digit_runs_reversed(seen, n, out);
    found = rrn_find_valid(out, n, today) >= 0;
    secure_wipe(out, n);
    if (out != stack)
        free(out);
    return found;
}

int seen_text_has_rrn(const char *s, size_t len, int today)
{
    char stack[SEEN_STACK], *out = stack;
    size_t i = 0, n = 0;
    int plain = 1, rtl = 0, found;

    if (rrn_find_valid(s, len, today) >= 0)
        return 1;
    for (size_t k = 0; k < len && plain; k++)
        plain = (unsigned char)s[k] >= 0x20 && (unsigned char)s[k] < 0x7F;
    if (plain) /* printable ASCII is seen as it is */
        return 0;
    if (len > SEEN_STACK && !(out = malloc(len)))
        return 1; /* cannot tell: refused, as what might be one */
    while (i < len) {
        uint32_t cp = (unsigned char)s[i];
        size_t step = cp < 0x80 ? 1 : seen_char_utf8((const unsigned char *)s + i, len - i, &cp);
        char c = seen_char(cp);
        if (c != SEEN_NOTHING)
            out[n++] = c;
        rtl |= right_to_left(cp);
        i += step;
    }
    /* digits beside a right-to-left letter are shown in the other order */
    found = rrn_find_valid(out, n, today) >= 0 || (rtl && reversed_has_rrn(out, n, today));
    secure_wipe(out, n); /* it shows what the text shows */
    if (out != stack)
        free(out);
    return found;
}

int seen_text_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp = (unsigned char)s[i];
        size_t step = cp < 0x80 ? 1 : seen_char_utf8((const unsigned char *)s + i, len - i, &cp);
        char c = seen_char(cp);
        if (c != ' ' && c != SEEN_NOTHING && !blank_too(cp))
            return 0;
        i += step;
    }
    return 1;
}
