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

/* Accepts 10-13 characters of digits and hyphens (at least 10 digits, no
 * leading, trailing or doubled hyphen) and writes the digits alone to out,
 * so "010-1234-5678" and "01012345678" are the same member. Returns 0 or
 * -1, also for 13 digits that may be an RRN. Looking a member up takes
 * any other such number: members stored before phone_is_mobile was asked
 * at sign-up may hold them. */
int phone_normalize(const char *in, char out[PHONE_MAX_CHARS + 1]);

/* 1 when digits (phone_normalize's) are a Korean mobile number: 01 and 8
 * or 9 more. A new member's phone must be: what else has 10-13 digits (an
 * RRN typed into the wrong box, most of all) would be kept as the
 * member's name to sign in with and sent to the SMSC as a destination. */
int phone_is_mobile(const char *digits);

#endif
