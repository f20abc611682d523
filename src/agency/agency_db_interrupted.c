/* agency_db_interrupted.c -- API notices whose document was stored but
 * that a stopped or killed server never had the hub's answer for.
 *
 * The intake stores a batch's documents before it submits them; a batch
 * at a hub that stays silent past the stop's grace is given up, and a
 * kill leaves whatever was between the two steps. The next start cannot
 * send such a notice on: the hub needs each recipient's CI, which the
 * agency never keeps (no RRN or CI at rest, docs/design.md), and the RRN
 * it came from left with the process. Nor can it tell whether the hub
 * took the batch before it fell silent. What it can do is say so: each
 * gets the timeline entry "interrupted", which GET shows as its state and
 * the callback queue carries to the back office, whose post of the same
 * reference then sends it under the same agency reference (the hub
 * answers with the notice it made, if it had taken it after all). */
#include <stdio.h>

#include "agency_db_sql.h"
#include "clock.h"
#include "db.h"

/* How far before the last start the next one looks again: references
 * carry the wall clock's time, which an NTP step may move back. */
#define INTERRUPTED_OVERLAP_MS (3600LL * 1000)

/* The first agency reference to look at. API references are "api-" and
 * 12 hex of the time their batch was taken (older ones 32 hex of a hash),
 * so those made since the last start lie at the end of the index; the
 * first start after an upgrade looks at them all, once. */
static void first_reference(sqlite3 *sql, char out[32])
{
    long long after = 0;

    if (db_one_int(sql, "SELECT value FROM meta WHERE key = 'interrupted_after'", &after) == 1 &&
        after > INTERRUPTED_OVERLAP_MS)
        snprintf(out, 32, "api-%012llx",
                 (unsigned long long)(after - INTERRUPTED_OVERLAP_MS) & 0xffffffffffffULL);
    else
        snprintf(out, 32, "api-");
}

/* A stored API document with no notice id, neither cancelled nor purged,
 * whose last entry is not "interrupted" already: one entry each. */
static const char mark_sql[] =
    "INSERT INTO api_events(reference, caller_ref, state, reason, at, queued_ms, evidence)"
    " SELECT d.reference, r.caller_ref, 'interrupted', ?2, ?3, ?4, 0"
    " FROM documents d JOIN api_refs r ON r.reference = d.reference"
    " WHERE d.reference >= ?1 AND d.reference < 'api.'"
    " AND d.state = 'stored' AND d.notice IS NULL"
    " AND d.cancelled_at IS NULL AND d.purged_at IS NULL"
    " AND coalesce((SELECT e.state FROM api_events e WHERE e.reference = d.reference"
    " ORDER BY e.id DESC LIMIT 1), '') <> 'interrupted'";

static long mark(sqlite3 *sql, const char *from, const char *reason, const char *at,
                 long long now_ms)
{
    sqlite3_stmt *st = db_prepare(sql, mark_sql);
    long n = -1;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    if (sqlite3_step(st) == SQLITE_DONE)
        n = sqlite3_changes(sql);
    sqlite3_finalize(st);
    return n;
}

static int remember(sqlite3 *sql, long long now_ms)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT INTO meta(key, value)"
                                       " VALUES ('interrupted_after', ?) ON CONFLICT(key)"
                                       " DO UPDATE SET value = excluded.value");
    int rc = -1;

    if (st) {
        sqlite3_bind_int64(st, 1, now_ms);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    return rc;
}

long agency_db_api_notices_interrupt(agency_db *db, const char *reason, long long now_ms)
{
    char from[32], at[25];
    long n = -1;

    clock_rfc3339_ms(at, now_ms);
    agency_db_lock(db);
    first_reference(db->sql, from);
    if (db_begin(db->sql) == 0) {
        n = mark(db->sql, from, reason, at, now_ms);
        if (n < 0 || remember(db->sql, now_ms) != 0 || db_commit(db->sql) != 0) {
            db_rollback(db->sql);
            n = -1;
        }
    }
    agency_db_unlock(db);
    return n;
}
