/* login_guard.h -- the rules that limit PIN guessing without letting
 * anyone lock a member out (docs/design.md, "Sign-in limits"). The
 * consoles' staff sign-in (console_auth.h) counts its failures by the
 * same rules, with the account's name where the pages use a phone.
 *
 * A PIN is short (pin.h), so guessing must be slow; but a limit per phone
 * alone lets anyone who knows a number lock its owner out. Failures are
 * therefore counted three ways:
 *   - per (phone, source) pair: LOGIN_GUARD_PAIR_FREE failures are free,
 *     then each one doubles the wait before that source may try that
 *     phone again (1 s, 2 s, 4 s ... up to LOGIN_GUARD_PAIR_MAX_WAIT_MS).
 *     A member on a new device or network starts from nothing.
 *   - per phone, from every source: each source's failures count at most
 *     LOGIN_GUARD_PAIR_FREE, so one source cannot raise it alone; past
 *     LOGIN_GUARD_PHONE_SLOW_AFTER in the window, attempts on the phone are
 *     spaced LOGIN_GUARD_PHONE_STEP_MS apart. It slows, never locks; and
 *     a device known to the account (login_view) is not spaced at all.
 *   - per source, over every phone: failures on LOGIN_GUARD_SPRAY_PHONES
 *     phones in the window, or LOGIN_GUARD_SPRAY_FAILURES failures counted
 *     by the pairs it used in the window, block the source for
 *     LOGIN_GUARD_BLOCK_MS (without the count, one source could guess
 *     nine phones some fifteen times each an hour).
 * Pure logic: the caller passes the clock and what it stored. */
#ifndef HERALD_LOGIN_GUARD_H
#define HERALD_LOGIN_GUARD_H

#include <stddef.h>

#define LOGIN_GUARD_PAIR_FREE 3
#define LOGIN_GUARD_PAIR_MAX_WAIT_MS (60LL * 60 * 1000)
/* A pair's failures are forgotten a day after its last one. */
#define LOGIN_GUARD_PAIR_MEMORY_MS (24LL * 60 * 60 * 1000)
#define LOGIN_GUARD_WINDOW_MS (60LL * 60 * 1000)
#define LOGIN_GUARD_PHONE_SLOW_AFTER 10
#define LOGIN_GUARD_PHONE_STEP_MS (30LL * 1000)
#define LOGIN_GUARD_SPRAY_PHONES 10
#define LOGIN_GUARD_SPRAY_FAILURES 30
#define LOGIN_GUARD_BLOCK_MS (60LL * 60 * 1000)

/* A phone number shown in logs: "010****5678". */
#define LOGIN_GUARD_MASKED_MAX 24

/* The failures of one phone from one source. */
typedef struct login_pair {
    int failures;
    long long last_ms;
} login_pair;

/* What the store knows when an attempt comes. */
typedef struct login_view {
    long long source_blocked_until; /* 0: not blocked */
    login_pair pair;
    int phone_failures;             /* in the window, each source's capped */
    long long phone_last_ms;        /* the phone's latest failure */
    /* The attempt comes from a device that signed in to this account
     * before (a device cookie) and has not failed on it since more than
     * login_guard_device_trusted allows: the phone's spacing does not
     * hold it back, or sources failing in turn, one attempt as each wait
     * ends, would keep the owner out for as long as they went on. Its
     * source's own pair still counts. */
    int known_device;
} login_view;

typedef enum login_verdict {
    LOGIN_GO,             /* check the PIN */
    LOGIN_WAIT_PAIR,      /* this source tried this phone too often */
    LOGIN_WAIT_PHONE,     /* the phone is being guessed from many sources */
    LOGIN_SOURCE_BLOCKED, /* this source tried too many phones */
} login_verdict;

/* Whether an attempt may go on now; when not, *wait_ms says how long. */
login_verdict login_guard_decide(const login_view *v, long long now_ms, long long *wait_ms);
/* The wait a pair owes after this many failures (0 while free). */
long long login_guard_pair_wait(int failures);
/* Whether a device that signed in to the account still passes the
 * phone's spacing after failures on it, the latest at last_fail_ms: a
 * stolen device cookie, tried from many sources, must not guess past the
 * spacing either, so LOGIN_GUARD_PAIR_FREE failures in the window end
 * it until the window has passed (or the device signs in again). */
int login_guard_device_trusted(int failures, long long last_fail_ms, long long now_ms);
/* Records one more failure of a pair (forgetting an old run first). */
void login_guard_pair_fail(login_pair *p, long long now_ms);
/* What one pair adds to its phone's count. */
int login_guard_phone_weight(int pair_failures);
/* After a failure: 1 when the source's failures now span enough phones,
 * or its pairs active in the window count enough failures (each pair's
 * whole run: a pair remembers its failures a day), to be spraying. */
int login_guard_is_spraying(int phones_failed_in_window, int pair_failures_in_window);
/* "01012345678" -> "010****5678": enough for an operator to tell cases
 * apart, not to read the number. */
void login_guard_mask_phone(const char *phone, char out[LOGIN_GUARD_MASKED_MAX]);
/* The verdict's name in logs. */
const char *login_guard_verdict_name(login_verdict v);

#endif
