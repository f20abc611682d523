/* demo_alerts.c -- see demo_alerts.h. */
#include "demo_alerts.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sql.h"

/* How long alerts may stand still before the wait gives up on them. */
#define SETTLE_IDLE_S 10.0

static sqlite3 *open_ro(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

/* One platform's outbox, added to a. An accepted alert with a reference
 * waits for its receipt; one without (the old built-in channel) is as far
 * as it goes. */
static int count_outbox(const char *path, demo_alerts *a, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT total(channel = 'sms' AND reference IS NOT NULL),"
        " total(channel = 'push' AND reference IS NOT NULL),"
        " total(state = 'delivered'), total(state = 'failed'),"
        " total(state IN ('queued', 'submitting')"
        "       OR (state = 'accepted' AND reference IS NOT NULL)) FROM outbox";
    sqlite3 *db = open_ro(path, err, errlen);
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (!db)
        return -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        a->sms += sqlite3_column_int64(st, 0);
        a->push += sqlite3_column_int64(st, 1);
        a->delivered += sqlite3_column_int64(st, 2);
        a->failed += sqlite3_column_int64(st, 3);
        a->moving += sqlite3_column_int64(st, 4);
        rc = 0;
    } else {
        snprintf(err, errlen, "%s: outbox: %s", path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* A leaf begins {"v":1,"event":"NAME",...: its event is near the start. */
static void count_leaf(const char *leaf, size_t len, demo_alerts *a)
{
    size_t head = len < 64 ? len : 64;

    if (memmem(leaf, head, "\"event\":\"ReminderNotification\"", 31))
        a->reminders++;
    else if (memmem(leaf, head, "\"event\":\"ConsentPreNotification\"", 33))
        a->pre_notices++;
}

/* The hub's leaves: in the evidence table, or at (off, len) in the leaf
 * file beside hub.db; only rows the table holds count (the file may hold
 * a rolled-back batch's bytes too). */
static int count_evidence(const demo *d, demo_alerts *a, char *err, size_t errlen)
{
    char path[4096], leaves[4200];
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    const char *map = MAP_FAILED;
    struct stat sb = {0};
    int fd, rc;

    demo_path(d, path, sizeof path, "hub", "hub.db");
    snprintf(leaves, sizeof leaves, "%s.leaves", path);
    if (!(db = open_ro(path, err, errlen)))
        return -1;
    fd = open(leaves, O_RDONLY);
    if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > 0)
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (sqlite3_prepare_v2(db, "SELECT leaf, off, len FROM evidence", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: evidence: %s", path, sqlite3_errmsg(db));
        rc = -1;
    } else {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
                count_leaf(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), a);
                continue;
            }
            long long off = sqlite3_column_int64(st, 1), len = sqlite3_column_int64(st, 2);
            if (map != MAP_FAILED && off >= 0 && len > 0 && off + len <= (long long)sb.st_size)
                count_leaf(map + off, (size_t)len, a);
        }
        rc = rc == SQLITE_DONE ? 0 : (snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db)), -1);
    }
    if (map != MAP_FAILED)
        munmap((void *)map, (size_t)sb.st_size);
    if (fd >= 0)
        close(fd);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* --hub-dsn: the same count over the log's tables in PostgreSQL, made by
 * the server (leaves integrated, and those waiting for the sequencer). */
static int count_evidence_pg(const demo *d, demo_alerts *a, char *err, size_t errlen)
{
    static const char q[] =
        "SELECT count(*) FILTER (WHERE position(convert_to('\"event\":\"ReminderNotification\"', 'UTF8')"
        " IN substring(leaf FROM 1 FOR 64)) > 0),"
        " count(*) FILTER (WHERE position(convert_to('\"event\":\"ConsentPreNotification\"', 'UTF8')"
        " IN substring(leaf FROM 1 FOR 64)) > 0)"
        " FROM log_entries";
    sql_conn *c = sql_connect_pg(d->hub_dsn, err, errlen);
    sql_stmt *st;
    int rc = -1;

    if (!c)
        return -1;
    if ((st = sql_prepare(c, q)) && sql_step(st) == 1) {
        a->reminders += sql_int64(st, 0);
        a->pre_notices += sql_int64(st, 1);
        rc = 0;
    } else {
        snprintf(err, errlen, "the hub's log in PostgreSQL could not be read");
    }
    sql_finalize(st);
    sql_close(c);
    return rc;
}

int demo_alerts_count(const demo *d, int evidence, demo_alerts *a, char *err, size_t errlen)
{
    char path[4096], role[64];

    memset(a, 0, sizeof *a);
    for (int i = 0; i < POP_PLATFORMS; i++) {
        snprintf(role, sizeof role, "platform-%s", demo_platform_names[i]);
        demo_path(d, path, sizeof path, role, "platform.db");
        if (count_outbox(path, a, err, errlen) != 0)
            return -1;
    }
    if (!evidence)
        return 0;
    return d->hub_dsn ? count_evidence_pg(d, a, err, errlen) : count_evidence(d, a, err, errlen);
}

int demo_alerts_settle(const demo *d, char *err, size_t errlen)
{
    long long last = -1, last_final = -1;
    double since = demo_now();
    /* At a million alerts each count scans the outboxes: poll slowly. */
    struct timespec pause = {0, (d->notices > 100000 ? 500 : 100) * 1000000L};
    demo_alerts a;

    while (demo_now() - since < SETTLE_IDLE_S) {
        if (demo_alerts_count(d, 0, &a, err, errlen) != 0)
            return -1;
        if (a.moving == 0)
            return 0;
        long long final = a.delivered + a.failed + a.sms + a.push;
        if (a.moving != last || final != last_final) {
            last = a.moving;
            last_final = final;
            since = demo_now();
        }
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "demo: %lld alerts still queued or unanswered (no alert moved for %.0f s)\n",
            last, SETTLE_IDLE_S);
    return 0;
}

void demo_alerts_json(const demo_alerts *a, char *out, size_t len)
{
    snprintf(out, len,
             "\"alerts\":{\"sms\":%lld,\"push\":%lld,\"delivered\":%lld,\"failed\":%lld},"
             "\"reminders\":%lld,\"pre_notices\":%lld",
             a->sms, a->push, a->delivered, a->failed, a->reminders, a->pre_notices);
}
