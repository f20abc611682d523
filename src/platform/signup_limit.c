/* signup_limit.c -- see signup_limit.h. */
#include "signup_limit.h"

long long signup_limit_take(signup_window *w, long long now_ms)
{
    if (w->start_ms <= 0 || now_ms - w->start_ms >= SIGNUP_LIMIT_WINDOW_MS ||
        now_ms < w->start_ms) {
        w->start_ms = now_ms;
        w->count = 0;
    }
    if (w->count >= SIGNUP_LIMIT_PER_SOURCE)
        return w->start_ms + SIGNUP_LIMIT_WINDOW_MS - now_ms;
    w->count++;
    return 0;
}
