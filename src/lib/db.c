/* db.c -- see db.h. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* SQLite's allocation statistics take a global mutex on every malloc and
 * free inside the library; nothing here reads them. Must run before the
 * library initialises, i.e. before the first open. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* How long a writer waits for another connection's write lock before it
 * gives up with SQLITE_BUSY. */
#define BUSY_TIMEOUT_US 10000000L
#define BUSY_DOUBLINGS 5 /* 50, 100, 200, 400, 800 µs, then 1 ms each */

/* SQLite's own busy timeout sleeps 1, 2, 5, 10 … 100 ms between tries.
 * The agency's two processes share one database and their transactions
 * last a few milliseconds, so those sleeps outlasted the lock many times
 * over (0.6 s of 6.6 s in `agency send` of 100,000 notices). Short,
 * growing sleeps take the lock soon after it is free. */
static int busy_wait(void *unused, int tries)
{
    long waited = tries < BUSY_DOUBLINGS ? 50L * ((1L << tries) - 1)
                                         : 1550L + 1000L * (tries - BUSY_DOUBLINGS);
    long us = tries < BUSY_DOUBLINGS ? 50L << tries : 1000L;
    struct timespec ts = {0, us * 1000L};

    (void)unused;
    if (waited >= BUSY_TIMEOUT_US)
        return 0;
    nanosleep(&ts, NULL);
    return 1;
}

static sqlite3 *open_with(const char *path, const char *schema, int threading, int page_size,
                          char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    sqlite3 *db = NULL;
    char *msg = NULL, pragma[40];
    mode_t old;
    int rc;

    pthread_once(&once, configure_sqlite);
    old = umask(077); /* the database, WAL and SHM files: 0600 */
    rc = sqlite3_open_v2(path, &db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | threading,
                         NULL);
    umask(old);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_handler(db, busy_wait, NULL);
    /* Before WAL mode: only a file not yet written takes a page size. */
    snprintf(pragma, sizeof pragma, "PRAGMA page_size=%d", page_size);
    rc = page_size ? sqlite3_exec(db, pragma, NULL, NULL, &msg) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db,
                          "PRAGMA journal_mode=WAL;"
                          "PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON;"
                          "PRAGMA temp_store=MEMORY;", NULL, NULL, &msg);
    if (rc == SQLITE_OK && schema)
        rc = sqlite3_exec(db, schema, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

sqlite3 *db_open(const char *path, const char *schema, int page_size, char *err,
                 size_t errlen)
{
    return open_with(path, schema, SQLITE_OPEN_FULLMUTEX, page_size, err, errlen);
}

sqlite3 *db_open_unlocked(const char *path, const char *schema, int page_size, char *err,
                          size_t errlen)
{
    return open_with(path, schema, SQLITE_OPEN_NOMUTEX, page_size, err, errlen);
}

void db_close(sqlite3 *db)
{
    sqlite3_close_v2(db);
}

int db_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("database: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int db_begin(sqlite3 *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
    return db_exec(db, "COMMIT");
}

void db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        db_exec(db, "ROLLBACK");
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_error("database: %s in: %.80s", sqlite3_errmsg(db), sql);
        return NULL;
    }
    return st;
}

int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

const char *db_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

int db_one_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc, found = -1;

    if (!st)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        found = sqlite3_column_type(st, 0) != SQLITE_NULL;
        if (found)
            *out = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        found = 0;
    } else {
        log_error("database: %s in: %.80s", sqlite3_errmsg(db), sql);
    }
    sqlite3_finalize(st);
    return found;
}

int db_pages_for(sqlite3 *db, long long bytes)
{
    long long page = 0;

    if (db_one_int(db, "PRAGMA page_size", &page) != 1 || page <= 0)
        page = 4096;
    return bytes / page > 0 ? (int)(bytes / page) : 1;
}

void db_copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const void *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

int db_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        return -1;
    }
    return 0;
}

int db_step_changed(sqlite3_stmt *st)
{
    if (db_step_done(st) != 0)
        return -1;
    return sqlite3_changes(sqlite3_db_handle(st)) > 0;
}

int db_step_row(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc == SQLITE_ROW;
    log_error("database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
    return -1;
}

int db_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        log_error("database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        return -1;
    }
    return 0;
}

/* ---- group commit ---- */

int db_sync_folder(const char *path)
{
    char folder[sizeof ((db_wal *)0)->path];
    char *slash;
    int fd, rc;

    snprintf(folder, sizeof folder, "%s", path);
    slash = strrchr(folder, '/');
    if (slash == folder)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(folder, sizeof folder, ".");
    fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* The WAL's inode stays while any connection has the database open: a
 * checkpoint rewinds the file, never replaces it. */
int db_wal_init(db_wal *w, sqlite3 *db, char *err, size_t errlen)
{
    const char *wal = sqlite3_filename_wal(sqlite3_db_filename(db, "main"));

    w->fd = -1;
    w->failed = 0;
    pthread_mutex_init(&w->lock, NULL);
    if (!wal || (size_t)snprintf(w->path, sizeof w->path, "%s", wal) >= sizeof w->path) {
        snprintf(err, errlen, "database: no usable WAL name");
        return -1;
    }
    if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", w->path, sqlite3_errmsg(db));
        return -1;
    }
    w->fd = open(w->path, O_RDONLY | O_CLOEXEC);
    if (w->fd < 0 || db_sync_folder(w->path) != 0) {
        snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A failed fdatasync is reported once per file: the kernel may have
 * dropped the pages it could not write, and the next call would succeed
 * without them. So syncs take turns, and a failure sticks: every later
 * sync fails too. One sync still covers every commit written before it. */
int db_wal_sync(db_wal *w)
{
    int rc = 0;

    pthread_mutex_lock(&w->lock);
    if (w->failed || w->fd < 0) {
        rc = -1;
    } else if (fdatasync(w->fd) != 0) {
        __atomic_store_n(&w->failed, 1, __ATOMIC_RELEASE);
        log_error("database: cannot sync %s: %s; refusing every write from now on:"
                  " restart once the disk is sound", w->path, strerror(errno));
        rc = -1;
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* Without the lock: a writer about to begin must not wait for another
 * thread's sync to finish. */
int db_wal_failed(db_wal *w)
{
    return __atomic_load_n(&w->failed, __ATOMIC_ACQUIRE);
}

void db_wal_close(db_wal *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    pthread_mutex_destroy(&w->lock);
}

/* ---- checkpoints off the writer's lock ---- */

struct db_checkpointer {
    sqlite3 *conn;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int pages, due, stopping, failing;
};

/* Runs under the writer's lock after each commit: only a flag and a
 * signal, until the WAL is four times the step. Then the writer copies
 * the rest itself, which lets the next commit rewind the WAL: with the
 * lock held nothing is appended meanwhile, and the thread has copied most
 * of it already. */
static int wal_grew(void *arg, sqlite3 *writer, const char *schema, int pages)
{
    db_checkpointer *c = arg;

    (void)schema;
    if (pages >= c->pages * 4)
        sqlite3_wal_checkpoint_v2(writer, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    else if (pages >= c->pages) {
        pthread_mutex_lock(&c->lock);
        c->due = 1;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
    }
    return SQLITE_OK;
}

/* PASSIVE never waits for the writer: it copies what no reader still
 * needs while the writer goes on appending. A WAL that is never copied
 * whole is never rewound, so it grows until the writer's own catch-up
 * (see wal_grew), which finds most of it copied already. */
static void checkpoint(db_checkpointer *c)
{
    int rc = sqlite3_wal_checkpoint_v2(c->conn, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

    if (rc != SQLITE_OK && rc != SQLITE_BUSY && !c->failing++)
        log_warn("database: checkpoint: %s (the writer checkpoints itself meanwhile)",
                 sqlite3_errmsg(c->conn));
    else if (rc == SQLITE_OK)
        c->failing = 0;
}

static void *checkpointer_main(void *arg)
{
    db_checkpointer *c = arg;

    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        if (!c->due) {
            pthread_cond_wait(&c->wake, &c->lock);
            continue;
        }
        c->due = 0;
        pthread_mutex_unlock(&c->lock);
        checkpoint(c);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    checkpoint(c);
    return NULL;
}

db_checkpointer *db_checkpointer_start(sqlite3 *writer, const char *path, long long bytes,
                                       char *err, size_t errlen)
{
    db_checkpointer *c = calloc(1, sizeof *c);

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->pages = db_pages_for(writer, bytes);
    if (c->pages < 1)
        c->pages = 1;
    c->conn = open_with(path, NULL, SQLITE_OPEN_NOMUTEX, 0, err, errlen);
    if (!c->conn) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        snprintf(err, errlen, "%s: cannot start the checkpoint thread", path);
        db_close(c->conn);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
    }
    sqlite3_wal_hook(writer, wal_grew, c);
    return c;
}

void db_checkpointer_stop(db_checkpointer *c, sqlite3 *writer)
{
    if (!c)
        return;
    if (writer)
        sqlite3_wal_autocheckpoint(writer, c->pages);
    pthread_mutex_lock(&c->lock);
    c->stopping = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    db_close(c->conn);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
