/* signup_limit.h -- how many web sign-ups one source may ask for, and how
 * many sign-up messages one phone gets.
 *
 * Each sign-up costs an idsvc call and a PIN hash, and every one sends a
 * message to a phone, so a source gets SIGNUP_LIMIT_PER_SOURCE in a fixed
 * window of SIGNUP_LIMIT_WINDOW_MS. Pure logic: the caller passes the
 * clock and stores the window. */
#ifndef HERALD_SIGNUP_LIMIT_H
#define HERALD_SIGNUP_LIMIT_H

#define SIGNUP_LIMIT_PER_SOURCE 10
#define SIGNUP_LIMIT_WINDOW_MS (60LL * 60 * 1000)

/* And what one phone is sent, from any number of sources: a sign-up's
 * outcome (done, phone taken, already a member) at most this many times
 * a day (platform_alert.c). */
#define SIGNUP_MESSAGES_PER_PHONE 3
#define SIGNUP_MESSAGES_WINDOW_MS (24LL * 60 * 60 * 1000)

typedef struct signup_window {
    long long start_ms; /* 0: none yet */
    int count;
} signup_window;

/* Counts one sign-up at now_ms and returns 0, or returns the ms until the
 * source may sign up again (w unchanged). */
long long signup_limit_take(signup_window *w, long long now_ms);

#endif
