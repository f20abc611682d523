/* login_guard.c -- see login_guard.h. */
#include "login_guard.h"

#include <stdio.h>
#include <string.h>

long long login_guard_pair_wait(int failures)
{
    int over = failures - LOGIN_GUARD_PAIR_FREE;

    if (over < 0)
        return 0;
    if (over >= 22) /* 2^22 s is past any cap: no shift overflow */
        return LOGIN_GUARD_PAIR_MAX_WAIT_MS;
    long long wait = 1000LL << over;
    return wait < LOGIN_GUARD_PAIR_MAX_WAIT_MS ? wait : LOGIN_GUARD_PAIR_MAX_WAIT_MS;
}

static int pair_fresh(const login_pair *p, long long now_ms)
{
    return p->failures > 0 && now_ms - p->last_ms < LOGIN_GUARD_PAIR_MEMORY_MS;
}

login_verdict login_guard_decide(const login_view *v, long long now_ms, long long *wait_ms)
{
    long long until;

    *wait_ms = 0;
    if (v->source_blocked_until > now_ms) {
        *wait_ms = v->source_blocked_until - now_ms;
        return LOGIN_SOURCE_BLOCKED;
    }
    if (pair_fresh(&v->pair, now_ms)) {
        until = v->pair.last_ms + login_guard_pair_wait(v->pair.failures);
        if (until > now_ms) {
            *wait_ms = until - now_ms;
            return LOGIN_WAIT_PAIR;
        }
    }
    if (v->phone_failures >= LOGIN_GUARD_PHONE_SLOW_AFTER && !v->known_device) {
        until = v->phone_last_ms + LOGIN_GUARD_PHONE_STEP_MS;
        if (until > now_ms) {
            *wait_ms = until - now_ms;
            return LOGIN_WAIT_PHONE;
        }
    }
    return LOGIN_GO;
}

int login_guard_device_trusted(int failures, long long last_fail_ms, long long now_ms)
{
    return failures < LOGIN_GUARD_PAIR_FREE || now_ms - last_fail_ms >= LOGIN_GUARD_WINDOW_MS;
}

void login_guard_pair_fail(login_pair *p, long long now_ms)
{
    if (!pair_fresh(p, now_ms))
        p->failures = 0;
    if (p->failures < 1000000)
        p->failures++;
    p->last_ms = now_ms;
}

int login_guard_phone_weight(int pair_failures)
{
    if (pair_failures < 0)
        return 0;
    return pair_failures < LOGIN_GUARD_PAIR_FREE ? pair_failures : LOGIN_GUARD_PAIR_FREE;
}

int login_guard_is_spraying(int phones_failed_in_window, int pair_failures_in_window)
{
    return phones_failed_in_window >= LOGIN_GUARD_SPRAY_PHONES ||
           pair_failures_in_window >= LOGIN_GUARD_SPRAY_FAILURES;
}

void login_guard_mask_phone(const char *phone, char out[LOGIN_GUARD_MASKED_MAX])
{
    size_t n = strlen(phone);

    if (n < 8 || n >= LOGIN_GUARD_MASKED_MAX) {
        snprintf(out, LOGIN_GUARD_MASKED_MAX, "***");
        return;
    }
    /* The first three (the carrier prefix) and the last four stay. */
    memcpy(out, phone, 3);
    memset(out + 3, '*', n - 7);
    memcpy(out + n - 4, phone + n - 4, 5);
}

const char *login_guard_verdict_name(login_verdict v)
{
    switch (v) {
    case LOGIN_WAIT_PAIR: return "too many wrong PINs for this phone from this source";
    case LOGIN_WAIT_PHONE: return "phone guessed from many sources";
    case LOGIN_SOURCE_BLOCKED: return "source blocked for trying many phones";
    default: return "allowed";
    }
}
