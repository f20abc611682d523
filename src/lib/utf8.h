/* utf8.h -- strict UTF-8 validation, for text that arrives outside JSON.
 *
 * jansson checks the UTF-8 of every JSON string; form bodies, CSV files and
 * templates have no such parser in front of them, and a byte sequence that
 * is not UTF-8 must be refused before it reaches a page, a PDF or a log. */
#ifndef HERALD_UTF8_H
#define HERALD_UTF8_H

#include <stddef.h>

/* 1 if s[0..len) is UTF-8 as Unicode defines it (table 3-7): no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
int utf8_valid(const char *s, size_t len);
/* The bytes of the one character s starts with (1-4), by the same rules;
 * 0 when they are not UTF-8 (or len is 0). */
size_t utf8_char_len(const char *s, size_t len);

#endif
