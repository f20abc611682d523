/* str_copy.c -- see str_copy.h. */
#include "str_copy.h"

#include <string.h>

size_t str_copy(char *dst, size_t cap, const char *src)
{
    size_t len = strnlen(src, cap - 1);

    memcpy(dst, src, len);
    dst[len] = '\0';
    return len;
}
