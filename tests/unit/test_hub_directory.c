/* test_hub_directory.c -- the hub's directory answers who reaches a person:
 * those with consent first, then those without (for a pre-notice), each first choice first, ties by platform name, at most
 * HUB_MAX_ROUTES; the latest report per (rk, platform) wins. Uses a real
 * SQLite file in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hub_directory.h"

static char dir[] = "/tmp/test_hub_directory.XXXXXX";

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
    char path[64], err[256], rks[5][65] = {"rk-a", "rk-b", "rk-c", "rk-none", "rk-d"}, name[16];
    hub_directory *d;
    answer a;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/directory.db", dir);
    d = hub_directory_open(path, NULL, err, sizeof err);
    assert_non_null(d);

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

    hub_directory_close(d);
    snprintf(err, sizeof err, "rm -rf %s", dir);
    assert_int_equal(system(err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(routes_follow_consent_and_preference),
    };
    return cmocka_run_group_tests_name("hub_directory", tests, NULL, NULL);
}
