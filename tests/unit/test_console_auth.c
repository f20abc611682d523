/* Unit tests for console_auth.c and console_session.c on a real SQLite
 * file, with the clock passed in: a sign-in takes password and code, a
 * code's step works once, an attacker's failures slow their own source
 * and not the owner's, a source that tries many accounts is blocked,
 * sessions end when idle, after their maximum, with their account, and
 * belong to one console. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "console_auth.h"
#include "crypto.h"
#include "totp.h"

#define PW "correct horse battery"
#define T0 1800000000000LL /* ms: a time on a step boundary */

typedef struct fixture {
    char dir[64], path[96];
    console_auth *a;
    uint8_t secret[TOTP_SECRET_LEN];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];

    snprintf(f->dir, sizeof f->dir, "/tmp/test_console_auth.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/role.db", f->dir);
    if (!(f->a = console_auth_open(f->path, "agency", err, sizeof err)) ||
        console_user_add(f->a, "ana", CONSOLE_SENDER, PW, f->secret, err, sizeof err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];

    console_auth_close(f->a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static const char *code_at(const fixture *f, long long ms)
{
    static char c[8];

    snprintf(c, sizeof c, "%06u", totp_code(f->secret, TOTP_SECRET_LEN, ms / 1000, 6));
    return c;
}

static console_signin_result try(fixture *f, const char *pw, const char *code, const char *src,
                                 long long now, console_user *u)
{
    long long wait;
    login_verdict why;

    return console_signin(f->a, "ana", pw, code, src, NULL, now, u, &wait, &why);
}

static void password_and_code_sign_in_once(void **state)
{
    fixture *f = *state;
    console_user u;

    assert_int_equal(try(f, PW, code_at(f, T0), "10.0.0.1", T0, &u), CONSOLE_SIGNIN_OK);
    assert_string_equal(u.name, "ana");
    assert_int_equal(u.role, CONSOLE_SENDER);
    /* the same step again: refused */
    assert_int_equal(try(f, PW, code_at(f, T0), "10.0.0.1", T0 + 1000, &u), CONSOLE_SIGNIN_WRONG);
    /* the next step: fine */
    assert_int_equal(try(f, PW, code_at(f, T0 + 30000), "10.0.0.1", T0 + 30000, &u),
                     CONSOLE_SIGNIN_OK);
    /* a right code with a wrong password, and a wrong code */
    assert_int_equal(try(f, "wrong password!", code_at(f, T0 + 60000), "10.0.0.1", T0 + 60000, &u),
                     CONSOLE_SIGNIN_WRONG);
    assert_int_equal(try(f, PW, "000000", "10.0.0.1", T0 + 90000, &u), CONSOLE_SIGNIN_WRONG);
    /* an unknown name */
    long long wait;
    login_verdict why;
    assert_int_equal(console_signin(f->a, "bob", PW, "123456", "10.0.0.1", NULL, T0, &u, &wait,
                                    &why),
                     CONSOLE_SIGNIN_WRONG);
}

static void an_attacker_slows_only_their_own_source(void **state)
{
    fixture *f = *state;
    console_user u;
    long long now = T0, wait;
    login_verdict why;
    int waited = 0;

    for (int i = 0; i < 8; i++, now += 100)
        if (console_signin(f->a, "ana", "guess", "000000", "10.6.6.6", NULL, now, &u, &wait,
                           &why) == CONSOLE_SIGNIN_WAIT)
            waited = 1;
    assert_true(waited);
    assert_int_equal(why, LOGIN_WAIT_PAIR);
    /* the owner, from their own machine, at once */
    assert_int_equal(try(f, PW, code_at(f, now), "10.0.0.1", now, &u), CONSOLE_SIGNIN_OK);
}

/* Four sources failing in turn on an account space its attempts 30 s
 * apart, for everyone: a browser that signed in to it before passes. */
/* Wrong tries on ana from four sources, each its free tries: the
 * account's spacing begins. The time after them. */
static long long fail_from_four_sources(fixture *f, long long now)
{
    console_user u;
    long long wait;
    login_verdict why;

    for (int s = 1; s <= 4; s++) {
        char src[16];
        snprintf(src, sizeof src, "10.9.9.%d", s);
        for (int i = 0; i < LOGIN_GUARD_PAIR_FREE; i++, now += 10)
            console_signin(f->a, "ana", "guess", "000000", src, NULL, now, &u, &wait, &why);
    }
    return now;
}

static void a_known_device_passes_the_accounts_spacing(void **state)
{
    fixture *f = *state;
    char device[CONSOLE_SESSION_LEN + 1], other[CONSOLE_SESSION_LEN + 1];
    console_user u;
    long long now = T0, wait;
    login_verdict why;

    assert_int_equal(try(f, PW, code_at(f, now), "10.0.0.1", now, &u), CONSOLE_SIGNIN_OK);
    assert_int_equal(console_device_remember(f->a, "ana", NULL, now, device), 1);
    assert_int_equal(console_device_remember(f->a, "ana", device, now, other), 0);
    now += 31000;
    now = fail_from_four_sources(f, now);
    now += 10;
    assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, now), "10.0.0.1", NULL, now, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_WAIT);
    assert_int_equal(why, LOGIN_WAIT_PHONE);
    /* another account's device, or none of ours, is spaced like anyone */
    memset(other, '0', CONSOLE_SESSION_LEN);
    other[CONSOLE_SESSION_LEN] = '\0';
    assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, now), "10.0.0.1", other, now, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_WAIT);
    assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, now), "10.0.0.1", device, now, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_OK);
    /* a device failing the free tries is spaced like anyone, until it
     * signs in again */
    now += 31000;
    for (int i = 0; i < LOGIN_GUARD_PAIR_FREE; i++, now += 10)
        assert_int_equal(console_signin(f->a, "ana", "guess", "000000", "10.8.8.8", device, now,
                                        &u, &wait, &why),
                         CONSOLE_SIGNIN_WRONG);
    assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, now), "10.0.0.1", device, now, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_WAIT);
    assert_int_equal(console_device_remember(f->a, "ana", device, now, other), 0);
    assert_int_equal(console_signin(f->a, "ana", "guess", "000000", "10.0.0.1", device, now, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_WRONG);
    /* forgotten with the account */
    assert_int_equal(console_user_remove(f->a, "ana"), 1);
    assert_int_equal(console_device_remember(f->a, "ana", device, now, other), 1);
}

/* Refused while the database failed: the owner's own browser is not
 * spaced for it afterwards. */
static void a_database_error_counts_nothing_against_the_device(void **state)
{
    fixture *f = *state;
    char device[CONSOLE_SESSION_LEN + 1];
    console_user u;
    long long now = T0, wait;
    login_verdict why;
    sqlite3 *db;

    assert_int_equal(try(f, PW, code_at(f, now), "10.0.0.1", now, &u), CONSOLE_SIGNIN_OK);
    assert_int_equal(console_device_remember(f->a, "ana", NULL, now, device), 1);
    now += 31000;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER fail BEFORE UPDATE ON console_users"
                                      " BEGIN SELECT RAISE(ABORT, 'disk gone'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (int i = 0; i < LOGIN_GUARD_PAIR_FREE; i++, now += 10)
        assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, now), "10.0.0.1", device, now,
                                        &u, &wait, &why),
                         CONSOLE_SIGNIN_ERROR);
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER fail", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    now = fail_from_four_sources(f, now);
    now += 10;
    assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, now), "10.0.0.1", device, now, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_OK);
}

static void a_source_trying_many_accounts_is_blocked(void **state)
{
    fixture *f = *state;
    console_user u;
    long long wait;
    login_verdict why;
    char name[16];

    for (int i = 0; i < LOGIN_GUARD_SPRAY_PHONES; i++) {
        snprintf(name, sizeof name, "user%d", i);
        console_signin(f->a, name, "guess", "000000", "10.6.6.6", NULL, T0 + i, &u, &wait, &why);
    }
    assert_int_equal(console_signin(f->a, "ana", PW, code_at(f, T0), "10.6.6.6", NULL, T0 + 100, &u,
                                    &wait, &why),
                     CONSOLE_SIGNIN_WAIT);
    assert_int_equal(why, LOGIN_SOURCE_BLOCKED);
    assert_int_equal(try(f, PW, code_at(f, T0), "10.0.0.1", T0 + 100, &u), CONSOLE_SIGNIN_OK);
}

static int rows(const fixture *f, const char *table)
{
    char sql[96];
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;

    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Every name a sprayer tries leaves a row: a day on, the next failure
 * takes them away, and the source's block with them. */
static void failures_are_forgotten_after_a_day(void **state)
{
    fixture *f = *state;
    console_user u;
    long long wait, day = 24LL * 3600 * 1000;
    login_verdict why;
    char name[16];

    for (int i = 0; i < LOGIN_GUARD_SPRAY_PHONES + 2; i++) {
        snprintf(name, sizeof name, "user%d", i);
        console_signin(f->a, name, "guess", "000000", "10.6.6.6", NULL, T0 + i, &u, &wait, &why);
    }
    assert_int_equal(rows(f, "console_login_pairs"), LOGIN_GUARD_SPRAY_PHONES);
    assert_int_equal(rows(f, "console_blocked_sources"), 1);
    assert_int_equal(try(f, "wrong", "000000", "10.0.0.2", T0 + day + 100, &u),
                     CONSOLE_SIGNIN_WRONG);
    assert_int_equal(rows(f, "console_login_pairs"), 1);
    assert_int_equal(rows(f, "console_blocked_sources"), 0);
}

static void note_created(void *ctx, const console_user *u)
{
    if (!strcmp(u->name, "ana"))
        *(long long *)ctx = u->created_ms;
}

/* The account "ana" as a sign-in reads it. */
static console_user ana(console_auth *a)
{
    console_user u = {.name = "ana", .role = CONSOLE_SENDER};

    assert_int_equal(console_user_list(a, note_created, &u.created_ms), 0);
    return u;
}

static void sessions_end_idle_at_their_maximum_and_with_their_account(void **state)
{
    fixture *f = *state;
    console_user u = ana(f->a), got;
    char id[CONSOLE_SESSION_LEN + 1], err[256];
    console_auth *hub;
    long long now = T0;

    assert_int_equal(console_session_new(f->a, &u, now, id), 0);
    assert_int_equal(console_session_get(f->a, id, now + 1000, &got), 1);
    assert_string_equal(got.name, "ana");
    /* kept alive by use, up to the maximum: used last less than the idle
     * time before it, so only the maximum can end it */
    for (now = T0; now < T0 + CONSOLE_MAX_MS; now += CONSOLE_IDLE_MS - 1000)
        assert_int_equal(console_session_get(f->a, id, now, &got), 1);
    assert_int_equal(console_session_get(f->a, id, T0 + CONSOLE_MAX_MS - 1, &got), 1);
    assert_int_equal(console_session_get(f->a, id, T0 + CONSOLE_MAX_MS + 1, &got), 0);
    /* a role that does not read as one (a file edited or damaged) grants
     * nothing */
    sqlite3 *raw;
    assert_int_equal(console_session_new(f->a, &u, T0, id), 0);
    assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE console_users SET role = 'boss' WHERE name = 'ana'",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(console_session_get(f->a, id, T0 + 1, &got), 0);
    assert_int_equal(sqlite3_exec(raw, "UPDATE console_users SET role = 'sender' WHERE name = 'ana'",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(console_session_get(f->a, id, T0 + 2, &got), 1);
    /* idle too long */
    assert_int_equal(console_session_new(f->a, &u, T0, id), 0);
    assert_int_equal(console_session_get(f->a, id, T0 + CONSOLE_IDLE_MS + 1, &got), 0);
    /* another console's tables do not know it */
    assert_int_equal(console_session_new(f->a, &u, T0, id), 0);
    assert_non_null(hub = console_auth_open(f->path, "hub", err, sizeof err));
    assert_int_equal(console_session_get(hub, id, T0 + 1, &got), 0);
    console_auth_close(hub);
    /* the account removed: its session with it */
    assert_int_equal(console_user_remove(f->a, "ana"), 1);
    assert_int_equal(console_session_get(f->a, id, T0 + 2, &got), 0);
    assert_int_equal(console_user_remove(f->a, "ana"), 0);
    /* no account, no session: one removed while its sign-in was checked */
    assert_int_equal(console_session_new(f->a, &u, T0 + 3, id), -1);
    /* a session left by an account of the same name (removed before
     * removal was one transaction) does not come back with a new one */
    uint8_t secret[TOTP_SECRET_LEN];
    /* a new account of the same name: a sign-in checked against the old
     * one gets no session in it */
    assert_int_equal(console_user_add(f->a, "ana", CONSOLE_VIEWER, PW, secret, err, sizeof err), 0);
    console_user old = u;
    old.created_ms -= 1;
    assert_int_equal(console_session_new(f->a, &old, T0 + 4, id), -1);
    u = ana(f->a);
    assert_int_equal(console_session_new(f->a, &u, T0 + 4, id), 0);
    assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "DELETE FROM console_users WHERE name = 'ana'", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(console_user_add(f->a, "ana", CONSOLE_SENDER, PW, secret, err, sizeof err), 0);
    assert_int_equal(console_session_get(f->a, id, T0 + 5, &got), 0);
    /* malformed ids */
    assert_int_equal(console_session_get(f->a, "abc", T0, &got), 0);
    assert_int_equal(console_session_get(f->a, NULL, T0, &got), 0);
}

static void names_roles_and_passwords_are_checked(void **state)
{
    console_role r;
    (void)state;

    assert_true(console_name_ok("a.b-c_1"));
    assert_false(console_name_ok("Ana"));
    assert_false(console_name_ok(""));
    assert_false(console_name_ok("a b"));
    assert_int_equal(console_role_parse("viewer", &r), 0);
    assert_int_equal(r, CONSOLE_VIEWER);
    assert_int_equal(console_role_parse("root", &r), -1);
    assert_non_null(console_password_problem("short"));
    assert_non_null(console_password_problem("long enough\tbut a tab"));
    assert_null(console_password_problem(PW));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(password_and_code_sign_in_once, setup, teardown),
        cmocka_unit_test_setup_teardown(an_attacker_slows_only_their_own_source, setup, teardown),
        cmocka_unit_test_setup_teardown(a_known_device_passes_the_accounts_spacing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_database_error_counts_nothing_against_the_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_source_trying_many_accounts_is_blocked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failures_are_forgotten_after_a_day, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions_end_idle_at_their_maximum_and_with_their_account,
                                        setup, teardown),
        cmocka_unit_test(names_roles_and_passwords_are_checked),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
