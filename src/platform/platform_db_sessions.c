/* platform_db_sessions.c -- sign-in state: sessions by the hash of their
 * cookie, and the failures and windows the sign-in and sign-up limits
 * count. */
#include "platform_db.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "platform_db_internal.h"

int platform_db_session_insert(platform_db *d, const char *id_hash, const member *m,
                               long long expires_ms)
{
    db_bind_text(d->session_insert, 1, id_hash);
    sqlite3_bind_int64(d->session_insert, 2, m->id);
    sqlite3_bind_int64(d->session_insert, 3, expires_ms);
    db_bind_text(d->session_insert, 4, m->pin_hash);
    if (db_run(d->session_insert) != 0)
        return -1;
    return sqlite3_changes(d->db) == 1 ? 0 : 1;
}

long long platform_db_session_member(platform_db *d, const char *id_hash, long long now_ms)
{
    sqlite3_stmt *st = d->session_get;
    long long member = 0;
    int rc;

    db_bind_text(st, 1, id_hash);
    sqlite3_bind_int64(st, 2, now_ms);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        member = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        member = -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return member;
}

int platform_db_session_delete(platform_db *d, const char *id_hash)
{
    db_bind_text(d->session_delete, 1, id_hash);
    return db_run(d->session_delete);
}

int platform_db_sessions_expire(platform_db *d, long long now_ms)
{
    sqlite3_bind_int64(d->sessions_expire, 1, now_ms);
    return db_run(d->sessions_expire);
}

static void read_pair(sqlite3_stmt *st, void *out)
{
    login_pair *p = out;

    p->failures = sqlite3_column_int(st, 0);
    p->last_ms = sqlite3_column_int64(st, 1);
}

static void read_until(sqlite3_stmt *st, void *out)
{
    *(long long *)out = sqlite3_column_int64(st, 0);
}

/* Sums the phone's failures in the window, each source's capped. */
static int phone_failures(platform_db *d, const char *phone, long long now_ms, login_view *v)
{
    sqlite3_stmt *st = d->guard_phone;
    int rc;

    db_bind_text(st, 1, phone);
    sqlite3_bind_int64(st, 2, now_ms - LOGIN_GUARD_WINDOW_MS);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long last = sqlite3_column_int64(st, 1);
        v->phone_failures += login_guard_phone_weight(sqlite3_column_int(st, 0));
        if (last > v->phone_last_ms)
            v->phone_last_ms = last;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        log_error("platform db: %s", sqlite3_errmsg(d->db));
    return rc == SQLITE_DONE ? 0 : -1;
}

int platform_db_guard_view(platform_db *d, const char *phone, const char *source,
                           long long now_ms, login_view *v)
{
    memset(v, 0, sizeof *v);
    db_bind_text(d->guard_blocked, 1, source);
    if (platform_db_read_row(d->guard_blocked, read_until, &v->source_blocked_until) < 0)
        return -1;
    db_bind_text(d->guard_pair, 1, phone);
    db_bind_text(d->guard_pair, 2, source);
    if (platform_db_read_row(d->guard_pair, read_pair, &v->pair) < 0)
        return -1;
    return phone_failures(d, phone, now_ms, v);
}

int platform_db_guard_pair_set(platform_db *d, const char *phone, const char *source,
                               const login_pair *pair)
{
    db_bind_text(d->guard_pair_set, 1, phone);
    db_bind_text(d->guard_pair_set, 2, source);
    sqlite3_bind_int(d->guard_pair_set, 3, pair->failures);
    sqlite3_bind_int64(d->guard_pair_set, 4, pair->last_ms);
    return db_run(d->guard_pair_set);
}

int platform_db_guard_pair_clear(platform_db *d, const char *phone, const char *source)
{
    db_bind_text(d->guard_pair_clear, 1, phone);
    db_bind_text(d->guard_pair_clear, 2, source);
    return db_run(d->guard_pair_clear);
}

static void read_spread(sqlite3_stmt *st, void *out)
{
    int *v = out;

    v[0] = sqlite3_column_int(st, 0);
    v[1] = sqlite3_column_int(st, 1);
}

int platform_db_guard_spread(platform_db *d, const char *source, long long since_ms,
                             int *failures)
{
    int v[2] = {0, 0};

    db_bind_text(d->guard_spread, 1, source);
    sqlite3_bind_int64(d->guard_spread, 2, since_ms);
    if (platform_db_read_row(d->guard_spread, read_spread, v) < 0)
        return -1;
    *failures = v[1];
    return v[0];
}

int platform_db_guard_block(platform_db *d, const char *source, long long until_ms)
{
    db_bind_text(d->guard_block, 1, source);
    sqlite3_bind_int64(d->guard_block, 2, until_ms);
    return db_run(d->guard_block);
}

static void read_window(sqlite3_stmt *st, void *out)
{
    signup_window *w = out;

    w->start_ms = sqlite3_column_int64(st, 0);
    w->count = sqlite3_column_int(st, 1);
}

int platform_db_signup_window(platform_db *d, const char *source, signup_window *w)
{
    memset(w, 0, sizeof *w);
    db_bind_text(d->signup_get, 1, source);
    return platform_db_read_row(d->signup_get, read_window, w) < 0 ? -1 : 0;
}

int platform_db_signup_window_set(platform_db *d, const char *source, const signup_window *w)
{
    db_bind_text(d->signup_set, 1, source);
    sqlite3_bind_int64(d->signup_set, 2, w->start_ms);
    sqlite3_bind_int(d->signup_set, 3, w->count);
    return db_run(d->signup_set);
}

int platform_db_guard_expire(platform_db *d, long long now_ms)
{
    /* A pair's failures slow it for a day after its last one
     * (login_guard.h); the phone and spray counts look back an hour. */
    sqlite3_bind_int64(d->guard_expire_pairs, 1, now_ms - LOGIN_GUARD_PAIR_MEMORY_MS);
    sqlite3_bind_int64(d->guard_expire_blocks, 1, now_ms);
    sqlite3_bind_int64(d->signup_expire, 1, now_ms - SIGNUP_LIMIT_WINDOW_MS);
    return db_run(d->guard_expire_pairs) | db_run(d->guard_expire_blocks) |
           db_run(d->signup_expire);
}
