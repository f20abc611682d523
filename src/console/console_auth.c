/* console_auth.c -- see console_auth.h: accounts and the sign-in check.
 * Sessions are in console_session.c. */
#include "console_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "console_auth_internal.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "str_copy.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS console_users("
    " console TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,"
    " pw_hash TEXT NOT NULL, totp_secret BLOB NOT NULL, totp_last_step INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL, PRIMARY KEY(console, name));"
    "CREATE TABLE IF NOT EXISTS console_sessions("
    " id_hash TEXT PRIMARY KEY, console TEXT NOT NULL, name TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL);"
    /* Browsers each account signed in from (console_device.c). */
    "CREATE TABLE IF NOT EXISTS console_devices("
    " id_hash TEXT PRIMARY KEY, console TEXT NOT NULL, name TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, failures INTEGER NOT NULL DEFAULT 0,"
    " last_fail_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS console_devices_made ON console_devices(console, created_ms);"
    /* login_guard.h's state: failures per (account, source), and the
     * sources blocked for spraying many accounts. */
    "CREATE TABLE IF NOT EXISTS console_login_pairs("
    " console TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,"
    " failures INTEGER NOT NULL, last_ms INTEGER NOT NULL, PRIMARY KEY(console, name, source));"
    "CREATE TABLE IF NOT EXISTS console_blocked_sources("
    " console TEXT NOT NULL, source TEXT NOT NULL, until_ms INTEGER NOT NULL,"
    " PRIMARY KEY(console, source));"
    /* A failure counts the source's accounts, and takes old rows away,
     * under the lock every page takes: neither may scan the tables,
     * which grow with every name a sprayer tries. */
    "CREATE INDEX IF NOT EXISTS console_login_pairs_source"
    " ON console_login_pairs(console, source, last_ms);"
    "CREATE INDEX IF NOT EXISTS console_login_pairs_last ON console_login_pairs(console, last_ms);"
    "CREATE INDEX IF NOT EXISTS console_blocked_until ON console_blocked_sources(console, until_ms);";

/* Old rows taken away at each failure: more than one failure adds, so
 * the tables hold about what the last day brought. */
#define GUARD_EXPIRE_AT_ONCE 64

static const char *const role_names[] = {"viewer", "sender", "admin"};

const char *console_role_name(console_role r)
{
    return r >= CONSOLE_VIEWER && r <= CONSOLE_ADMIN ? role_names[r] : "?";
}

int console_role_parse(const char *s, console_role *out)
{
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, role_names[i])) {
            *out = (console_role)i;
            return 0;
        }
    return -1;
}

int console_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > CONSOLE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '.' || name[i] == '_' || name[i] == '-'))
            return 0;
    return 1;
}

const char *console_password_problem(const char *password)
{
    size_t n = password ? strlen(password) : 0;

    if (n < CONSOLE_PASSWORD_MIN)
        return "a password needs at least 10 characters";
    if (n > CONSOLE_PASSWORD_MAX)
        return "a password may have at most 256 characters";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)password[i] < 0x20 || password[i] == 0x7f)
            return "a password may not hold control characters";
    return NULL;
}

console_auth *console_auth_open(const char *db_path, const char *console, char *err,
                                size_t errlen)
{
    console_auth *a = calloc(1, sizeof *a);

    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(a->db = db_open(db_path, schema, 0, err, errlen))) {
        free(a);
        return NULL;
    }
    str_copy(a->console, sizeof a->console, console);
    /* A hash to check for names nobody has, so that a wrong name takes as
     * long as a wrong password. */
    if (pwhash_str(a->dummy_hash, "no such account", 15, PWHASH_INTERACTIVE) != 0) {
        snprintf(err, errlen, "cannot hash (out of memory?)");
        db_close(a->db);
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

void console_auth_close(console_auth *a)
{
    if (!a)
        return;
    db_close(a->db);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* Runs sql with (console, name) bound; returns the rows changed or -1. */
static int run_for_name(console_auth *a, const char *sql, const char *name)
{
    sqlite3_stmt *st = db_prepare(a->db, sql);
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, name);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes(a->db) : -1;
}

int console_user_add(console_auth *a, const char *name, console_role role,
                     const char *password, uint8_t secret[TOTP_SECRET_LEN], char *err,
                     size_t errlen)
{
    char hash[PWHASH_STR_MAX];
    sqlite3_stmt *st;
    int rc;

    if (pwhash_str(hash, password, strlen(password), PWHASH_INTERACTIVE) != 0) {
        snprintf(err, errlen, "cannot hash the password (out of memory?)");
        return -1;
    }
    random_bytes(secret, TOTP_SECRET_LEN);
    pthread_mutex_lock(&a->lock);
    st = db_begin(a->db) == 0
             ? db_prepare(a->db, "INSERT INTO console_users(console, name, role, pw_hash,"
                                 " totp_secret, created_ms) VALUES (?, ?, ?, ?, ?, ?)")
             : NULL;
    if (st) {
        db_bind_text(st, 1, a->console);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, console_role_name(role));
        db_bind_text(st, 4, hash);
        sqlite3_bind_blob(st, 5, secret, TOTP_SECRET_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, clock_now_ms());
    }
    rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    sqlite3_finalize(st);
    /* A session still named so belongs to an account of that name removed
     * before: it must not come back with this one (and its role). */
    if (rc == SQLITE_DONE &&
        (run_for_name(a, "DELETE FROM console_sessions WHERE console = ? AND name = ?", name) < 0 ||
         db_commit(a->db) != 0))
        rc = SQLITE_ERROR;
    /* The reason before the rollback, which would make it "not an error". */
    if (rc == SQLITE_CONSTRAINT)
        snprintf(err, errlen, "there is already an account named %s", name);
    else if (rc != SQLITE_DONE)
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(a->db));
    if (rc != SQLITE_DONE)
        db_rollback(a->db);
    pthread_mutex_unlock(&a->lock);
    return rc == SQLITE_DONE ? 0 : -1;
}


int console_user_remove(console_auth *a, const char *name)
{
    int n;

    pthread_mutex_lock(&a->lock);
    /* One transaction: an account gone and its sessions (or devices) left
     * would come back to life with the next account of that name. */
    n = db_begin(a->db) == 0
            ? run_for_name(a, "DELETE FROM console_users WHERE console = ? AND name = ?", name)
            : -1;
    if (n >= 0 &&
        (run_for_name(a, "DELETE FROM console_sessions WHERE console = ? AND name = ?", name) < 0 ||
         run_for_name(a, "DELETE FROM console_devices WHERE console = ? AND name = ?", name) < 0 ||
         db_commit(a->db) != 0))
        n = -1;
    if (n < 0)
        db_rollback(a->db);
    pthread_mutex_unlock(&a->lock);
    return n < 0 ? -1 : n > 0;
}

int console_user_list(console_auth *a, void (*each)(void *ctx, const console_user *u),
                      void *ctx)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    pthread_mutex_lock(&a->lock);
    st = db_prepare(a->db, "SELECT name, role, created_ms FROM console_users"
                           " WHERE console = ? ORDER BY name");
    if (st) {
        db_bind_text(st, 1, a->console);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            console_user u = {0};
            db_copy_text(u.name, sizeof u.name, st, 0);
            console_role_parse(db_text(st, 1), &u.role);
            u.created_ms = sqlite3_column_int64(st, 2);
            each(ctx, &u);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- the sign-in check ---- */

/* What the guard needs, read under the lock. */
static int guard_view(console_auth *a, const char *name, const char *source, const char *device,
                      long long now_ms, login_view *v)
{
    sqlite3_stmt *st;
    int rc;

    memset(v, 0, sizeof *v);
    if ((v->known_device = console_device_known_locked(a, name, device, now_ms)) < 0)
        return -1;
    st = db_prepare(a->db, "SELECT until_ms FROM console_blocked_sources"
                           " WHERE console = ? AND source = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, source);
    if (sqlite3_step(st) == SQLITE_ROW)
        v->source_blocked_until = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = db_prepare(a->db, "SELECT source, failures, last_ms FROM console_login_pairs"
                           " WHERE console = ? AND name = ? AND last_ms > ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, name);
    sqlite3_bind_int64(st, 3, now_ms - LOGIN_GUARD_PAIR_MEMORY_MS);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int failures = sqlite3_column_int(st, 1);
        long long last = sqlite3_column_int64(st, 2);
        if (!strcmp(db_text(st, 0), source))
            v->pair = (login_pair){failures, last};
        if (last > now_ms - LOGIN_GUARD_WINDOW_MS) {
            v->phone_failures += login_guard_phone_weight(failures);
            if (last > v->phone_last_ms)
                v->phone_last_ms = last;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int pair_set(console_auth *a, const char *name, const char *source, const login_pair *p)
{
    sqlite3_stmt *st = db_prepare(a->db, "INSERT OR REPLACE INTO console_login_pairs(console,"
                                         " name, source, failures, last_ms) VALUES (?,?,?,?,?)");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, name);
    db_bind_text(st, 3, source);
    sqlite3_bind_int(st, 4, p->failures);
    sqlite3_bind_int64(st, 5, p->last_ms);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Runs sql, a write of the pair (console, name, source) as ?1 to ?3. */
static void pair_write(console_auth *a, const char *sql, const char *name, const char *source)
{
    sqlite3_stmt *st = db_prepare(a->db, sql);

    if (!st)
        return;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, name);
    db_bind_text(st, 3, source);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

static void pair_clear(console_auth *a, const char *name, const char *source)
{
    pair_write(a, "DELETE FROM console_login_pairs WHERE console = ?1 AND name = ?2"
                  " AND source = ?3", name, source);
}

/* Takes away up to GUARD_EXPIRE_AT_ONCE pairs past their memory and
 * blocks past their end. */
static void guard_expire(console_auth *a, long long now_ms)
{
    static const char *const sql[2] = {
        "DELETE FROM console_login_pairs WHERE rowid IN (SELECT rowid FROM console_login_pairs"
        " WHERE console = ?1 AND last_ms <= ?2 LIMIT ?3)",
        "DELETE FROM console_blocked_sources WHERE rowid IN (SELECT rowid"
        " FROM console_blocked_sources WHERE console = ?1 AND until_ms <= ?2 LIMIT ?3)"};
    const long long before[2] = {now_ms - LOGIN_GUARD_PAIR_MEMORY_MS, now_ms};

    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = db_prepare(a->db, sql[i]);
        if (!st)
            return;
        db_bind_text(st, 1, a->console);
        sqlite3_bind_int64(st, 2, before[i]);
        sqlite3_bind_int(st, 3, GUARD_EXPIRE_AT_ONCE);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
}

/* Takes back one failure counted for the pair (guard_enter counts each
 * attempt before it is checked); others counted meanwhile stay. */
static void pair_unfail(console_auth *a, const char *name, const char *source)
{
    pair_write(a, "UPDATE console_login_pairs SET failures = failures - 1 WHERE console = ?1"
                  " AND name = ?2 AND source = ?3 AND failures > 0", name, source);
}

/* After a failure: a source that failed on many accounts is blocked. */
static void note_failure(console_auth *a, const char *name, const char *source, long long now_ms)
{
    sqlite3_stmt *st = db_prepare(a->db, "SELECT count(*), coalesce(sum(failures), 0)"
                                         " FROM console_login_pairs"
                                         " WHERE console = ? AND source = ? AND last_ms > ?"
                                         " AND failures > 0");
    int spread = 0, failures = 0;

    guard_expire(a, now_ms);
    if (!st)
        return;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, source);
    sqlite3_bind_int64(st, 3, now_ms - LOGIN_GUARD_WINDOW_MS);
    if (sqlite3_step(st) == SQLITE_ROW) {
        spread = sqlite3_column_int(st, 0);
        failures = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (!login_guard_is_spraying(spread, failures))
        return;
    st = db_prepare(a->db, "INSERT OR REPLACE INTO console_blocked_sources(console, source,"
                           " until_ms) VALUES (?, ?, ?)");
    if (!st)
        return;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, source);
    sqlite3_bind_int64(st, 3, now_ms + LOGIN_GUARD_BLOCK_MS);
    sqlite3_step(st);
    sqlite3_finalize(st);
    log_warn("%s console: source %s blocked for %lld min: %d failed sign-ins for %d accounts"
             " (latest %s)", a->console, source, LOGIN_GUARD_BLOCK_MS / 60000, failures, spread,
             name);
}

/* The account's secrets, read under the lock: 1, 0 when none, -1. */
typedef struct account {
    console_user user;
    char hash[PWHASH_STR_MAX];
    uint8_t secret[TOTP_SECRET_LEN];
    long long last_step;
} account;

static int account_get(console_auth *a, const char *name, account *acc)
{
    sqlite3_stmt *st = db_prepare(a->db, "SELECT role, pw_hash, totp_secret, totp_last_step,"
                                         " created_ms FROM console_users"
                                         " WHERE console = ? AND name = ?");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, a->console);
    db_bind_text(st, 2, name);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 2) == TOTP_SECRET_LEN) {
        str_copy(acc->user.name, sizeof acc->user.name, name);
        console_role_parse(db_text(st, 0), &acc->user.role);
        db_copy_text(acc->hash, sizeof acc->hash, st, 1);
        memcpy(acc->secret, sqlite3_column_blob(st, 2), TOTP_SECRET_LEN);
        acc->last_step = sqlite3_column_int64(st, 3);
        acc->user.created_ms = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Marks step used, unless another sign-in used it (or a later one)
 * first: 1 when this one won. */
/* 1: the step is this sign-in's; 0: an earlier sign-in used it; -1: the
 * database failed (busy past its timeout), which is not the user's fault
 * and must not count as a failed attempt. */
static int step_take(console_auth *a, const char *name, uint64_t step)
{
    sqlite3_stmt *st = db_prepare(a->db, "UPDATE console_users SET totp_last_step = ?"
                                         " WHERE console = ? AND name = ? AND totp_last_step < ?");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (long long)step);
    db_bind_text(st, 2, a->console);
    db_bind_text(st, 3, name);
    sqlite3_bind_int64(st, 4, (long long)step);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(a->db) == 1;
}

/* Counts the attempt as failed before anything is checked. */
static console_signin_result guard_enter(console_auth *a, const char *name, const char *source,
                                         const char *device, long long now_ms, account *acc,
                                         int *found, long long *wait_ms, login_verdict *why)
{
    login_view v;

    if (guard_view(a, name, source, device, now_ms, &v) != 0)
        return CONSOLE_SIGNIN_ERROR;
    *why = login_guard_decide(&v, now_ms, wait_ms);
    if (*why != LOGIN_GO)
        return CONSOLE_SIGNIN_WAIT;
    login_guard_pair_fail(&v.pair, now_ms);
    if (pair_set(a, name, source, &v.pair) != 0)
        return CONSOLE_SIGNIN_ERROR;
    console_device_attempt_locked(a, name, device, now_ms);
    if ((*found = account_get(a, name, acc)) < 0) { /* the database's failure, not the user's */
        pair_unfail(a, name, source);
        console_device_unfail_locked(a, name, device);
        return CONSOLE_SIGNIN_ERROR;
    }
    return CONSOLE_SIGNIN_OK;
}

console_signin_result console_signin(console_auth *a, const char *name, const char *password,
                                     const char *code, const char *source, const char *device,
                                     long long now_ms, console_user *who, long long *wait_ms,
                                     login_verdict *why)
{
    account acc = {0};
    console_signin_result r;
    int found = 0, ok;
    uint64_t step = 0;

    *wait_ms = 0;
    *why = LOGIN_GO;
    if (!console_name_ok(name) || !password || strlen(password) > CONSOLE_PASSWORD_MAX)
        return CONSOLE_SIGNIN_WRONG;
    pthread_mutex_lock(&a->lock);
    r = guard_enter(a, name, source, device, now_ms, &acc, &found, wait_ms, why);
    pthread_mutex_unlock(&a->lock);
    if (r != CONSOLE_SIGNIN_OK)
        return r;
    ok = pwhash_verify(found ? acc.hash : a->dummy_hash, password, strlen(password)) && found;
    if (ok)
        step = totp_verify(acc.secret, TOTP_SECRET_LEN, now_ms / 1000, code,
                           (uint64_t)acc.last_step);
    secure_wipe(acc.secret, sizeof acc.secret);
    pthread_mutex_lock(&a->lock);
    if (ok && step) {
        int taken = step_take(a, name, step);
        if (taken < 0) { /* not the user's failure: this attempt's taken back */
            pair_unfail(a, name, source);
            console_device_unfail_locked(a, name, device);
            pthread_mutex_unlock(&a->lock);
            return CONSOLE_SIGNIN_ERROR;
        }
        ok = taken;
    } else {
        ok = 0;
    }
    if (ok) {
        pair_clear(a, name, source);
        console_device_ok_locked(a, name, device);
    } else {
        note_failure(a, name, source, now_ms);
    }
    pthread_mutex_unlock(&a->lock);
    if (!ok)
        return CONSOLE_SIGNIN_WRONG;
    *who = acc.user;
    return CONSOLE_SIGNIN_OK;
}
