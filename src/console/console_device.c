/* console_device.c -- the browsers each account signed in from.
 *
 * Once many sources fail on an account, the sign-in limits space its
 * attempts 30 s apart (login_guard.h): that slows guessing spread over
 * many addresses. But four addresses failing in turn, one attempt as
 * each wait ended, kept the account's owner out for as long as they went
 * on, with the right password and code. A browser that signed in to the
 * account holds a device cookie, and the spacing does not hold it back;
 * its own source's failures still count, and so do the device's: a
 * cookie stolen and tried from many sources is spaced after
 * LOGIN_GUARD_PAIR_FREE failures (login_guard_device_trusted), each
 * counted before its password is checked. As with sessions, only the
 * SHA-256 of the cookie is stored: a copy of the database names no
 * device. */
#include <string.h>

#include "console_auth.h"
#include "console_auth_internal.h"
#include "crypto.h"
#include "db.h"
#include "login_guard.h"

#define DEVICES_PER_ACCOUNT 10

/* Under a->lock: 1 when device is a cookie of name's made less than
 * CONSOLE_DEVICE_MS ago (its failures since in *failures and
 * *last_fail_ms), 0 when not, -1 on a database error. */
static int device_row(console_auth *a, const char *name, const char *device, long long now_ms,
                      int *failures, long long *last_fail_ms)
{
    char hash[65];
    sqlite3_stmt *st;
    int rc;

    if (!device || console_id_hash(device, hash) != 0)
        return 0;
    st = db_prepare(a->db, "SELECT failures, last_fail_ms FROM console_devices WHERE id_hash = ?"
                           " AND console = ? AND name = ? AND created_ms > ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, hash);
    db_bind_text(st, 2, a->console);
    db_bind_text(st, 3, name);
    sqlite3_bind_int64(st, 4, now_ms - CONSOLE_DEVICE_MS);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *failures = sqlite3_column_int(st, 0);
        *last_fail_ms = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int console_device_known_locked(console_auth *a, const char *name, const char *device,
                                long long now_ms)
{
    long long last_fail = 0;
    int failures = 0, rc = device_row(a, name, device, now_ms, &failures, &last_fail);

    return rc == 1 ? login_guard_device_trusted(failures, last_fail, now_ms) : rc;
}

/* Runs sql on name's row of device (?1 its hash, ?2 the console, ?3
 * name, ?4 now_ms, ?5 the guard's window). */
static void device_run(console_auth *a, const char *name, const char *device, const char *sql,
                       long long now_ms)
{
    char hash[65];
    sqlite3_stmt *st;

    if (!device || console_id_hash(device, hash) != 0 || !(st = db_prepare(a->db, sql)))
        return;
    db_bind_text(st, 1, hash);
    db_bind_text(st, 2, a->console);
    db_bind_text(st, 3, name);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int64(st, 5, LOGIN_GUARD_WINDOW_MS);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

/* One failure more (a run older than the window forgotten first). */
void console_device_attempt_locked(console_auth *a, const char *name, const char *device,
                                   long long now_ms)
{
    device_run(a, name, device,
               "UPDATE console_devices SET failures = CASE WHEN ?4 - last_fail_ms >= ?5"
               " THEN 1 ELSE failures + 1 END, last_fail_ms = ?4 WHERE id_hash = ?1"
               " AND console = ?2 AND name = ?3", now_ms);
}

void console_device_ok_locked(console_auth *a, const char *name, const char *device)
{
    device_run(a, name, device, "UPDATE console_devices SET failures = 0 WHERE id_hash = ?1"
                                " AND console = ?2 AND name = ?3", 0);
}

void console_device_unfail_locked(console_auth *a, const char *name, const char *device)
{
    device_run(a, name, device, "UPDATE console_devices SET failures = failures - 1"
                                " WHERE id_hash = ?1 AND console = ?2 AND name = ?3"
                                " AND failures > 0", 0);
}

/* The account's oldest devices past DEVICES_PER_ACCOUNT go: a script
 * signing in without the cookie again and again grows nothing past it. */
static void devices_trim(console_auth *a, const char *name)
{
    sqlite3_stmt *st = db_prepare(a->db, "DELETE FROM console_devices WHERE console = ?1"
                                         " AND name = ?2 AND id_hash NOT IN (SELECT id_hash"
                                         " FROM console_devices WHERE console = ?1 AND name = ?2"
                                         " ORDER BY created_ms DESC LIMIT ?3)");

    if (!st)
        return;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, name);
    sqlite3_bind_int(st, 3, DEVICES_PER_ACCOUNT);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

/* Devices past their time go as new ones come. */
static void devices_expire(console_auth *a, long long now_ms)
{
    sqlite3_stmt *st = db_prepare(a->db, "DELETE FROM console_devices WHERE console = ?"
                                         " AND created_ms <= ?");

    if (!st)
        return;
    db_bind_text(st, 1, a->console);
    sqlite3_bind_int64(st, 2, now_ms - CONSOLE_DEVICE_MS);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

int console_device_remember(console_auth *a, const char *name, const char *device,
                            long long now_ms, char id[CONSOLE_SESSION_LEN + 1])
{
    char hash[65];
    sqlite3_stmt *st;
    long long last_fail;
    int rc, failures;

    pthread_mutex_lock(&a->lock);
    rc = device_row(a, name, device, now_ms, &failures, &last_fail);
    if (rc == 1) /* signed in again: trusted again */
        console_device_ok_locked(a, name, device);
    if (rc != 0) {
        pthread_mutex_unlock(&a->lock);
        return rc < 0 ? -1 : 0;
    }
    devices_expire(a, now_ms);
    console_new_id(id, hash);
    st = db_prepare(a->db, "INSERT INTO console_devices(id_hash, console, name, created_ms)"
                           " VALUES (?, ?, ?, ?)");
    if (st) {
        db_bind_text(st, 1, hash);
        db_bind_text(st, 2, a->console);
        db_bind_text(st, 3, name);
        sqlite3_bind_int64(st, 4, now_ms);
    }
    rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        devices_trim(a, name);
    pthread_mutex_unlock(&a->lock);
    if (rc != SQLITE_DONE) {
        secure_wipe(id, CONSOLE_SESSION_LEN + 1);
        return -1;
    }
    return 1;
}
