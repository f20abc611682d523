/* pin.c -- see pin.h. */
#include "pin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pin_ok(const char *pin)
{
    size_t n = strlen(pin);

    if (n < PIN_MIN_DIGITS || n > PIN_MAX_DIGITS)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return 0;
    return 1;
}

int phone_normalize(const char *in, char out[PHONE_MAX_CHARS + 1])
{
    size_t n = strlen(in), d = 0;

    if (n < PHONE_MIN_CHARS || n > PHONE_MAX_CHARS || in[0] == '-' || in[n - 1] == '-')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (in[i] >= '0' && in[i] <= '9')
            out[d++] = in[i];
        else if (in[i] != '-' || in[i + 1] == '-')
            return -1;
    }
    out[d] = '\0';
    return d >= PHONE_MIN_CHARS ? 0 : -1;
}

/* Drops failures that left the window. */
static void forget_old(login_attempts *a, long long now_ms)
{
    int keep = 0;

    for (int i = 0; i < a->n; i++)
        if (now_ms - a->at[i] < LOGIN_WINDOW_MS)
            a->at[keep++] = a->at[i];
    a->n = keep;
}

long long login_locked_for(const login_attempts *a, long long now_ms)
{
    long long wait;

    if (a->n < LOGIN_MAX_FAILURES)
        return 0;
    /* The oldest of the last five must leave the window first. */
    wait = a->at[0] + LOGIN_WINDOW_MS - now_ms;
    return wait > 0 ? wait : 0;
}

void login_record_failure(login_attempts *a, long long now_ms)
{
    forget_old(a, now_ms);
    if (a->n == LOGIN_MAX_FAILURES) {
        memmove(a->at, a->at + 1, (LOGIN_MAX_FAILURES - 1) * sizeof a->at[0]);
        a->n--;
    }
    a->at[a->n++] = now_ms;
}

void login_attempts_format(const login_attempts *a, char out[LOGIN_ATTEMPTS_TEXT_MAX + 1])
{
    size_t off = 0;

    out[0] = '\0';
    for (int i = 0; i < a->n; i++)
        off += (size_t)snprintf(out + off, LOGIN_ATTEMPTS_TEXT_MAX + 1 - off, "%s%lld",
                                i ? "," : "", a->at[i]);
}

void login_attempts_parse(login_attempts *a, const char *text)
{
    const char *p = text;

    memset(a, 0, sizeof *a);
    while (*p && a->n < LOGIN_MAX_FAILURES) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || (a->n && v < a->at[a->n - 1])) {
            memset(a, 0, sizeof *a);
            return;
        }
        a->at[a->n++] = v;
        if (*end != ',')
            break;
        p = end + 1;
    }
}
