/* phone.h -- a member's phone number: the name they sign in with.
 *
 * People write the same number with and without hyphens; the platform
 * keeps the digits alone, so both spellings find the same member. */
#ifndef HERALD_PHONE_H
#define HERALD_PHONE_H

#define PHONE_MIN_CHARS 10
#define PHONE_MAX_CHARS 13
#define PHONE_MIN_DIGITS 10 /* 011-123-4567 */
#define PHONE_MAX_DIGITS 11 /* 010-1234-5678 */

/* Accepts a Korean mobile number: 10-13 characters of digits and hyphens
 * (no leading, trailing or doubled hyphen), its digits 01 and 8 or 9
 * more, and writes the digits alone to out, so "010-1234-5678" and
 * "01012345678" are the same member. Returns 0 or -1. */
int phone_normalize(const char *in, char out[PHONE_MAX_CHARS + 1]);

#endif
