/* platform_db_devices.c -- the browsers each member signed in from.
 *
 * Once many sources fail on a phone, the sign-in limits space its
 * attempts 30 s apart (login_guard.h), which slows guessing spread over
 * many addresses. Sources failing in turn, one attempt as each wait
 * ended, kept the member out for as long as they went on, the right PIN
 * and all. A browser that signed in to the member holds a device cookie
 * (stored here as its SHA-256, as sessions are), and the spacing does
 * not hold it back; its source's failures still count, and so do its
 * own: a cookie stolen and tried from many sources is spaced after
 * LOGIN_GUARD_PAIR_FREE wrong PINs, each counted before its PIN is
 * checked, so that guesses sent at once cannot all pass.
 *
 * A device names its member by id and phone: an id a dropped member
 * leaves may be given to the next one, whose phone is another. A new PIN
 * or a dropped member takes its devices with it (platform_db_members.c). */
#include "platform_db.h"

#include "login_guard.h"
#include "platform_db_internal.h"

/* A member's devices kept at most: a script signing in without the
 * cookie again and again grows nothing past it. */
#define DEVICES_PER_MEMBER 10

int platform_db_device_trusted(platform_db *d, const char *phone, const char *id_hash,
                               long long now_ms)
{
    sqlite3_stmt *st;
    int rc, trusted = 0;

    if (!id_hash)
        return 0;
    st = db_prepare(d->db, "SELECT v.failures, v.last_fail_ms FROM devices v JOIN members m"
                           " ON m.id = v.member AND m.phone = v.phone WHERE v.id_hash = ?"
                           " AND v.phone = ? AND v.created_ms > ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, id_hash);
    db_bind_text(st, 2, phone);
    sqlite3_bind_int64(st, 3, now_ms - PLATFORM_DEVICE_MS);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        trusted = login_guard_device_trusted(sqlite3_column_int(st, 0),
                                             sqlite3_column_int64(st, 1), now_ms);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? trusted : -1;
}

/* Runs sql with ?1 id_hash, ?2 phone, ?3 and ?4 the numbers given: how
 * many rows it changed, or -1. */
static int run(platform_db *d, const char *sql, const char *id_hash, const char *phone,
               long long a, long long b)
{
    sqlite3_stmt *st = db_prepare(d->db, sql);
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, id_hash);
    db_bind_text(st, 2, phone);
    sqlite3_bind_int64(st, 3, a);
    sqlite3_bind_int64(st, 4, b);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes(d->db) : -1;
}

int platform_db_device_remember(platform_db *d, const member *m, const char *have_hash,
                                const char *new_hash, long long now_ms)
{
    int n = have_hash ? run(d, "UPDATE devices SET failures = 0 WHERE id_hash = ?1"
                               " AND phone = ?2 AND member = ?3 AND created_ms > ?4",
                            have_hash, m->phone, m->id, now_ms - PLATFORM_DEVICE_MS)
                      : 0;

    if (n != 0)
        return n < 0 ? -1 : 0;
    if (run(d, "DELETE FROM devices WHERE created_ms <= ?3", NULL, NULL,
            now_ms - PLATFORM_DEVICE_MS, 0) < 0 ||
        run(d, "INSERT INTO devices(id_hash, member, phone, created_ms) VALUES (?1, ?3, ?2, ?4)",
            new_hash, m->phone, m->id, now_ms) != 1)
        return -1;
    /* the member's oldest past DEVICES_PER_MEMBER go */
    return run(d, "DELETE FROM devices WHERE member = ?3 AND id_hash NOT IN (SELECT id_hash"
                  " FROM devices WHERE member = ?3 ORDER BY created_ms DESC LIMIT ?4)",
               NULL, NULL, m->id, DEVICES_PER_MEMBER) < 0 ? -1 : 1;
}

int platform_db_device_attempt(platform_db *d, const char *phone, const char *id_hash,
                               long long now_ms)
{
    if (!id_hash)
        return 0;
    return run(d, "UPDATE devices SET failures = CASE WHEN ?3 - last_fail_ms >= ?4 THEN 1"
                  " ELSE failures + 1 END, last_fail_ms = ?3 WHERE id_hash = ?1 AND phone = ?2",
               id_hash, phone, now_ms, LOGIN_GUARD_WINDOW_MS) < 0 ? -1 : 0;
}

int platform_db_device_ok(platform_db *d, const char *phone, const char *id_hash)
{
    if (!id_hash)
        return 0;
    return run(d, "UPDATE devices SET failures = 0 WHERE id_hash = ?1 AND phone = ?2", id_hash,
               phone, 0, 0) < 0 ? -1 : 0;
}

int platform_db_device_unfail(platform_db *d, const char *phone, const char *id_hash)
{
    if (!id_hash)
        return 0;
    return run(d, "UPDATE devices SET failures = failures - 1 WHERE id_hash = ?1 AND phone = ?2"
                  " AND failures > 0", id_hash, phone, 0, 0) < 0 ? -1 : 0;
}
