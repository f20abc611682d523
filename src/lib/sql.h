/* sql.h -- one prepared statement, run by either store a role may use:
 * SQLite, embedded, or PostgreSQL through libpq.
 *
 * The hub's logic (what a submission, a report or a relay round does to
 * a notice) is the same on both stores; only the SQL text and the way a
 * statement reaches its database differ. Writing that logic once against
 * this shell keeps the two stores from drifting apart. SQL uses ?N
 * placeholders on both (rewritten to $N for PostgreSQL). A statement
 * belongs to one connection, used by one thread at a time. */
#ifndef HERALD_SQL_H
#define HERALD_SQL_H

#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"

struct pg_conn; /* libpq's PGconn */

typedef struct sql_conn sql_conn;
typedef struct sql_stmt sql_stmt;

typedef enum sql_kind { SQL_SQLITE, SQL_POSTGRES } sql_kind;

/* Wraps an open SQLite connection; the caller keeps owning it. */
sql_conn *sql_wrap_sqlite(sqlite3 *db);
/* Connects to PostgreSQL (a libpq connection string or URI). NULL with
 * a message in err (the server's words, without the password). */
sql_conn *sql_connect_pg(const char *dsn, char *err, size_t errlen);
/* libpq's connect with bounded waits (5 s to connect; a dead link found
 * in about 16 s) unless dsn says otherwise; what PQconnectdb returns. */
struct pg_conn *sql_pg_connectdb(const char *dsn);
/* Closes a PostgreSQL connection, frees a wrapper; NULL is allowed. */
void sql_close(sql_conn *c);
sql_kind sql_conn_kind(const sql_conn *c);
/* The connection underneath, for what this shell does not cover (COPY,
 * arrays, advisory locks); NULL when it is of the other kind. */
sqlite3 *sql_conn_sqlite(sql_conn *c);
struct pg_conn *sql_conn_pg(sql_conn *c);
/* 1 when a PostgreSQL connection was lost (the server went away): the
 * owner reconnects with sql_reset_conn. Always 0 for SQLite. */
int sql_lost(const sql_conn *c);
/* Reconnects a lost PostgreSQL connection; its statements are prepared
 * again on their next use. 0, or -1 while the server stays away. */
int sql_reset_conn(sql_conn *c);

/* Runs statements without results (DDL, BEGIN ...). 0, or -1 (logged). */
int sql_exec(sql_conn *c, const char *sql);
/* BEGIN (IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL), COMMIT,
 * ROLLBACK. */
int sql_begin(sql_conn *c);
int sql_commit(sql_conn *c);
void sql_rollback(sql_conn *c);

/* Prepares a statement (on PostgreSQL at its first run). NULL on
 * failure, logged. */
sql_stmt *sql_prepare(sql_conn *c, const char *sql);
void sql_finalize(sql_stmt *st);
/* Forgets the last run's rows and every binding (unbound is NULL). */
void sql_reset(sql_stmt *st);

int sql_bind_text(sql_stmt *st, int i, const char *s); /* NULL binds NULL */
int sql_bind_int64(sql_stmt *st, int i, long long v);
int sql_bind_int(sql_stmt *st, int i, int v);
int sql_bind_blob(sql_stmt *st, int i, const void *p, size_t len);

/* Runs the statement on its first call, then moves to the next row:
 * 1 a row, 0 no more rows, -1 error (logged). */
int sql_step(sql_stmt *st);
/* Runs a statement that returns no rows: 0, or -1. */
int sql_step_done(sql_stmt *st);
/* Runs a statement whose rows and changes nobody reads, without waiting
 * for it on PostgreSQL: it is sent at once (libpq's pipeline mode) and its
 * result read with the next statement that waits, or sql_flush. A failure
 * shows there, and makes the transaction's sql_commit fail. A round trip
 * saved per statement is what a PostgreSQL store's writer is bound by.
 * On SQLite, sql_step_done. 0, or -1. */
int sql_step_later(sql_stmt *st);
/* The same, and the rows it changed go to *changes when its result is
 * read (-1 until then, and if it failed): *changes must stay valid until
 * the next statement that waits, or sql_flush. */
int sql_step_later_changes(sql_stmt *st, long long *changes);
/* Waits for every statement sql_step_later sent: 0, or -1 when one
 * failed. Needed before using sql_conn_pg's connection directly. */
int sql_flush(sql_conn *c);
/* PostgreSQL: COPY (copy_sql, "... FROM STDIN") with data in its
 * format, after waiting for what was sent ahead; 0 when the server took
 * exactly rows rows, else -1 (logged). One COPY costs the server far less
 * than a prepared INSERT per row. */
int sql_copy_in(sql_conn *c, const char *copy_sql, const void *data, size_t len,
                long long rows);
/* One field of a PostgreSQL COPY text row, escaped (NULL is \N), then a
 * tab, or a newline when last. */
void sql_copy_text_field(buf *b, const char *s, int last);
/* One more element of a PostgreSQL text array literal, quoted and
 * escaped ({"a","b"}, for = ANY(?1::text[])): first for the first. */
void sql_array_text(buf *b, const char *s, int first);
/* Rows the last run inserted, updated or deleted (not known after
 * sql_step_later). */
long long sql_changes(sql_stmt *st);

/* Columns of the current row, from 0. NULL reads as 0 or "". */
int sql_is_null(sql_stmt *st, int col);
long long sql_int64(sql_stmt *st, int col);
int sql_int(sql_stmt *st, int col);
const char *sql_text(sql_stmt *st, int col);
/* Copies column text into dst (cap bytes), cut to fit. */
void sql_copy_text(char *dst, size_t cap, sql_stmt *st, int col);
/* A blob's bytes, valid until the next step or reset; *len its size. */
const void *sql_blob(sql_stmt *st, int col, size_t *len);

#endif
