/* Unit tests for sql.c: the same statements give the same answers on
 * SQLite and, when HERALD_TEST_PG_DSN names a server, on PostgreSQL:
 * ?N placeholders (repeated, out of order, inside quotes left alone),
 * NULLs bound and unbound, 64-bit integers, blobs with every byte,
 * changes counted, a statement reused after reset, a failed statement
 * reported, statements sent ahead without waiting (sql_step_later) and
 * a failure among them failing the COMMIT (and on PostgreSQL, one
 * waited on and ignored failing it too), a PostgreSQL connection
 * that is killed coming back, and COPY rows escaped, sent and counted.
 * With HERALD_TEST_PG_DSN set, only the PostgreSQL cases run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sql.h"

static const char *pg_dsn(void)
{
    const char *d = getenv("HERALD_TEST_PG_DSN");
    return d && *d ? d : NULL;
}

static sql_conn *open_kind(sql_kind kind, sqlite3 **lite)
{
    char err[256];
    sql_conn *c;

    if (kind == SQL_SQLITE) {
        assert_int_equal(sqlite3_open(":memory:", lite), SQLITE_OK);
        return sql_wrap_sqlite(*lite);
    }
    c = sql_connect_pg(pg_dsn(), err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

static void close_kind(sql_conn *c, sqlite3 *lite)
{
    sql_close(c);
    if (lite)
        sqlite3_close(lite);
}

static void make_table(sql_conn *c)
{
    assert_int_equal(sql_exec(c, "DROP TABLE IF EXISTS t"), 0);
    assert_int_equal(sql_exec(c, sql_conn_kind(c) == SQL_SQLITE
                                     ? "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, b BLOB)"
                                     : "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, b BYTEA)"),
                     0);
}

static void round_trip(sql_kind kind)
{
    sqlite3 *lite = NULL;
    sql_conn *c = open_kind(kind, &lite);
    uint8_t bytes[256];
    size_t len;
    const void *got;

    for (int i = 0; i < 256; i++)
        bytes[i] = (uint8_t)i;
    make_table(c);
    sql_stmt *ins = sql_prepare(c, "INSERT INTO t(k, n, b) VALUES(?1, ?2, ?3)");
    assert_non_null(ins);
    assert_int_equal(sql_bind_text(ins, 1, "a'?1"), 0);
    assert_int_equal(sql_bind_int64(ins, 2, -9007199254740993LL), 0);
    assert_int_equal(sql_bind_blob(ins, 3, bytes, sizeof bytes), 0);
    assert_int_equal(sql_step_done(ins), 0);
    assert_int_equal(sql_changes(ins), 1);
    sql_reset(ins); /* unbound after reset: NULLs */
    assert_int_equal(sql_bind_text(ins, 1, "b"), 0);
    assert_int_equal(sql_step_done(ins), 0);

    /* ?2 before ?1, ?1 twice, and a '?' inside a literal left alone */
    sql_stmt *sel = sql_prepare(c, "SELECT k, n, b, '?x' FROM t WHERE n = ?2 OR k = ?1"
                                   " OR k = ?1 ORDER BY k");
    assert_non_null(sel);
    sql_bind_text(sel, 1, "b");
    sql_bind_int64(sel, 2, -9007199254740993LL);
    assert_int_equal(sql_step(sel), 1);
    assert_string_equal(sql_text(sel, 0), "a'?1");
    assert_true(sql_int64(sel, 1) == -9007199254740993LL);
    got = sql_blob(sel, 2, &len);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(got, bytes, sizeof bytes);
    assert_string_equal(sql_text(sel, 3), "?x");
    assert_int_equal(sql_step(sel), 1);
    assert_string_equal(sql_text(sel, 0), "b");
    assert_true(sql_is_null(sel, 1));
    assert_int_equal(sql_int(sel, 1), 0);
    assert_true(sql_is_null(sel, 2));
    assert_int_equal(sql_step(sel), 0);

    char small[3];
    sql_reset(sel);
    sql_bind_text(sel, 1, "b");
    sql_bind_int64(sel, 2, -9007199254740993LL);
    assert_int_equal(sql_step(sel), 1);
    sql_copy_text(small, sizeof small, sel, 0);
    assert_string_equal(small, "a'");

    sql_stmt *upd = sql_prepare(c, "UPDATE t SET n = ?1");
    sql_bind_int(upd, 1, 7);
    assert_int_equal(sql_step_done(upd), 0);
    assert_int_equal(sql_changes(upd), 2);

    /* a failed statement is -1, and the connection goes on */
    sql_reset(ins);
    sql_bind_text(ins, 1, "b");
    assert_int_equal(sql_step(ins), -1);
    assert_false(sql_lost(c));
    sql_reset(sel);
    sql_bind_text(sel, 1, "b");
    assert_int_equal(sql_step(sel), 1);

    /* a rolled-back transaction leaves nothing */
    assert_int_equal(sql_begin(c), 0);
    sql_reset(ins);
    sql_bind_text(ins, 1, "c");
    assert_int_equal(sql_step_done(ins), 0);
    sql_rollback(c);
    sql_stmt *count = sql_prepare(c, "SELECT count(*) FROM t");
    assert_int_equal(sql_step(count), 1);
    assert_int_equal(sql_int(count, 0), 2);

    assert_null(sql_prepare(c, "SELECT FROM WHERE"));
    sql_finalize(count);
    sql_finalize(upd);
    sql_finalize(sel);
    sql_finalize(ins);
    close_kind(c, lite);
}

static long long count_rows(sql_conn *c)
{
    sql_stmt *st = sql_prepare(c, "SELECT count(*) FROM t");
    long long n;

    assert_int_equal(sql_step(st), 1);
    n = sql_int64(st, 0);
    sql_finalize(st);
    return n;
}

/* 1,000 inserts sent ahead (more than are ever left in flight) are all
 * there when a read or the COMMIT waits for them; a duplicate key among
 * them fails the COMMIT, which rolls back and leaves the table as it
 * was, where PostgreSQL alone would answer "ROLLBACK" as a success. */
static void later(sql_kind kind)
{
    sqlite3 *lite = NULL;
    sql_conn *c = open_kind(kind, &lite);
    sql_stmt *ins;
    char k[16];

    make_table(c);
    ins = sql_prepare(c, "INSERT INTO t(k, n) VALUES (?1, ?2)");
    assert_non_null(ins);
    assert_int_equal(sql_begin(c), 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "k%d", i);
        sql_bind_text(ins, 1, k);
        sql_bind_int64(ins, 2, i);
        assert_int_equal(sql_step_later(ins), 0);
        sql_reset(ins);
    }
    assert_int_equal(count_rows(c), 1000); /* a read waits for them */
    sql_bind_text(ins, 1, "k1000");
    assert_int_equal(sql_step_later(ins), 0);
    sql_reset(ins);
    assert_int_equal(sql_flush(c), 0);
    assert_int_equal(sql_commit(c), 0);
    assert_int_equal(count_rows(c), 1001);

    assert_int_equal(sql_begin(c), 0);
    sql_bind_text(ins, 1, "new");
    assert_int_equal(sql_step_later(ins), 0);
    sql_reset(ins);
    sql_bind_text(ins, 1, "k5"); /* taken */
    int dup = sql_step_later(ins);
    sql_reset(ins);
    if (kind == SQL_SQLITE) { /* SQLite answers at once */
        assert_int_equal(dup, -1);
        sql_rollback(c);
    } else {
        assert_int_equal(dup, 0);
        assert_int_equal(sql_commit(c), -1);
    }
    assert_int_equal(count_rows(c), 1001); /* "new" went with it */
    if (kind == SQL_POSTGRES) {
        /* a statement waited on that failed, and a caller that commits
         * anyway: the server rolls back, and the commit says so */
        assert_int_equal(sql_begin(c), 0);
        sql_bind_text(ins, 1, "new");
        assert_int_equal(sql_step_done(ins), 0);
        sql_reset(ins);
        sql_bind_text(ins, 1, "k5");
        assert_int_equal(sql_step_done(ins), -1);
        sql_reset(ins);
        assert_int_equal(sql_commit(c), -1);
        assert_int_equal(count_rows(c), 1001);
    }
    assert_int_equal(sql_begin(c), 0); /* and the connection goes on */
    sql_bind_text(ins, 1, "new");
    assert_int_equal(sql_step_later(ins), 0);
    sql_reset(ins);
    assert_int_equal(sql_commit(c), 0);
    assert_int_equal(count_rows(c), 1002);

    /* what each one changed, known once they are read */
    sql_stmt *maybe = sql_prepare(c, "INSERT INTO t(k, n) VALUES (?1, 0) ON CONFLICT DO NOTHING");
    long long changed[300];
    assert_int_equal(sql_begin(c), 0);
    for (int i = 0; i < 300; i++) { /* k0..k149 are there; n0..n149 are not */
        snprintf(k, sizeof k, "%c%d", i % 2 ? 'n' : 'k', i / 2);
        sql_bind_text(maybe, 1, k);
        assert_int_equal(sql_step_later_changes(maybe, &changed[i]), 0);
        sql_reset(maybe);
    }
    assert_int_equal(sql_flush(c), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(changed[i], i % 2);
    assert_int_equal(sql_commit(c), 0);
    assert_int_equal(count_rows(c), 1152);
    sql_finalize(maybe);
    sql_finalize(ins);
    close_kind(c, lite);
}

static void test_sqlite(void **state)
{
    (void)state;
    round_trip(SQL_SQLITE);
}

static void test_postgres(void **state)
{
    (void)state;
    round_trip(SQL_POSTGRES);
}

static void test_sqlite_later(void **state)
{
    (void)state;
    later(SQL_SQLITE);
}

static void test_postgres_later(void **state)
{
    (void)state;
    later(SQL_POSTGRES);
}

/* The server ends the session (as a restart would): the next statement
 * fails and marks the connection lost; after sql_reset_conn the same
 * statement prepares itself again and runs. */
static void test_postgres_reconnect(void **state)
{
    char err[256];
    (void)state;
    sql_conn *c = sql_connect_pg(pg_dsn(), err, sizeof err);
    sql_conn *killer = sql_connect_pg(pg_dsn(), err, sizeof err);
    assert_non_null(c);
    assert_non_null(killer);
    sql_stmt *pid = sql_prepare(c, "SELECT pg_backend_pid()");
    assert_int_equal(sql_step(pid), 1);
    long long victim = sql_int64(pid, 0);
    sql_stmt *kill = sql_prepare(killer, "SELECT pg_terminate_backend(?1::int)");
    sql_bind_int64(kill, 1, victim);
    assert_int_equal(sql_step(kill), 1);
    assert_int_equal(sql_int(kill, 0), 1);
    sql_reset(pid);
    for (int i = 0; i < 50 && sql_step(pid) >= 0; i++) /* until the end is seen */
        sql_reset(pid);
    assert_true(sql_lost(c));
    assert_int_equal(sql_reset_conn(c), 0);
    assert_false(sql_lost(c));
    sql_reset(pid);
    assert_int_equal(sql_step(pid), 1);
    assert_true(sql_int64(pid, 0) != victim);
    sql_finalize(kill);
    sql_finalize(pid);
    sql_close(killer);
    sql_close(c);
}

static void test_unreachable(void **state)
{
    char err[256] = "";
    (void)state;
    assert_null(sql_connect_pg("host=127.0.0.1 port=1 connect_timeout=2", err, sizeof err));
    assert_non_null(strstr(err, "PostgreSQL: "));
    assert_null(strchr(err, '\n'));
}

/* A COPY text field: special characters escaped, NULL as \N, the
 * separator after it. */
static void test_copy_text_field(void **state)
{
    buf b;
    (void)state;
    buf_init(&b, 16);
    sql_copy_text_field(&b, "plain", 0);
    sql_copy_text_field(&b, NULL, 0);
    sql_copy_text_field(&b, "", 0);
    sql_copy_text_field(&b, "a\\b\tc\nd\re", 0);
    sql_copy_text_field(&b, "\\N", 1);
    buf_append(&b, "", 1);
    assert_string_equal(b.data, "plain\t\\N\t\ta\\\\b\\tc\\nd\\re\t\\\\N\n");
    buf_free(&b);
}

/* Rows made with sql_copy_text_field go in as they were (escapes, NULL,
 * a backslash before N that is not a NULL), counted; a row count that
 * does not match, or a row the server refuses, fails the call, and the
 * connection serves the next statement. */
static void test_postgres_copy(void **state)
{
    static const char *const keys[] = {"tab\there", "line\nbreak", "back\\slash", "\\N"};
    sqlite3 *lite = NULL;
    sql_conn *c = open_kind(SQL_POSTGRES, &lite);
    buf b;
    (void)state;
    make_table(c);
    buf_init(&b, 256);
    for (int i = 0; i < 4; i++) {
        sql_copy_text_field(&b, keys[i], 0);
        sql_copy_text_field(&b, i == 3 ? NULL : "7", 1);
    }
    assert_int_equal(sql_copy_in(c, "COPY t(k, n) FROM STDIN", b.data, b.len, 4), 0);
    sql_stmt *st = sql_prepare(c, "SELECT k, n IS NULL FROM t ORDER BY k COLLATE \"C\"");
    int rows = 0;
    while (sql_step(st) == 1) {
        int found = 0;
        for (int i = 0; i < 4; i++)
            if (!strcmp(sql_text(st, 0), keys[i]))
                found = 1 + (sql_int(st, 1) == (i == 3));
        assert_int_equal(found, 2);
        rows++;
    }
    assert_int_equal(rows, 4);
    sql_finalize(st);
    /* 2 rows said, 1 sent */
    b.len = 0;
    sql_copy_text_field(&b, "one", 0);
    sql_copy_text_field(&b, "1", 1);
    assert_int_equal(sql_copy_in(c, "COPY t(k, n) FROM STDIN", b.data, b.len, 2), -1);
    /* not a number */
    b.len = 0;
    sql_copy_text_field(&b, "two", 0);
    sql_copy_text_field(&b, "x", 1);
    assert_int_equal(sql_copy_in(c, "COPY t(k, n) FROM STDIN", b.data, b.len, 1), -1);
    assert_false(sql_lost(c));
    st = sql_prepare(c, "SELECT count(*) FROM t WHERE k = 'two'");
    assert_int_equal(sql_step(st), 1);
    assert_int_equal(sql_int(st, 0), 0);
    sql_finalize(st);
    buf_free(&b);
    close_kind(c, lite);
}

/* The PostgreSQL cases run when a server is named (tests/integration/
 * sql_pg.sh starts one); without it only SQLite's. */
int main(void)
{
    const struct CMUnitTest lite[] = {
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_sqlite_later),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_copy_text_field),
    };
    const struct CMUnitTest pg[] = {
        cmocka_unit_test(test_postgres),
        cmocka_unit_test(test_postgres_later),
        cmocka_unit_test(test_postgres_reconnect),
        cmocka_unit_test(test_postgres_copy),
    };
    if (pg_dsn())
        return cmocka_run_group_tests_name("postgres", pg, NULL, NULL);
    return cmocka_run_group_tests_name("sqlite", lite, NULL, NULL);
}
