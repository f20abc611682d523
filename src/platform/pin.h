/* pin.h -- what a member signs in with: a phone number and a PIN, and the
 * rule that limits guessing.
 *
 * A 4-8 digit PIN has at most 10^8 values, so no hash makes a stolen PIN
 * table safe; what protects members is refusing to let anyone guess online.
 * The rule is exact: at most LOGIN_MAX_FAILURES failed attempts per phone in
 * any LOGIN_WINDOW_MS, kept as the times of the last failures. Pure logic:
 * the caller passes the clock and stores the record. */
#ifndef HERALD_PIN_H
#define HERALD_PIN_H

#include <stddef.h>

#define PIN_MIN_DIGITS 4
#define PIN_MAX_DIGITS 8
#define PHONE_MIN_CHARS 10
#define PHONE_MAX_CHARS 13

#define LOGIN_MAX_FAILURES 5
#define LOGIN_WINDOW_MS (15LL * 60 * 1000)
/* Text form: up to five decimal times joined by commas. */
#define LOGIN_ATTEMPTS_TEXT_MAX (LOGIN_MAX_FAILURES * 21)

/* 1 if pin is 4-8 ASCII digits. */
int pin_ok(const char *pin);

/* Accepts 10-13 characters of digits and hyphens (at least 10 digits, no
 * leading, trailing or doubled hyphen) and writes the digits alone to out,
 * so "010-1234-5678" and "01012345678" are the same member. Returns 0 or
 * -1. */
int phone_normalize(const char *in, char out[PHONE_MAX_CHARS + 1]);

/* The recent failed attempts of one phone, oldest first. */
typedef struct login_attempts {
    long long at[LOGIN_MAX_FAILURES];
    int n;
} login_attempts;

/* Milliseconds until another attempt is allowed; 0 when it is now. */
long long login_locked_for(const login_attempts *a, long long now_ms);
/* Records a failure at now_ms, forgetting ones older than the window. */
void login_record_failure(login_attempts *a, long long now_ms);

/* Stored form. Parsing unknown or damaged text yields no failures. */
void login_attempts_format(const login_attempts *a, char out[LOGIN_ATTEMPTS_TEXT_MAX + 1]);
void login_attempts_parse(login_attempts *a, const char *text);

#endif
