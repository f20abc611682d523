/* platform_db_sessions.c -- sign-in state: sessions by the hash of their
 * cookie, and login failures per phone. */
#include "platform_db.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "platform_db_internal.h"

int platform_db_session_insert(platform_db *d, const char *id_hash, long long member,
                               long long expires_ms)
{
    db_bind_text(d->session_insert, 1, id_hash);
    sqlite3_bind_int64(d->session_insert, 2, member);
    sqlite3_bind_int64(d->session_insert, 3, expires_ms);
    return db_run(d->session_insert);
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

int platform_db_attempts_get(platform_db *d, const char *phone, login_attempts *a)
{
    sqlite3_stmt *st = d->attempts_get;
    int rc;

    memset(a, 0, sizeof *a);
    db_bind_text(st, 1, phone);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        login_attempts_parse(a, db_text(st, 0));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int platform_db_attempts_set(platform_db *d, const char *phone, const login_attempts *a)
{
    char text[LOGIN_ATTEMPTS_TEXT_MAX + 1];

    login_attempts_format(a, text);
    db_bind_text(d->attempts_set, 1, phone);
    db_bind_text(d->attempts_set, 2, text);
    sqlite3_bind_int64(d->attempts_set, 3, a->n ? a->at[a->n - 1] : 0);
    return db_run(d->attempts_set);
}

int platform_db_attempts_clear(platform_db *d, const char *phone)
{
    db_bind_text(d->attempts_clear, 1, phone);
    return db_run(d->attempts_clear);
}

int platform_db_attempts_expire(platform_db *d, long long now_ms)
{
    /* A failure counts while now - at < LOGIN_ATTEMPTS_WINDOW_MS (login_attempts.c): once the
     * newest is that old, the row locks nobody and is only weight. */
    sqlite3_bind_int64(d->attempts_expire, 1, now_ms - LOGIN_ATTEMPTS_WINDOW_MS);
    return db_run(d->attempts_expire);
}
