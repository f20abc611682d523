/* sql.c -- see sql.h.
 *
 * On SQLite every call is the sqlite3_* call it names. On PostgreSQL a
 * statement collects its parameters as text (blobs as binary), runs as a
 * named prepared statement at its first step, and reads its rows from
 * the PGresult; results are text, so a bytea comes as "\x" and hex and
 * is decoded here. A connection that breaks is marked lost, and a
 * reconnect makes every statement prepare itself again (the server
 * forgot them with the session). */
#include "sql.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Parameters a PostgreSQL statement may have: the hub's take a dozen. */
#define SQL_MAX_PARAMS 64
/* Statements sql_step_later leaves in flight before it reads their
 * results: their answers (a few dozen bytes each) stay far below what the
 * sockets hold, so neither side blocks on the other. */
#define SQL_MAX_PENDING 256

struct sql_conn {
    sql_kind kind;
    sqlite3 *lite;
    PGconn *pg;
    char *dsn;
    unsigned gen;      /* bumped on every reconnect */
    unsigned next_id;  /* names of prepared statements */
    int lost;
    /* Statements sent by sql_step_later whose results are not read yet
     * (the connection is in libpq's pipeline mode while there are any),
     * and whether one of them failed: the transaction is then lost, and
     * its COMMIT must fail rather than answer "ROLLBACK" as if it were
     * one. */
    int pending;
    int later_failed;
    long long *changes_to[SQL_MAX_PENDING]; /* where each one's changes go, or NULL */
};

/* A parameter's len when it is bound to nothing (NULL). */
#define PARAM_UNSET ((size_t)-1)

typedef struct pg_param {
    char *val;         /* NULL: SQL NULL */
    size_t len, cap;
    int binary;
} pg_param;

struct sql_stmt {
    sql_conn *c;
    sqlite3_stmt *lite;
    /* PostgreSQL */
    char *text;            /* with $N placeholders */
    char name[24];
    unsigned prepared_gen; /* c->gen it was prepared under; 0: never */
    int nparams;
    pg_param p[SQL_MAX_PARAMS];
    PGresult *res;
    int row, nrows, ran;
    long long changes;
    unsigned char *blob;   /* the last bytea decoded */
    size_t blob_cap;
};

/* ---- connections ---- */

sql_conn *sql_wrap_sqlite(sqlite3 *db)
{
    sql_conn *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->kind = SQL_SQLITE;
    c->lite = db;
    return c;
}

/* libpq's message ends in a newline, and may span lines: one line for
 * the log. */
static void one_line(char *err, size_t errlen, const char *prefix, const char *msg)
{
    size_t n;

    snprintf(err, errlen, "%s%s", prefix, msg ? msg : "unknown error");
    n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
}

/* The server's notices ("table does not exist, skipping" and the like)
 * go to the log as one line, not to stderr. */
static void pg_notice(void *arg, const char *message)
{
    char line[512];

    (void)arg;
    one_line(line, sizeof line, "PostgreSQL: ", message);
    log_info("%s", line);
}

/* libpq waits for ever by default: for a server that does not answer a
 * connect (a host gone, the kernel tries for about two minutes, each
 * host of a failover dsn in turn), and for a statement's answer on a link
 * that died (until TCP gives up, a quarter of an hour). A store calls
 * under its writer's lock, so every request would hang that long instead
 * of being answered 503. These defaults bound both to seconds; dsn is
 * expanded after them, so its own settings win. */
struct pg_conn *sql_pg_connectdb(const char *dsn)
{
    static const char *const keys[] = {"connect_timeout", "keepalives", "keepalives_idle",
                                       "keepalives_interval", "keepalives_count",
                                       "tcp_user_timeout", "dbname", NULL};
    const char *const values[] = {"5", "1", "10", "2", "3", "15000", dsn, NULL};

    return PQconnectdbParams(keys, values, 1);
}

static PGconn *pg_open(const char *dsn, char *err, size_t errlen)
{
    PGconn *pg = sql_pg_connectdb(dsn);

    if (!pg) {
        snprintf(err, errlen, "PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        one_line(err, errlen, "PostgreSQL: ", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, pg_notice, NULL);
    return pg;
}

sql_conn *sql_connect_pg(const char *dsn, char *err, size_t errlen)
{
    sql_conn *c = calloc(1, sizeof *c);

    if (!c || !(c->dsn = strdup(dsn))) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->kind = SQL_POSTGRES;
    c->gen = 1;
    c->pg = pg_open(dsn, err, errlen);
    if (!c->pg) {
        free(c->dsn);
        free(c);
        return NULL;
    }
    return c;
}

void sql_close(sql_conn *c)
{
    if (!c)
        return;
    if (c->pg)
        PQfinish(c->pg);
    free(c->dsn);
    free(c);
}

sql_kind sql_conn_kind(const sql_conn *c)
{
    return c->kind;
}

struct pg_conn *sql_conn_pg(sql_conn *c)
{
    return c->kind == SQL_POSTGRES ? c->pg : NULL;
}

sqlite3 *sql_conn_sqlite(sql_conn *c)
{
    return c->kind == SQL_SQLITE ? c->lite : NULL;
}

int sql_lost(const sql_conn *c)
{
    return c->kind == SQL_POSTGRES && (c->lost || PQstatus(c->pg) == CONNECTION_BAD);
}

int sql_reset_conn(sql_conn *c)
{
    char err[256];
    PGconn *pg;

    if (c->kind != SQL_POSTGRES)
        return 0;
    pg = pg_open(c->dsn, err, sizeof err);
    if (!pg)
        return -1;
    PQfinish(c->pg);
    c->pg = pg;
    c->gen++;
    c->lost = 0;
    c->pending = 0;
    c->later_failed = 0;
    log_info("PostgreSQL: connected again");
    return 0;
}

/* Notes a failed call: logs the server's words, marks a broken
 * connection lost. */
static void pg_failed(sql_conn *c, const PGresult *r, const char *what)
{
    char line[512];

    one_line(line, sizeof line, "", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        if (!c->lost)
            log_error("PostgreSQL: connection lost (%s): %s", what, line);
        c->lost = 1;
        return;
    }
    log_error("PostgreSQL: %s: %s", what, line);
}

static int pg_flush(sql_conn *c);

int sql_exec(sql_conn *c, const char *sql)
{
    PGresult *r;
    int ok;

    if (c->kind == SQL_SQLITE) {
        char *msg = NULL;
        if (sqlite3_exec(c->lite, sql, NULL, NULL, &msg) != SQLITE_OK) {
            log_error("database: %s", msg ? msg : sqlite3_errmsg(c->lite));
            sqlite3_free(msg);
            return -1;
        }
        return 0;
    }
    if (c->lost || pg_flush(c) != 0)
        return -1;
    r = PQexec(c->pg, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        pg_failed(c, r, "exec");
    PQclear(r);
    return ok ? 0 : -1;
}

/* PostgreSQL's level is named, not left to the server's default: a
 * statement after a row lock must see what the lock's last holder
 * committed (the hub's batches read relays rows after locking their
 * notices), which REPEATABLE READ would not. */
int sql_begin(sql_conn *c)
{
    c->later_failed = 0;
    return sql_exec(c, c->kind == SQL_SQLITE ? "BEGIN IMMEDIATE"
                                             : "BEGIN ISOLATION LEVEL READ COMMITTED");
}

/* A transaction in which a statement failed is rolled back by the
 * server's answer to COMMIT, which still reports success (its tag says
 * ROLLBACK): a caller that went on after a failure must not be told its
 * writes were kept. */
static int pg_commit(sql_conn *c)
{
    PGresult *r;
    int ok;

    if (pg_flush(c) != 0 || c->later_failed || PQtransactionStatus(c->pg) == PQTRANS_INERROR) {
        sql_rollback(c);
        return -1;
    }
    r = PQexec(c->pg, "COMMIT");
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        pg_failed(c, r, "commit");
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        log_error("PostgreSQL: the transaction had failed: the server rolled it back");
        ok = 0;
    }
    PQclear(r);
    return ok ? 0 : -1;
}

int sql_commit(sql_conn *c)
{
    if (c->kind == SQL_POSTGRES)
        return c->lost ? -1 : pg_commit(c);
    return sql_exec(c, "COMMIT");
}

void sql_rollback(sql_conn *c)
{
    if (c->kind == SQL_SQLITE) {
        if (!sqlite3_get_autocommit(c->lite))
            sql_exec(c, "ROLLBACK");
        return;
    }
    pg_flush(c);
    c->later_failed = 0;
    if (!c->lost && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        sql_exec(c, "ROLLBACK");
}

/* Reads the results of every statement sql_step_later sent, and leaves
 * pipeline mode. 0, or -1 when one of them failed (or the connection). */
static int pg_flush(sql_conn *c)
{
    PGresult *r;
    int synced = 0, failed, sent = c->pending, k = 0;

    if (c->pending == 0)
        return c->later_failed ? -1 : 0;
    c->pending = 0;
    if (PQpipelineSync(c->pg) != 1) {
        pg_failed(c, NULL, "pipeline");
        c->later_failed = 1;
    }
    while (!synced && !c->lost) {
        r = PQgetResult(c->pg);
        if (!r) { /* between two statements' results */
            if (PQstatus(c->pg) == CONNECTION_BAD) {
                pg_failed(c, NULL, "pipeline");
                c->later_failed = 1;
            }
            continue;
        }
        ExecStatusType s = PQresultStatus(r);
        long long changes = -1;
        switch (s) {
        case PGRES_PIPELINE_SYNC:
            synced = 1;
            break;
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
            changes = atoll(PQcmdTuples(r));
            break;
        case PGRES_PIPELINE_ABORTED: /* after the one that failed */
            c->later_failed = 1;
            break;
        default:
            if (!c->later_failed)
                pg_failed(c, r, "a statement sent ahead");
            c->later_failed = 1;
        }
        if (s != PGRES_PIPELINE_SYNC && k < sent && c->changes_to[k++])
            *c->changes_to[k - 1] = changes;
        PQclear(r);
    }
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF && PQexitPipelineMode(c->pg) != 1)
        c->lost = 1; /* results still unread: nothing later could trust it */
    failed = c->later_failed;
    if (!c->lost && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        c->later_failed = 0; /* no transaction for the failure to spoil */
    return failed ? -1 : 0;
}

int sql_flush(sql_conn *c)
{
    if (c->kind != SQL_POSTGRES || c->lost)
        return c->kind == SQL_POSTGRES ? -1 : 0;
    return pg_flush(c);
}

/* ---- statements ---- */

static int pg_ensure_prepared(sql_stmt *st);

/* ?N (and a bare ?, numbered on) as $N, outside quotes and identifiers.
 * *nparams: the highest number. */
static char *pg_placeholders(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 2 + 1), *o = out;
    char quote = 0;
    int next = 1, max = 0;

    if (!out)
        return NULL;
    for (const char *s = sql; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
            *o++ = *s;
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
            *o++ = *s;
        } else if (*s == '?') {
            int n = 0;
            while (s[1] >= '0' && s[1] <= '9' && n < 10000)
                n = n * 10 + (*++s - '0');
            if (n == 0)
                n = next;
            next = n + 1;
            if (n > max)
                max = n;
            o += sprintf(o, "$%d", n);
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    *nparams = max;
    return out;
}

sql_stmt *sql_prepare(sql_conn *c, const char *sql)
{
    sql_stmt *st = calloc(1, sizeof *st);

    if (!st)
        return NULL;
    st->c = c;
    if (c->kind == SQL_SQLITE) {
        if (sqlite3_prepare_v2(c->lite, sql, -1, &st->lite, NULL) != SQLITE_OK) {
            log_error("database: %s in: %.200s", sqlite3_errmsg(c->lite), sql);
            free(st);
            return NULL;
        }
        return st;
    }
    st->text = pg_placeholders(sql, &st->nparams);
    if (!st->text || st->nparams > SQL_MAX_PARAMS) {
        log_error("PostgreSQL: cannot prepare (%d parameters, at most %d): %.200s",
                  st->nparams, SQL_MAX_PARAMS, sql);
        free(st->text);
        free(st);
        return NULL;
    }
    snprintf(st->name, sizeof st->name, "h%u", ++c->next_id);
    st->row = -1;
    if (pg_ensure_prepared(st) != 0) { /* a mistake in the SQL shows at open */
        sql_finalize(st);
        return NULL;
    }
    return st;
}

static void pg_clear_result(sql_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    st->ran = 0;
}

void sql_finalize(sql_stmt *st)
{
    if (!st)
        return;
    if (st->lite)
        sqlite3_finalize(st->lite);
    pg_clear_result(st);
    for (int i = 0; i < SQL_MAX_PARAMS; i++)
        free(st->p[i].val);
    free(st->blob);
    free(st->text);
    free(st);
}

void sql_reset(sql_stmt *st)
{
    if (st->lite) {
        sqlite3_reset(st->lite);
        sqlite3_clear_bindings(st->lite);
        return;
    }
    pg_clear_result(st);
    st->changes = 0;
    for (int i = 0; i < st->nparams; i++) {
        st->p[i].len = PARAM_UNSET;
        st->p[i].binary = 0;
    }
}

/* Room for len bytes (and a NUL) in parameter i (from 1). */
static pg_param *pg_param_room(sql_stmt *st, int i, size_t len)
{
    pg_param *p;

    if (i < 1 || i > st->nparams)
        return NULL;
    p = &st->p[i - 1];
    if (!p->val || p->cap < len + 1) {
        size_t cap = len + 1 < 32 ? 32 : len + 1;
        char *v = realloc(p->val, cap);
        if (!v)
            return NULL;
        p->val = v;
        p->cap = cap;
    }
    p->len = len;
    p->binary = 0;
    return p;
}

int sql_bind_text(sql_stmt *st, int i, const char *s)
{
    pg_param *p;
    size_t len;

    if (st->lite)
        return s ? sqlite3_bind_text(st->lite, i, s, -1, SQLITE_TRANSIENT)
                 : sqlite3_bind_null(st->lite, i);
    if (!s) {
        if (i >= 1 && i <= st->nparams)
            st->p[i - 1].len = PARAM_UNSET;
        return 0;
    }
    len = strlen(s);
    p = pg_param_room(st, i, len);
    if (!p)
        return -1;
    memcpy(p->val, s, len + 1);
    return 0;
}

int sql_bind_int64(sql_stmt *st, int i, long long v)
{
    pg_param *p;

    if (st->lite)
        return sqlite3_bind_int64(st->lite, i, v);
    p = pg_param_room(st, i, 24);
    if (!p)
        return -1;
    p->len = (size_t)snprintf(p->val, p->cap, "%lld", v);
    return 0;
}

int sql_bind_int(sql_stmt *st, int i, int v)
{
    if (st->lite)
        return sqlite3_bind_int(st->lite, i, v);
    return sql_bind_int64(st, i, v);
}

int sql_bind_blob(sql_stmt *st, int i, const void *b, size_t len)
{
    pg_param *p;

    if (st->lite)
        return sqlite3_bind_blob(st->lite, i, b, (int)len, SQLITE_TRANSIENT);
    p = pg_param_room(st, i, len);
    if (!p)
        return -1;
    if (len)
        memcpy(p->val, b, len);
    p->binary = 1;
    return 0;
}

/* Prepares st on the server under this connection's session. */
static int pg_ensure_prepared(sql_stmt *st)
{
    sql_conn *c = st->c;
    PGresult *r;
    int ok;

    if (st->prepared_gen == c->gen)
        return 0;
    pg_flush(c); /* a failure there stays for the COMMIT to see */
    r = PQprepare(c->pg, st->name, st->text, st->nparams, NULL);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        pg_failed(c, r, st->text);
    else
        st->prepared_gen = c->gen;
    PQclear(r);
    return ok ? 0 : -1;
}

static void pg_params(sql_stmt *st, const char **vals, int *lens, int *fmts)
{
    for (int i = 0; i < st->nparams; i++) {
        int unset = !st->p[i].val || st->p[i].len == PARAM_UNSET;
        vals[i] = unset ? NULL : st->p[i].val;
        lens[i] = unset ? 0 : (int)st->p[i].len;
        fmts[i] = unset ? 0 : st->p[i].binary;
    }
}

static int pg_run(sql_stmt *st)
{
    const char *vals[SQL_MAX_PARAMS];
    int lens[SQL_MAX_PARAMS], fmts[SQL_MAX_PARAMS];
    sql_conn *c = st->c;
    ExecStatusType s;

    if (c->lost || pg_flush(c) != 0 || pg_ensure_prepared(st) != 0)
        return -1;
    pg_params(st, vals, lens, fmts);
    st->res = PQexecPrepared(c->pg, st->name, st->nparams, vals, lens, fmts, 0);
    st->ran = 1;
    s = PQresultStatus(st->res);
    if (s == PGRES_TUPLES_OK) {
        st->nrows = PQntuples(st->res);
        st->changes = atoll(PQcmdTuples(st->res));
        return 0;
    }
    if (s == PGRES_COMMAND_OK) {
        st->nrows = 0;
        st->changes = atoll(PQcmdTuples(st->res));
        return 0;
    }
    pg_failed(c, st->res, st->text);
    return -1;
}

int sql_step(sql_stmt *st)
{
    int rc;

    if (st->lite) {
        rc = sqlite3_step(st->lite);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            return rc == SQLITE_ROW;
        log_error("database: %s", sqlite3_errmsg(sqlite3_db_handle(st->lite)));
        return -1;
    }
    if (!st->ran && pg_run(st) != 0)
        return -1;
    if (st->row + 1 >= st->nrows)
        return 0;
    st->row++;
    return 1;
}

int sql_step_done(sql_stmt *st)
{
    return sql_step(st) < 0 ? -1 : 0;
}

int sql_step_later(sql_stmt *st)
{
    return sql_step_later_changes(st, NULL);
}

int sql_step_later_changes(sql_stmt *st, long long *changes)
{
    const char *vals[SQL_MAX_PARAMS];
    int lens[SQL_MAX_PARAMS], fmts[SQL_MAX_PARAMS];
    sql_conn *c = st->c;

    if (changes)
        *changes = -1;
    if (st->lite) {
        if (sql_step_done(st) != 0)
            return -1;
        if (changes)
            *changes = sql_changes(st);
        return 0;
    }
    if (c->lost || c->later_failed)
        return -1;
    if (pg_ensure_prepared(st) != 0)
        return -1;
    if (c->pending == 0 && PQenterPipelineMode(c->pg) != 1) {
        pg_failed(c, NULL, "pipeline");
        return -1;
    }
    pg_params(st, vals, lens, fmts);
    if (PQsendQueryPrepared(c->pg, st->name, st->nparams, vals, lens, fmts, 0) != 1) {
        pg_failed(c, NULL, st->text);
        c->later_failed = 1;
        if (c->pending == 0)
            PQexitPipelineMode(c->pg);
        return -1;
    }
    st->ran = 1;
    st->changes = 0;
    c->changes_to[c->pending] = changes;
    if (++c->pending >= SQL_MAX_PENDING)
        return pg_flush(c);
    return 0;
}

long long sql_changes(sql_stmt *st)
{
    if (st->lite)
        return sqlite3_changes(sqlite3_db_handle(st->lite));
    return st->changes;
}

int sql_copy_in(sql_conn *c, const char *copy_sql, const void *data, size_t len,
                long long rows)
{
    PGresult *r;
    int rc = -1;

    if (c->kind != SQL_POSTGRES || len > INT_MAX) {
        log_error("PostgreSQL: copy: %zu bytes, not on a PostgreSQL connection or too many", len);
        return -1;
    }
    if (sql_flush(c) != 0)
        return -1;
    r = PQexec(c->pg, copy_sql);
    if (PQresultStatus(r) == PGRES_COPY_IN) {
        PQclear(r);
        rc = PQputCopyData(c->pg, data, (int)len) == 1 ? 0 : -1;
        if (PQputCopyEnd(c->pg, rc == 0 ? NULL : "cannot send the rows") != 1) {
            pg_failed(c, NULL, "copy");
            c->lost = 1; /* libpq may still be in the COPY: start afresh */
            return -1;
        }
        r = PQgetResult(c->pg);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = -1;
        else if (atoll(PQcmdTuples(r)) != rows) {
            log_error("PostgreSQL: copy: %s rows taken of %lld", PQcmdTuples(r), rows);
            PQclear(r);
            r = NULL;
            rc = -2;
        }
    }
    if (rc == -1)
        pg_failed(c, r, "copy");
    PQclear(r);
    while ((r = PQgetResult(c->pg))) { /* none is left after a COPY; to be sure */
        int stuck = PQresultStatus(r) == PGRES_COPY_IN;
        PQclear(r);
        if (stuck) {
            c->lost = 1;
            break;
        }
    }
    return rc == 0 ? 0 : -1;
}

void sql_copy_text_field(buf *b, const char *s, int last)
{
    if (!s)
        buf_puts(b, "\\N");
    while (s && *s) {
        size_t plain = strcspn(s, "\\\t\n\r");
        buf_append(b, s, plain);
        s += plain;
        if (*s) {
            buf_puts(b, *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : "\\r");
            s++;
        }
    }
    buf_append(b, last ? "\n" : "\t", 1);
}

void sql_array_text(buf *b, const char *s, int first)
{
    buf_puts(b, first ? "\"" : ",\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_append(b, "\\", 1);
        buf_append(b, s, 1);
    }
    buf_append(b, "\"", 1);
}

/* ---- columns ---- */

static const char *pg_value(sql_stmt *st, int col)
{
    if (!st->res || st->row < 0 || st->row >= st->nrows || col < 0 ||
        col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

int sql_is_null(sql_stmt *st, int col)
{
    if (st->lite)
        return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
    return pg_value(st, col) == NULL;
}

long long sql_int64(sql_stmt *st, int col)
{
    const char *v;

    if (st->lite)
        return sqlite3_column_int64(st->lite, col);
    v = pg_value(st, col);
    if (!v)
        return 0;
    if (v[0] == 't' && v[1] == '\0') /* a boolean */
        return 1;
    return strtoll(v, NULL, 10);
}

int sql_int(sql_stmt *st, int col)
{
    return (int)sql_int64(st, col);
}

const char *sql_text(sql_stmt *st, int col)
{
    const char *v;

    if (st->lite) {
        const unsigned char *t = sqlite3_column_text(st->lite, col);
        return t ? (const char *)t : "";
    }
    v = pg_value(st, col);
    return v ? v : "";
}

void sql_copy_text(char *dst, size_t cap, sql_stmt *st, int col)
{
    const char *t;
    size_t n;

    if (st->lite) {
        const void *v = sqlite3_column_text(st->lite, col);
        n = v ? (size_t)sqlite3_column_bytes(st->lite, col) : 0;
        t = v;
    } else {
        t = sql_text(st, col);
        n = strlen(t);
    }
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

static int hex_nibble(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

const void *sql_blob(sql_stmt *st, int col, size_t *len)
{
    const char *v;
    size_t hex, n;

    *len = 0;
    if (st->lite) {
        const void *b = sqlite3_column_blob(st->lite, col);
        *len = (size_t)sqlite3_column_bytes(st->lite, col);
        return b;
    }
    v = pg_value(st, col);
    if (!v || v[0] != '\\' || v[1] != 'x') /* bytea_output = hex, the default */
        return NULL;
    hex = strlen(v + 2);
    if (hex % 2)
        return NULL;
    n = hex / 2;
    if (n + 1 > st->blob_cap) {
        unsigned char *b = realloc(st->blob, n + 1);
        if (!b)
            return NULL;
        st->blob = b;
        st->blob_cap = n + 1;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_nibble(v[2 + 2 * i]), lo = hex_nibble(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return NULL;
        st->blob[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n;
    return st->blob;
}
