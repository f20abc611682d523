/* seen_char.h -- what a reader takes a character for, as far as a
 * resident registration number goes.
 *
 * herald refuses text that shows what may be an RRN wherever it is kept
 * or sent (a title, a name, an address, a document). Looking at ASCII
 * digits is not enough: full-width digits, a dash for the hyphen or a
 * zero-width space between digits hold no run of thirteen ASCII digits,
 * yet a screen and a printed letter show one. Nor is looking for a
 * space enough to tell a blank name: an ideographic space, a no-break
 * space or a zero-width one shows as little. Pure functions, no I/O. */
#ifndef HERALD_SEEN_CHAR_H
#define HERALD_SEEN_CHAR_H

#include <stddef.h>
#include <stdint.h>

/* What a character is seen as when it shows nothing at all. */
#define SEEN_NOTHING '\0'

/* What code point cp is seen as: its ASCII self, '-' for a dash, the
 * digit a full-width or mathematical digit shows, a space, SEEN_NOTHING,
 * or 'x' for any other character (none of which matters to an RRN). */
char seen_char(uint32_t cp);
/* The UTF-8 character of two to four bytes at s[0..len) (len > 0): its
 * code point in *cp and its length; any other byte, ASCII included, is
 * one character of its own (U+FFFD): the caller reads ASCII itself. */
size_t seen_char_utf8(const unsigned char *s, size_t len, uint32_t *cp);

/* 1 when plain text s[0..len) shows a valid RRN (born by today, as
 * rrn_find_valid takes it) to a reader, in its bytes or in what its
 * characters are seen as; else 0. Markup is not read: html_seen.h is for
 * documents. */
int seen_text_has_rrn(const char *s, size_t len, int today);

/* 1 when text s[0..len) shows a reader nothing but space: every
 * character Unicode White_Space, a format character (Cf: zero-width
 * spaces, joiners, direction marks, the soft hyphen, U+FEFF...) or one
 * seen as nothing (a Hangul filler, a lone combining mark); the empty
 * text too. Bytes that are not UTF-8 show something. */
int seen_text_blank(const char *s, size_t len);

#endif
