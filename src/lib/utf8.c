/* utf8.c -- see utf8.h. */
#include "utf8.h"

size_t utf8_char_len(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c, cp, min;
    size_t n;

    if (!len)
        return 0;
    c = s[0];
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        n = 1, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        n = 2, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
        n = 3, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len <= n)
        return 0;
    for (size_t k = 1; k <= n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n + 1;
}

int utf8_valid(const char *s, size_t len)
{
    size_t i = 0, n;

    while (i < len) {
        if (!(n = utf8_char_len(s + i, len - i)))
            return 0;
        i += n;
    }
    return 1;
}
