/* rrn.h -- resident registration numbers: parsing and validation.
 *
 * An RRN is YYMMDD-SNNNNNN. S fixes the century and sex; the last digit was
 * a check digit until October 2020, after which the digits following S are
 * random. So a checksum mismatch is reported as a warning (probably a typo)
 * and only rejected when the caller asks for strict checking.
 *
 * Pure functions: "today" is passed in, nothing is read from the clock. */
#ifndef HERALD_RRN_H
#define HERALD_RRN_H

#include <stddef.h>

#define RRN_DIGITS 13

typedef enum rrn_status {
    RRN_VALID = 0,
    RRN_CHECKSUM_WARNING = 1, /* accepted, but the check digit disagrees */
    RRN_INVALID = -1,
} rrn_status;

typedef struct rrn {
    char digits[RRN_DIGITS + 1]; /* the 13 digits, no hyphen, NUL-terminated */
    int year;                    /* full year, e.g. 1997 */
    int month, day;
    int female;                  /* 1 for even sex digits */
    int foreign;                 /* 1 for registered foreign residents */
} rrn;

/* Parses s (len bytes, 13 digits with or without a hyphen after the sixth).
 * today is the current date as YYYYMMDD. With strict set, a checksum
 * mismatch is an error. On RRN_INVALID, *reason names the problem without
 * quoting the number. */
rrn_status rrn_parse(const char *s, size_t len, int today, int strict,
                     rrn *out, const char **reason);

/* The check digit the pre-2020 scheme gives for the first 12 digits. */
int rrn_check_digit(const char digits[12]);

/* Writes a form of s that is safe for logs and error messages: at most the
 * first six characters, then a fixed mask, so neither the rest of the number
 * nor its length shows. out must hold RRN_MASKED_LEN+1 bytes. */
#define RRN_MASKED_LEN 14
void rrn_mask(char out[RRN_MASKED_LEN + 1], const char *s, size_t len);

/* Where text that is not meant to hold an RRN holds one anyway (a caller's
 * reference, a column name, an error quoting its input): the offset of the
 * back seven digits of the first run from `from` on that is six digits not
 * preceded by a digit, an optional hyphen, then seven digits; -1 when
 * there is none. No check digit is asked: what looks like an RRN is
 * treated as one. */
long rrn_find(const char *s, size_t len, size_t from);
/* Masks, in place, the back seven digits of every run rrn_find finds in
 * s (len bytes): what a log line or an error detail may show of an RRN
 * that reached it from outside. */
void rrn_mask_all(char *s, size_t len);
/* The same for a log line, where hex ids and hashes often hold thirteen
 * decimal digits in a row: only runs that stand alone, with no letter or
 * digit on either side, are masked. */
void rrn_mask_standalone(char *s, size_t len);

/* Where free text that herald keeps (a recipient's name or address, a
 * personalisation value) holds an RRN: the offset of the first run of
 * exactly 13 digits, or six and seven around a hyphen, with no digit on
 * either side, that rrn_parse takes (a real date by today, any check
 * digit); -1 when there is none. Stricter than rrn_find, because such
 * text may rightly hold other long numbers: a 14-digit account number or
 * a 13-digit run with no possible birth date is not refused. */
long rrn_find_valid(const char *s, size_t len, int today);
/* The same from offset from on, the text before it still counting as
 * what stands on the left of a run. */
long rrn_find_valid_from(const char *s, size_t len, size_t from, int today);

/* A day for rrn_find_valid that makes any birth date up to the year 9999
 * possible: for text judged without a clock (a title, a reason, a
 * template's own words). */
#define RRN_ANY_DAY 99991231

/* The day of ms (since 1970) as YYYYMMDD in UTC+9 (Korean time, where
 * RRN dates are reckoned). */
int rrn_day_of_ms(long long ms);
/* Today so: the one impure helper here, beside rrn_day_of_ms. */
int rrn_today(void);

#endif
