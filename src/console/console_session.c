/* console_session.c -- see console_auth.h: the consoles' sessions, by
 * the SHA-256 of their cookie value, so that a copy of the database
 * opens none. */
#include <string.h>

#include "console_auth.h"
#include "console_auth_internal.h"
#include "crypto.h"
#include "db.h"
#include "log.h"

int console_id_hash(const char *id, char out[65])
{
    uint8_t h[SHA256_LEN];

    if (!id || strlen(id) != CONSOLE_SESSION_LEN)
        return -1;
    for (int i = 0; i < CONSOLE_SESSION_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return -1;
    sha256(id, CONSOLE_SESSION_LEN, h);
    hex_encode(out, h, sizeof h);
    return 0;
}

void console_new_id(char id[CONSOLE_SESSION_LEN + 1], char hash[65])
{
    uint8_t raw[32];

    random_bytes(raw, sizeof raw);
    hex_encode(id, raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    console_id_hash(id, hash);
}

int console_session_new(console_auth *a, const console_user *who, long long now_ms,
                        char id[CONSOLE_SESSION_LEN + 1])
{
    char hash[65];
    sqlite3_stmt *st;
    int rc;

    console_new_id(id, hash);
    pthread_mutex_lock(&a->lock);
    /* Sessions past their time go as new ones come. */
    st = db_prepare(a->db, "DELETE FROM console_sessions WHERE last_ms <= ? OR created_ms <= ?");
    if (st) {
        sqlite3_bind_int64(st, 1, now_ms - CONSOLE_IDLE_MS);
        sqlite3_bind_int64(st, 2, now_ms - CONSOLE_MAX_MS);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    /* Only for the account whose sign-in was checked, still there: not
     * one removed meanwhile, nor a new account given its name (and maybe
     * another role), told apart by when it was made. */
    st = db_prepare(a->db, "INSERT INTO console_sessions(id_hash, console, name, created_ms,"
                           " last_ms) SELECT ?1, ?2, ?3, ?4, ?4 WHERE EXISTS (SELECT 1 FROM"
                           " console_users WHERE console = ?2 AND name = ?3 AND created_ms = ?5)");
    if (st) {
        db_bind_text(st, 1, hash);
        db_bind_text(st, 2, a->console);
        db_bind_text(st, 3, who->name);
        sqlite3_bind_int64(st, 4, now_ms);
        sqlite3_bind_int64(st, 5, who->created_ms);
    }
    rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_DONE && sqlite3_changes(a->db) != 1)
        rc = SQLITE_NOTFOUND;
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Restarts the session's idle clock. */
static void touch(console_auth *a, const char *hash, long long now_ms)
{
    sqlite3_stmt *st = db_prepare(a->db, "UPDATE console_sessions SET last_ms = ?"
                                         " WHERE id_hash = ?");

    if (!st)
        return;
    sqlite3_bind_int64(st, 1, now_ms);
    db_bind_text(st, 2, hash);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

int console_session_get(console_auth *a, const char *id, long long now_ms, console_user *who)
{
    char hash[65];
    sqlite3_stmt *st;
    long long last = 0;
    int rc, found = 0;

    if (console_id_hash(id, hash) != 0)
        return 0;
    pthread_mutex_lock(&a->lock);
    /* The account must still exist with its role now, not at sign-in. */
    st = db_prepare(a->db, "SELECT u.name, u.role, u.created_ms, s.last_ms FROM console_sessions s"
                           " JOIN console_users u ON u.console = s.console AND u.name = s.name"
                           " WHERE s.id_hash = ? AND s.console = ? AND s.last_ms > ?"
                           " AND s.created_ms > ?");
    if (st) {
        db_bind_text(st, 1, hash);
        db_bind_text(st, 2, a->console);
        sqlite3_bind_int64(st, 3, now_ms - CONSOLE_IDLE_MS);
        sqlite3_bind_int64(st, 4, now_ms - CONSOLE_MAX_MS);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            db_copy_text(who->name, sizeof who->name, st, 0);
            who->created_ms = sqlite3_column_int64(st, 2);
            last = sqlite3_column_int64(st, 3);
            /* A role that does not read as one grants nothing: no session. */
            found = console_role_parse(db_text(st, 1), &who->role) == 0;
        } else if (rc != SQLITE_DONE) {
            found = -1;
        }
        sqlite3_finalize(st);
    } else {
        found = -1;
    }
    /* A write (and its fsync) per page cost more than the page: the idle
     * clock moves in steps of CONSOLE_TOUCH_MS instead. */
    if (found == 1 && now_ms - last >= CONSOLE_TOUCH_MS)
        touch(a, hash, now_ms);
    pthread_mutex_unlock(&a->lock);
    return found;
}

void console_session_end(console_auth *a, const char *id)
{
    char hash[65];
    sqlite3_stmt *st;

    if (console_id_hash(id, hash) != 0)
        return;
    pthread_mutex_lock(&a->lock);
    st = db_prepare(a->db, "DELETE FROM console_sessions WHERE id_hash = ?");
    if (st) {
        db_bind_text(st, 1, hash);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->lock);
}
