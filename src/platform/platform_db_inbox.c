/* platform_db_inbox.c -- inboxes: relayed notices in, their reads; and
 * the directory changes the hub is still to hear of. The alerts and the
 * reports on them are platform_db_outbox.c's. */
#include "platform_db.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "platform_db_internal.h"

int platform_db_inbox_insert(platform_db *d, const notice_row *n)
{
    sqlite3_stmt *st = d->inbox_insert;

    db_bind_text(st, 1, n->notice);
    sqlite3_bind_int64(st, 2, n->member);
    db_bind_text(st, 3, n->rk);
    db_bind_text(st, 4, n->agency);
    db_bind_text(st, 5, n->title);
    db_bind_text(st, 6, n->doc_sha256);
    db_bind_text(st, 7, n->deadline);
    db_bind_text(st, 8, n->link);
    db_bind_text(st, 9, n->received);
    sqlite3_bind_int(st, 10, n->pending);
    if (n->pending)
        db_bind_text(st, 11, n->consent_until);
    if (db_run(st) != 0)
        return -1;
    if (sqlite3_changes(d->db) == 0)
        return 0;
    platform_db_counted(d, PLATFORM_NOTICE_RECEIVED);
    return 1;
}

static void read_notice(sqlite3_stmt *st, void *out)
{
    notice_row *n = out;

    db_copy_text(n->notice, sizeof n->notice, st, 0);
    n->member = sqlite3_column_int64(st, 1);
    db_copy_text(n->rk, sizeof n->rk, st, 2);
    db_copy_text(n->agency, sizeof n->agency, st, 3);
    db_copy_text(n->title, sizeof n->title, st, 4);
    db_copy_text(n->doc_sha256, sizeof n->doc_sha256, st, 5);
    db_copy_text(n->deadline, sizeof n->deadline, st, 6);
    db_copy_text(n->link, sizeof n->link, st, 7);
    db_copy_text(n->received, sizeof n->received, st, 8);
    n->read = sqlite3_column_int(st, 9);
    db_copy_text(n->read_at, sizeof n->read_at, st, 10);
    n->pending = sqlite3_column_int(st, 11);
    db_copy_text(n->consent_until, sizeof n->consent_until, st, 12);
    db_copy_text(n->withdrawn_at, sizeof n->withdrawn_at, st, 13);
    db_copy_text(n->withdrawn_reason, sizeof n->withdrawn_reason, st, 14);
}

int platform_db_inbox_get(platform_db *d, const char *notice, notice_row *n)
{
    db_bind_text(d->inbox_get, 1, notice);
    return platform_db_read_row(d->inbox_get, read_notice, n);
}

/* A member's page of notices from st (inbox_list or inbox_list_newer,
 * which share their parameters), from the row at (NULL: none) on. */
static int list_from(platform_db *d, sqlite3_stmt *st, long long member, int limit,
                     const char *received, const char *notice,
                     void (*fn)(void *ctx, const notice_row *n), void *ctx)
{
    notice_row n;
    int rc;

    sqlite3_bind_int64(st, 1, member);
    sqlite3_bind_int(st, 2, limit);
    db_bind_text(st, 3, received);
    db_bind_text(st, 4, notice);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_notice(st, &n);
        fn(ctx, &n);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        log_error("database: %s", sqlite3_errmsg(d->db));
        return -1;
    }
    return 0;
}

int platform_db_inbox_list(platform_db *d, long long member, int limit,
                           const notice_row *after,
                           void (*fn)(void *ctx, const notice_row *n), void *ctx)
{
    /* "~" sorts after every time's digits: the first page has no bound */
    return list_from(d, d->inbox_list, member, limit, after ? after->received : "~",
                     after ? after->notice : "", fn, ctx);
}

int platform_db_inbox_list_newer(platform_db *d, long long member, int limit,
                                 const notice_row *since,
                                 void (*fn)(void *ctx, const notice_row *n), void *ctx)
{
    return list_from(d, d->inbox_list_newer, member, limit, since->received, since->notice,
                     fn, ctx);
}

int platform_db_inbox_mark_read(platform_db *d, const char *notice, const char *at)
{
    sqlite3_stmt *st = d->outbox_read_reminders;

    db_bind_text(d->inbox_read, 1, at);
    db_bind_text(d->inbox_read, 2, notice);
    if (db_run(d->inbox_read) != 0)
        return -1;
    if (sqlite3_changes(d->db) > 0)
        platform_db_counted(d, PLATFORM_NOTICE_READ);
    /* at every opening, not only the first: one that failed is tried again */
    sqlite3_bind_int64(st, 1, d->sent_upto);
    db_bind_text(st, 2, notice);
    db_bind_text(st, 3, at);
    if (db_run(st) != 0) /* the mark stands; a reminder may still go */
        log_error("open: notice %s read, but its queued reminders stay queued", notice);
    return 0;
}

int platform_db_inbox_withdraw(platform_db *d, const char *notice, const char *at,
                               const char *reason)
{
    sqlite3_stmt *st = d->inbox_withdraw;
    int rc;

    db_bind_text(st, 1, at);
    db_bind_text(st, 2, reason);
    db_bind_text(st, 3, notice);
    rc = db_step_changed(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == 1) {
        st = d->outbox_withdraw;
        sqlite3_bind_int64(st, 1, d->sent_upto);
        db_bind_text(st, 2, notice);
        db_bind_text(st, 3, at);
        if (db_run(st) != 0)
            rc = -1;
    }
    return rc;
}

int platform_db_inbox_pending(platform_db *d, long long member,
                              void (*fn)(void *ctx, const notice_row *n), void *ctx)
{
    sqlite3_stmt *st = d->inbox_pending;
    notice_row n;
    int rc;

    sqlite3_bind_int64(st, 1, member);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_notice(st, &n);
        fn(ctx, &n);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps a bound write and resets st: 1 changed a row, 0 none, -1 error. */
static int changed(sqlite3_stmt *st)
{
    int rc = db_step_changed(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int platform_db_inbox_reveal(platform_db *d, const char *notice, const char *at)
{
    db_bind_text(d->inbox_reveal, 1, at);
    db_bind_text(d->inbox_reveal, 2, notice);
    return changed(d->inbox_reveal);
}

int platform_db_inbox_drop(platform_db *d, const char *notice)
{
    db_bind_text(d->inbox_drop, 1, notice);
    return changed(d->inbox_drop);
}

int platform_db_reminder_note(platform_db *d, const char *notice, int n)
{
    db_bind_text(d->reminder_note, 1, notice);
    sqlite3_bind_int(d->reminder_note, 2, n);
    return changed(d->reminder_note);
}

int platform_db_consent_report(platform_db *d, const char *notice, const char *at)
{
    db_bind_text(d->consent_report, 1, notice);
    db_bind_text(d->consent_report, 2, at);
    return db_run(d->consent_report);
}

int platform_db_consent_batch(platform_db *d, int limit,
                              void (*fn)(void *ctx, long long seq, const char *notice,
                                         const char *at),
                              void *ctx)
{
    sqlite3_stmt *st = d->consent_batch;
    int rc, n = 0;

    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, sqlite3_column_int64(st, 0), db_text(st, 1), db_text(st, 2));
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? n : -1;
}

int platform_db_consent_reported_upto(platform_db *d, long long seq)
{
    sqlite3_bind_int64(d->consent_done, 1, seq);
    return db_run(d->consent_done);
}

int platform_db_directory_queue(platform_db *d, const char *rk, int consent, int preference)
{
    sqlite3_stmt *st = d->dir_insert;

    db_bind_text(st, 1, rk);
    sqlite3_bind_int(st, 2, consent);
    sqlite3_bind_int(st, 3, preference);
    return db_run(st);
}

int platform_db_directory_batch(platform_db *d, int limit,
                                void (*fn)(void *ctx, long long id, const char *rk, int consent,
                                           int preference),
                                void *ctx)
{
    sqlite3_stmt *st = d->dir_batch;
    int rc, n = 0;

    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, sqlite3_column_int64(st, 0), db_text(st, 1), sqlite3_column_int(st, 2),
           sqlite3_column_int(st, 3));
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? n : -1;
}

int platform_db_directory_delete_upto(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->dir_delete, 1, id);
    return db_run(d->dir_delete);
}
