/* login_attempts.h -- the rule that limits PIN guessing.
 *
 * A PIN is short (pin.h), so the protection is online: at most
 * LOGIN_ATTEMPTS_MAX_FAILURES failed attempts per phone in any
 * LOGIN_ATTEMPTS_WINDOW_MS, kept as the times of the last failures. Pure
 * logic: the caller passes the clock and stores the record. */
#ifndef HERALD_LOGIN_ATTEMPTS_H
#define HERALD_LOGIN_ATTEMPTS_H

#define LOGIN_ATTEMPTS_MAX_FAILURES 5
#define LOGIN_ATTEMPTS_WINDOW_MS (15LL * 60 * 1000)
/* Text form: up to five decimal times joined by commas. */
#define LOGIN_ATTEMPTS_TEXT_MAX (LOGIN_ATTEMPTS_MAX_FAILURES * 21)

/* The recent failed attempts of one phone, oldest first. */
typedef struct login_attempts {
    long long at[LOGIN_ATTEMPTS_MAX_FAILURES];
    int n;
} login_attempts;

/* Milliseconds until another attempt is allowed; 0 when it is now. */
long long login_attempts_locked_for(const login_attempts *a, long long now_ms);
/* Records a failure at now_ms, forgetting ones older than the window. */
void login_attempts_record_failure(login_attempts *a, long long now_ms);

/* Stored form. Parsing unknown or damaged text yields no failures. */
void login_attempts_format(const login_attempts *a, char out[LOGIN_ATTEMPTS_TEXT_MAX + 1]);
void login_attempts_parse(login_attempts *a, const char *text);

#endif
