/* test_hub_directory.c -- the hub's directory answers who reaches a person:
 * those with consent first, then those without (for a pre-notice), each first choice first, ties by platform name, at most
 * HUB_MAX_ROUTES; the latest report per (rk, platform) wins, within a
 * batch too; a batch of thousands of recipients, some named twice, each
 * gets its own routes. Uses a real SQLite file in a temporary folder,
 * or, when HERALD_TEST_PG_DSN names a server, the same cases on the
 * PostgreSQL directory (hub_directory_pg.c), whose table they empty
 * first, and a connection killed under it coming back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hub_directory.h"
#include "sql.h"

static char dir[] = "/tmp/test_hub_directory.XXXXXX";

static const char *pg_dsn(void)
{
    const char *d = getenv("HERALD_TEST_PG_DSN");
    return d && *d ? d : NULL;
}

/* A directory with nothing in it: a new file, or the PostgreSQL table
 * emptied. */
static hub_directory *open_empty(void)
{
    char path[64], err[256];
    hub_directory *d;

    if (pg_dsn()) {
        sql_conn *c = sql_connect_pg(pg_dsn(), err, sizeof err);
        if (!c)
            fail_msg("%s", err);
        assert_int_equal(sql_exec(c, "DROP TABLE IF EXISTS directory"), 0);
        sql_close(c);
        d = hub_directory_open_pg(pg_dsn(), err, sizeof err);
    } else {
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/directory.db", dir);
        d = hub_directory_open(path, NULL, err, sizeof err);
    }
    if (!d)
        fail_msg("%s", err);
    return d;
}

static void close_dir(hub_directory *d)
{
    char cmd[64];

    hub_directory_close(d);
    if (pg_dsn())
        return;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    strcpy(dir, "/tmp/test_hub_directory.XXXXXX");
}

typedef struct answer {
    char routes[5][HUB_MAX_ROUTES + 8][HUB_NAME_MAX + 1];
    int n[5], consenting[5];
} answer;

static void collect(void *ctx, size_t i, char routes[][HUB_NAME_MAX + 1], int n, int consenting)
{
    answer *a = ctx;

    a->n[i] = n;
    a->consenting[i] = consenting;
    for (int k = 0; k < n; k++)
        strcpy(a->routes[i][k], routes[k]);
}

static void put(hub_directory *d, const char *platform, const char *rk, int consent, int pref)
{
    hub_dir_entry e = {.consent = consent, .preference = pref};

    snprintf(e.rk, sizeof e.rk, "%s", rk);
    assert_int_equal(hub_directory_put(d, platform, &e, 1, 1), 0);
}

static void routes_follow_consent_and_preference(void **state)
{
    char rks[5][65] = {"rk-a", "rk-b", "rk-c", "rk-none", "rk-d"}, name[16];
    hub_directory *d = open_empty();
    answer a;

    (void)state;

    /* a: three platforms; one tie broken by name */
    put(d, "zeta", "rk-a", 1, 2);
    put(d, "carrier", "rk-a", 1, 1);
    put(d, "alpha", "rk-a", 1, 2);
    /* b: consent withdrawn on the first choice; a later report wins */
    put(d, "messenger", "rk-b", 1, 1);
    put(d, "carrier", "rk-b", 1, 2);
    put(d, "messenger", "rk-b", 0, 1);
    /* c: more platforms than a route list holds; the best ones stay. Rows
     * come back in name order, worst first, so later ones go in front. */
    for (int k = 1; k <= HUB_MAX_ROUTES + 5; k++) {
        snprintf(name, sizeof name, "p%02d", k);
        put(d, name, "rk-c", 1, HUB_MAX_ROUTES + 6 - k);
    }
    /* d: the same, best first: later ones are worse and stay out */
    for (int k = 1; k <= HUB_MAX_ROUTES + 5; k++) {
        snprintf(name, sizeof name, "q%02d", k);
        put(d, name, "rk-d", 1, k);
    }
    memset(&a, 0, sizeof a);
    assert_int_equal(hub_directory_routes_many(d, rks[0], sizeof rks[0], 5, collect, &a), 0);

    assert_int_equal(a.n[0], 3);
    assert_string_equal(a.routes[0][0], "carrier");
    assert_string_equal(a.routes[0][1], "alpha");
    assert_string_equal(a.routes[0][2], "zeta");
    assert_int_equal(a.consenting[0], 3);
    /* the platform without consent comes last, outside the consenting ones */
    assert_int_equal(a.n[1], 2);
    assert_int_equal(a.consenting[1], 1);
    assert_string_equal(a.routes[1][0], "carrier");
    assert_string_equal(a.routes[1][1], "messenger");
    assert_int_equal(a.n[2], HUB_MAX_ROUTES);
    for (int k = 0; k < HUB_MAX_ROUTES; k++) {
        snprintf(name, sizeof name, "p%02d", HUB_MAX_ROUTES + 5 - k);
        assert_string_equal(a.routes[2][k], name);
    }
    assert_int_equal(a.n[3], 0);
    assert_int_equal(a.consenting[3], 0);
    assert_int_equal(a.n[4], HUB_MAX_ROUTES);
    for (int k = 0; k < HUB_MAX_ROUTES; k++) {
        snprintf(name, sizeof name, "q%02d", k + 1);
        assert_string_equal(a.routes[4][k], name);
    }

    close_dir(d);
}

#define MANY 2500 /* more than one PostgreSQL statement's worth */
#define DUP (MANY - 3)

typedef struct many {
    char first[MANY][HUB_NAME_MAX + 1];
    int n[MANY], calls;
} many;

static void collect_many(void *ctx, size_t i, char routes[][HUB_NAME_MAX + 1], int n,
                         int consenting)
{
    many *m = ctx;

    (void)consenting;
    m->calls++;
    m->n[i] = n;
    snprintf(m->first[i], sizeof m->first[i], "%s", n ? routes[0] : "");
}

/* One batch of entries, an rk in it twice: the later entry wins. A batch
 * of recipients in reverse order, every tenth one unknown and every
 * recipient named twice: each index is answered once, with its own. */
static void batches_of_thousands(void **state)
{
    hub_directory *d = open_empty();
    hub_dir_entry *e = calloc(MANY + 1, sizeof *e);
    char (*rks)[65] = calloc(2 * MANY, sizeof *rks);
    many *m = calloc(1, sizeof *m);

    (void)state;
    assert_non_null(e);
    assert_non_null(rks);
    assert_non_null(m);
    for (int i = 0; i < MANY; i++) {
        snprintf(e[i].rk, sizeof e[i].rk, "%064d", i);
        e[i].consent = 1;
        e[i].preference = 2;
    }
    /* the same rk again, later in the same statement's thousand: it wins */
    e[MANY] = e[DUP];
    e[MANY].preference = 1;
    assert_int_equal(hub_directory_put(d, "messenger", e, MANY + 1, 1), 0);
    for (int i = 0; i < MANY; i += 2)
        e[i].preference = 1;
    assert_int_equal(hub_directory_put(d, "carrier", e, MANY, 2), 0);

    for (int i = 0; i < MANY; i++) {
        if (i % 10 == 3)
            snprintf(rks[MANY - 1 - i], 65, "unknown-%d", i);
        else
            snprintf(rks[MANY - 1 - i], 65, "%064d", i);
        memcpy(rks[MANY + i], rks[MANY - 1 - i], 65);
    }
    assert_int_equal(hub_directory_routes_many(d, rks[0], sizeof rks[0], MANY, collect_many, m),
                     0);
    assert_int_equal(m->calls, MANY);
    for (int i = 0; i < MANY; i++) {
        int at = MANY - 1 - i;
        if (i % 10 == 3) {
            assert_int_equal(m->n[at], 0);
            continue;
        }
        assert_int_equal(m->n[at], 2);
        /* even: carrier first (1 < 2); odd: a tie, by name; DUP: messenger's 1 */
        assert_string_equal(m->first[at], i == DUP ? "messenger" : "carrier");
    }

    free(m);
    free(rks);
    free(e);
    close_dir(d);
}

/* PostgreSQL only: the server ends the directory's connection; the next
 * calls connect again and work. */
static void comes_back_after_a_lost_connection(void **state)
{
    char err[256], rk[1][65] = {"rk-back"};
    hub_directory *d;
    sql_conn *c;
    answer a;

    (void)state;
    if (!pg_dsn())
        skip();
    d = open_empty();
    put(d, "messenger", "rk-back", 1, 1);
    memset(&a, 0, sizeof a);
    assert_int_equal(hub_directory_routes_many(d, rk[0], sizeof rk[0], 1, collect, &a), 0);
    c = sql_connect_pg(pg_dsn(), err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    /* the directory's connection alone: its last query was the lookup */
    assert_int_equal(sql_exec(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                 " WHERE query LIKE '%rk = ANY%' AND pid <> pg_backend_pid()"),
                     0);
    sql_close(c);
    memset(&a, 0, sizeof a);
    assert_int_equal(hub_directory_routes_many(d, rk[0], sizeof rk[0], 1, collect, &a), 0);
    assert_int_equal(a.n[0], 1);
    put(d, "carrier", "rk-back", 1, 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(hub_directory_routes_many(d, rk[0], sizeof rk[0], 1, collect, &a), 0);
    assert_int_equal(a.n[0], 2);
    assert_string_equal(a.routes[0][0], "carrier");
    close_dir(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(routes_follow_consent_and_preference),
        cmocka_unit_test(batches_of_thousands),
        cmocka_unit_test(comes_back_after_a_lost_connection), /* PostgreSQL only: last */
    };
    size_t n = sizeof tests / sizeof tests[0];

    return _cmocka_run_group_tests("hub_directory", tests, pg_dsn() ? n : n - 1, NULL, NULL);
}
