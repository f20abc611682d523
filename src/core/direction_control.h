/* direction_control.h -- Unicode's direction controls, refused in text
 * herald prints or shows.
 *
 * U+202E (right-to-left override) and its kin change the order in which
 * characters are drawn, not the order in which they are stored: a value
 * stored as "\u202E4313521-706026\u202C" holds no RRN to any check that
 * reads its bytes, yet pango and a browser draw 620607-1253134. They also
 * scramble a printed address. Korean names, addresses and notice values
 * have no use for them, so one rule refuses them wherever such text comes
 * in (agency send, the API) and again where a letter prints it. Pure. */
#ifndef HERALD_DIRECTION_CONTROL_H
#define HERALD_DIRECTION_CONTROL_H

#include <stddef.h>
#include <stdint.h>

/* 1 when cp is a direction control: U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069; else 0. */
int direction_control(uint32_t cp);

/* The first direction control in the UTF-8 text s[0..len), or 0 when it
 * holds none. Bytes that are not UTF-8 are skipped. */
uint32_t direction_control_find(const char *s, size_t len);

/* NULL when s[0..len) holds no direction control, else why it is
 * refused, to follow a field's name: "holds a direction control character
 * (U+202E), which can change what is printed". The text is the calling
 * thread's own until its next call. */
const char *direction_control_problem(const char *s, size_t len);

#endif
