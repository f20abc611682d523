/* login_attempts.c -- see login_attempts.h. */
#include "login_attempts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Drops failures that left the window. */
static void forget_old(login_attempts *a, long long now_ms)
{
    int keep = 0;

    for (int i = 0; i < a->n; i++)
        if (now_ms - a->at[i] < LOGIN_ATTEMPTS_WINDOW_MS)
            a->at[keep++] = a->at[i];
    a->n = keep;
}

long long login_attempts_locked_for(const login_attempts *a, long long now_ms)
{
    long long wait;

    if (a->n < LOGIN_ATTEMPTS_MAX_FAILURES)
        return 0;
    /* The oldest of the last five must leave the window first. */
    wait = a->at[0] + LOGIN_ATTEMPTS_WINDOW_MS - now_ms;
    return wait > 0 ? wait : 0;
}

void login_attempts_record_failure(login_attempts *a, long long now_ms)
{
    forget_old(a, now_ms);
    if (a->n == LOGIN_ATTEMPTS_MAX_FAILURES) {
        memmove(a->at, a->at + 1, (LOGIN_ATTEMPTS_MAX_FAILURES - 1) * sizeof a->at[0]);
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
    while (*p && a->n < LOGIN_ATTEMPTS_MAX_FAILURES) {
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
