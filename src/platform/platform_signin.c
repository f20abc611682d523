/* platform_signin.c -- see platform_signin.h. */
#include "platform_signin.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "pin.h"

void platform_signin_wait_text(long long wait_ms, char *ko, char *en, size_t len)
{
    long secs = (long)((wait_ms + 999) / 1000);

    if (secs < 120) {
        snprintf(ko, len, "%ld초", secs);
        snprintf(en, len, "%ld second%s", secs, secs == 1 ? "" : "s");
    } else {
        snprintf(ko, len, "%ld분", (secs + 59) / 60);
        snprintf(en, len, "%ld minutes", (secs + 59) / 60);
    }
}

void platform_signin_log_refusal(const char *what, const char *phone, const char *source,
                                 login_verdict v, long long wait_ms)
{
    char masked[LOGIN_GUARD_MASKED_MAX];

    login_guard_mask_phone(phone, masked);
    log_warn("%s refused for %s from %s: %s (%lld s to wait)", what, masked, source,
             login_guard_verdict_name(v), (wait_ms + 999) / 1000);
}

/* After a wrong PIN: a source that has now failed on enough phones is
 * spraying, and is blocked. */
static void note_failure(platform *p, const char *phone, const char *source, const login_pair *pr)
{
    long long now = clock_now_ms();
    char masked[LOGIN_GUARD_MASKED_MAX];
    int spread, failures = 0;

    login_guard_mask_phone(phone, masked);
    if (login_guard_pair_wait(pr->failures) > 0)
        log_warn("sign-in: %s from %s waits %lld s after %d wrong PINs", masked, source,
                 login_guard_pair_wait(pr->failures) / 1000, pr->failures);
    pthread_mutex_lock(&p->lock);
    spread = platform_db_guard_spread(p->db, source, now - LOGIN_GUARD_WINDOW_MS, &failures);
    if (login_guard_is_spraying(spread, failures) &&
        platform_db_guard_block(p->db, source, now + LOGIN_GUARD_BLOCK_MS) == 0)
        log_warn("sign-in: source %s blocked for %lld min: %d wrong PINs for %d phones in an "
                 "hour (latest %s)", source, LOGIN_GUARD_BLOCK_MS / 60000, failures, spread,
                 masked);
    pthread_mutex_unlock(&p->lock);
}

/* A refusal for want of a slot: counted, and logged at most once a
 * minute with the count so far, as a flood repeats it. */
static void note_busy(platform *p)
{
    long long busy = atomic_fetch_add(&p->pin_checks_busy, 1) + 1;
    long long now = clock_now_ms(), last = atomic_load(&p->pin_busy_logged_ms);

    if ((last == 0 || now - last >= 60000) &&
        atomic_compare_exchange_strong(&p->pin_busy_logged_ms, &last, now))
        log_warn("PIN checks: all %d slots hashing; sign-ins, sign-ups and notice openings "
                 "answered 503 (%lld so far)", p->pin_check_slots, busy);
}

int platform_pin_slot_take(platform *p)
{
    int n = atomic_load(&p->pin_checks);

    while (n < p->pin_check_slots)
        if (atomic_compare_exchange_weak(&p->pin_checks, &n, n + 1))
            return 1;
    note_busy(p);
    return 0;
}

int platform_pin_slots_full(platform *p)
{
    if (atomic_load(&p->pin_checks) < p->pin_check_slots)
        return 0;
    note_busy(p);
    return 1;
}

void platform_pin_slot_give(platform *p)
{
    atomic_fetch_sub(&p->pin_checks, 1);
}

/* Under p->lock: the pair put back as it was before this attempt (NULL:
 * not written), and the device's failure undone (NULL: not counted).
 * Best effort: the database has just failed once. */
static void attempt_take_back(platform *p, const char *phone, const char *source,
                              const login_pair *before, const char *device)
{
    if ((before && platform_db_guard_pair_set(p->db, phone, source, before) != 0) ||
        platform_db_device_unfail(p->db, phone, device) != 0)
        log_warn("sign-in: a failed attempt could not be taken back after a database error");
}

pin_result platform_signin_check(platform *p, const char *source, const char *phone,
                                 const char *pin, member *m, long long *wait_ms,
                                 login_verdict *why, int of_session, const char *device)
{
    login_view v;
    login_pair before;
    long long now = clock_now_ms();
    int found, ok, paired, counted;

    *why = LOGIN_GO;
    pthread_mutex_lock(&p->lock);
    if (platform_db_guard_view(p->db, phone, source, now, &v) != 0) {
        pthread_mutex_unlock(&p->lock);
        return PIN_ERROR;
    }
    /* A device that cannot be read is no device: the member is spaced as
     * on any browser, not refused. */
    if ((v.known_device = platform_db_device_trusted(p->db, phone, device, now)) < 0) {
        log_warn("sign-in: the browser's device could not be read (database error); treated "
                 "as a new browser");
        v.known_device = 0;
    }
    /* only while the pair has failed fewer times than the free tries: a
     * source blocked for spraying must not guess on through stolen
     * sessions */
    if (of_session && v.pair.failures < LOGIN_GUARD_PAIR_FREE)
        v.source_blocked_until = 0;
    *why = login_guard_decide(&v, now, wait_ms);
    if (*why != LOGIN_GO) {
        pthread_mutex_unlock(&p->lock);
        return PIN_LOCKED;
    }
    /* A slot only for a PIN that will be hashed, so one the limits refuse,
     * or one waiting for the database, holds none; taken before the
     * failure is counted, so that a busy answer counts nothing. */
    if (!platform_pin_slot_take(p)) {
        pthread_mutex_unlock(&p->lock);
        return PIN_BUSY;
    }
    before = v.pair;
    login_guard_pair_fail(&v.pair, now); /* taken back below if the PIN is right */
    paired = platform_db_guard_pair_set(p->db, phone, source, &v.pair) == 0;
    counted = paired && platform_db_device_attempt(p->db, phone, device, now) == 0;
    found = counted ? platform_db_member_by_phone(p->db, phone, m) : -1;
    if (found < 0) /* the database's failure, not the person's: nothing counted */
        attempt_take_back(p, phone, source, paired ? &before : NULL, counted ? device : NULL);
    pthread_mutex_unlock(&p->lock);
    ok = found >= 0 && pin_ok(pin) &&
         pwhash_verify(found ? m->pin_hash : p->dummy_pin_hash, pin, strlen(pin));
    platform_pin_slot_give(p);
    if (found < 0)
        return PIN_ERROR;
    if (!ok || !found) {
        note_failure(p, phone, source, &v.pair);
        return PIN_WRONG;
    }
    pthread_mutex_lock(&p->lock);
    platform_db_guard_pair_clear(p->db, phone, source);
    platform_db_device_ok(p->db, phone, device);
    pthread_mutex_unlock(&p->lock);
    return PIN_OK;
}

int platform_signin_failure_text(pin_result r, login_verdict why, long long wait_ms, char *ko,
                                 char *en, size_t len)
{
    char wk[32], we[32];

    platform_signin_wait_text(wait_ms, wk, we, sizeof wk);
    if (r == PIN_LOCKED && why == LOGIN_SOURCE_BLOCKED) {
        snprintf(ko, len, "이 네트워크에서 여러 번호로 잘못된 로그인이 많아 차단되었습니다. %s 후에 "
                 "다시 시도하거나 다른 네트워크(모바일 데이터 등)를 이용하세요.", wk);
        snprintf(en, len, "Too many wrong sign-ins for many numbers from this network: blocked. "
                 "Try again in %s, or from another network (mobile data, say).", we);
        return 429;
    }
    if (r == PIN_LOCKED && why == LOGIN_WAIT_PHONE) {
        snprintf(ko, len, "이 번호로 여러 곳에서 로그인 시도가 많아 잠시 늦춰집니다. %s 후에 다시 "
                 "시도하세요.", wk);
        snprintf(en, len, "Many sign-in attempts for this number from many places: try again "
                 "in %s.", we);
        return 429;
    }
    if (r == PIN_LOCKED) {
        snprintf(ko, len, "PIN을 여러 번 잘못 입력했습니다. %s 후에 다시 시도하세요.", wk);
        snprintf(en, len, "Too many wrong PINs from here: try again in %s.", we);
        return 429;
    }
    if (r == PIN_WRONG) {
        snprintf(ko, len, "전화번호 또는 PIN이 맞지 않습니다.");
        snprintf(en, len, "Wrong phone number or PIN.");
        return 401;
    }
    if (r == PIN_BUSY) {
        snprintf(ko, len, "지금 PIN을 입력하는 사람이 많습니다. 잠시 후 다시 시도하세요.");
        snprintf(en, len, "Many people are entering their PINs right now. Please try again "
                 "in a moment.");
        return 503;
    }
    /* a database fault: ours, and passing (Retry-After from the caller) */
    snprintf(ko, len, "일시적인 오류입니다. 잠시 후 다시 시도하세요.");
    snprintf(en, len, "Temporary error. Please try again shortly.");
    return 503;
}
