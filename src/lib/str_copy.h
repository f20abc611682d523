/* str_copy.h -- a C string into a fixed-size array, cut to fit and always
 * terminated. What snprintf(dst, cap, "%s", src) does, without parsing a
 * format: on the hot paths that fill rows field by field, the format
 * parsing cost a tenth of the work. */
#ifndef HERALD_STR_COPY_H
#define HERALD_STR_COPY_H

#include <stddef.h>

/* cap > 0. Returns the length copied. */
size_t str_copy(char *dst, size_t cap, const char *src);

#endif
