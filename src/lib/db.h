/* db.h -- the SQLite shell each role uses for its own database.
 *
 * Opens with the settings every role wants (WAL, synchronous=FULL for
 * durable commits, foreign keys, a busy handler so a CLI and a daemon can
 * share a file), runs schema scripts, and wraps the statement calls that
 * would otherwise be repeated in every role. Each role owns its schema.
 * For a busy writer: group commit (db_wal, which turns synchronous=NORMAL
 * on and syncs itself) and checkpoints on a thread of their own
 * (db_checkpointer). */
#ifndef HERALD_DB_H
#define HERALD_DB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

/* Opens (creating if needed) path and runs schema (idempotent DDL, e.g.
 * CREATE TABLE IF NOT EXISTS). The file and its WAL get mode 0600.
 * page_size (a power of two, 512 to 65536; 0 for SQLite's 4096) applies
 * only when the file is created: bigger pages suit append-heavy files.
 * Returns NULL with a message in err. */
sqlite3 *db_open(const char *path, const char *schema, int page_size, char *err,
                 size_t errlen);
/* The same, for a connection its owner already serialises (one thread at
 * a time, under the owner's lock): SQLite then takes no mutex of its own
 * on every call, which a hot path making dozens of calls per row feels. */
sqlite3 *db_open_unlocked(const char *path, const char *schema, int page_size, char *err,
                          size_t errlen);
void db_close(sqlite3 *db);

/* The first column of the first row of sql into *out: 1, or 0 when there
 * is no row or it is NULL (*out untouched), or -1 on error. */
int db_one_int(sqlite3 *db, const char *sql, long long *out);

/* How many of db's pages hold `bytes` (at least 1): WAL sizes are meant in
 * bytes, and a database keeps the page size it was made with. */
int db_pages_for(sqlite3 *db, long long bytes);

/* fsyncs the folder path lies in, so that a file just made there
 * survives a crash (a WAL SQLite creates is synced with its folder only
 * by SQLite's own first sync, which synchronous=NORMAL never makes).
 * Returns 0 or -1 with errno. */
int db_sync_folder(const char *path);

/* Runs SQL without results; logs and returns -1 on error. */
int db_exec(sqlite3 *db, const char *sql);
int db_begin(sqlite3 *db);   /* BEGIN IMMEDIATE */
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* Prepares a statement, logging the error; NULL on failure. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);

/* Binds a NUL-terminated string (NULL binds SQL NULL), copied by SQLite
 * only when needed (SQLITE_TRANSIENT). */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Column text as a C string, "" for NULL. */
const char *db_text(sqlite3_stmt *st, int col);

/* Copies column text into a fixed buffer, cut to fit. memcpy, not
 * snprintf: the roles copy a dozen columns per notice on their hot paths,
 * and the format machinery cost more than the copy. */
void db_copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col);

/* Group commit, for a connection its owner serialises under a lock of its
 * own: with synchronous=NORMAL a commit only writes the WAL, and the owner
 * makes it durable with db_wal_sync once it has let go of the lock, so the
 * next batch is built and written while this one waits for the disk. One
 * fdatasync covers every commit written before it. Whatever the owner
 * acknowledges, or shows to anyone, it syncs first. */
typedef struct db_wal {
    char path[4096];
    int fd;               /* the WAL, opened at init */
    int failed;           /* a sync failed: every later one fails too (atomic) */
    pthread_mutex_t lock; /* one sync at a time: see db_wal_sync */
} db_wal;

/* Switches db to synchronous=NORMAL and opens its WAL (where SQLite keeps
 * it: a symlinked database has it beside the target), syncing the WAL's
 * folder once. Call after db has read or written in WAL mode. 0, or -1
 * with a message in err. */
int db_wal_init(db_wal *w, sqlite3 *db, char *err, size_t errlen);
/* Makes every commit written to the WAL so far durable; logs and returns
 * -1 when the disk refuses, and from then on always (what the failed sync
 * was to cover may be lost: the owner must stop acknowledging). Safe from
 * any thread, lock or no lock. */
int db_wal_sync(db_wal *w);
/* 1 once a sync has failed: the owner should not even begin a write. */
int db_wal_failed(db_wal *w);
void db_wal_close(db_wal *w);

/* Checkpoints on a thread and a connection of their own, so that the
 * writer's lock is not held while the WAL is copied into the database and
 * the database synced (a third of a busy hub's time under its lock). The
 * writer's automatic checkpoint is replaced by a hook that wakes the
 * thread whenever the WAL holds `bytes` or more (in the writer's pages,
 * see db_pages_for); at four times that, the writer finishes the copy
 * itself, so that the WAL is rewound. */
typedef struct db_checkpointer db_checkpointer;
db_checkpointer *db_checkpointer_start(sqlite3 *writer, const char *path, long long bytes,
                                       char *err, size_t errlen);
/* Stops the thread (after a last checkpoint) and puts the writer's
 * automatic checkpoint back. NULL is a no-op. */
void db_checkpointer_stop(db_checkpointer *c, sqlite3 *writer);

/* Steps st once, leaving it to its owner to reset: 0 when it is done or on
 * a row, -1 (logged) on error. */
int db_step_done(sqlite3_stmt *st);
/* Steps a write: 1 if it changed a row, 0 if it changed none (an INSERT
 * OR IGNORE that found the row, an UPDATE whose WHERE found nothing), -1
 * (logged) on error. */
int db_step_changed(sqlite3_stmt *st);
/* Steps a lookup of one row: 1 when st is on it (read it, then reset st),
 * 0 when there is none, -1 (logged) on error. */
int db_step_row(sqlite3_stmt *st);

/* Runs a statement that returns no rows, then resets it and clears its
 * bindings for the next use; logs and returns -1 on error. */
int db_run(sqlite3_stmt *st);

#endif
