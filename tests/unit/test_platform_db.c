/* Unit tests for platform_db.c against a real SQLite file: members (sign
 * up, verify, consent), inbox rows filed once however often a notice is
 * relayed, a notice's read state that never moves back or later, and data
 * that survives closing and opening again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform_db.h"

static char dir[] = "/tmp/test_platform_db.XXXXXX";

/* A fresh database file of its own for each test. */
static platform_db *open_fresh(const char *name, char *path, size_t cap)
{
    char err[256];
    platform_db *d;

    snprintf(path, cap, "%s/%s.db", dir, name);
    d = platform_db_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    return d;
}

static member person(const char *phone, char tag, int verified)
{
    member m;

    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "member %c", tag);
    snprintf(m.phone, sizeof m.phone, "%s", phone);
    memset(m.ci, tag, CI_LEN);
    memset(m.rk, tag, RK_HEX_LEN);
    snprintf(m.pin_hash, sizeof m.pin_hash, "$argon2id$%c", tag);
    m.consent = 1;
    m.preference = 1;
    m.verified = verified;
    return m;
}

static notice_row notice(const char *id, long long member, const char *received)
{
    notice_row n;

    memset(&n, 0, sizeof n);
    snprintf(n.notice, sizeof n.notice, "%s", id);
    memset(n.rk, 'a', RK_HEX_LEN);
    snprintf(n.agency, sizeof n.agency, "nts");
    snprintf(n.title, sizeof n.title, "2026년 자동차세 / Vehicle tax");
    memset(n.doc_sha256, 'b', 64);
    snprintf(n.deadline, sizeof n.deadline, "2026-12-31");
    snprintf(n.link, sizeof n.link, "http://127.0.0.1:7004/documents/%s", id);
    snprintf(n.received, sizeof n.received, "%s", received);
    n.member = member;
    return n;
}

static void count_row(void *ctx, const notice_row *n)
{
    (void)n;
    ++*(int *)ctx;
}

static void members_sign_up_verify_and_consent(void **state)
{
    char path[128];
    platform_db *d = open_fresh("members", path, sizeof path);
    member a = person("01011112222", 'a', 0), got;
    const char *dup;
    long long id;
    member_route route;

    (void)state;
    id = platform_db_member_insert(d, &a, "2026-11-27T00:00:00.000Z", &dup);
    assert_true(id > 0);
    assert_int_equal(platform_db_member_by_phone(d, "01011112222", &got), 1);
    assert_int_equal(got.id, id);
    assert_string_equal(got.ci, a.ci);
    assert_int_equal(got.verified, 0);
    assert_int_equal(platform_db_member_by_phone(d, "01099999999", &got), 0);

    /* The same phone, or the same person, is refused and says which. */
    member same_phone = person("01011112222", 'b', 0), same_person = person("01033334444", 'a', 0);
    assert_int_equal(platform_db_member_insert(d, &same_phone, "t", &dup), 0);
    assert_string_equal(dup, "phone");
    assert_int_equal(platform_db_member_insert(d, &same_person, "t", &dup), 0);
    assert_string_equal(dup, "person");

    assert_int_equal(platform_db_member_verify(d, id), 0);
    assert_int_equal(platform_db_member_set_consent(d, id, 0, 3), 0);
    assert_int_equal(platform_db_member_by_id(d, id, &got), 1);
    assert_int_equal(got.verified, 1);
    assert_int_equal(got.consent, 0);
    assert_int_equal(got.preference, 3);
    assert_int_equal(platform_db_member_route(d, a.rk, &route), 1);
    assert_int_equal(route.id, id);
    assert_int_equal(route.verified, 1);
    assert_int_equal(route.consent, 0);
    assert_string_equal(route.phone, "01011112222");

    /* A verified member is never replaced, even by a verified sign-up. */
    same_phone.verified = 1;
    assert_int_equal(platform_db_member_insert(d, &same_phone, "t", &dup), 0);
    platform_db_close(d);
}

static void a_verified_sign_up_replaces_an_unverified_one(void **state)
{
    char path[128];
    platform_db *d = open_fresh("replace", path, sizeof path);
    member web = person("01055556666", 'c', 0), office = person("01077778888", 'c', 1), got;
    const char *dup;
    long long web_id, office_id;

    (void)state;
    web_id = platform_db_member_insert(d, &web, "t", &dup);
    assert_true(web_id > 0);
    office_id = platform_db_member_insert(d, &office, "t", &dup);
    assert_true(office_id > 0);
    assert_int_equal(platform_db_member_by_phone(d, "01055556666", &got), 0);
    assert_int_equal(platform_db_member_by_phone(d, "01077778888", &got), 1);
    assert_int_equal(got.id, office_id);
    assert_int_equal(got.verified, 1);
    platform_db_close(d);
}

static void a_notice_is_filed_once(void **state)
{
    char path[128];
    platform_db *d = open_fresh("inbox", path, sizeof path);
    member a = person("01011112222", 'a', 1);
    const char *dup;
    long long id = platform_db_member_insert(d, &a, "t", &dup);
    notice_row n = notice("0193a000-0000-7000-8000-000000000001", id, "2026-11-27T08:00:00.000Z");
    notice_row again = n, got;
    int rows = 0;

    (void)state;
    assert_int_equal(platform_db_inbox_insert(d, &n), 1);
    snprintf(again.received, sizeof again.received, "2026-11-27T09:00:00.000Z");
    assert_int_equal(platform_db_inbox_insert(d, &again), 0);
    assert_int_equal(platform_db_inbox_list(d, id, 200, count_row, &rows), 0);
    assert_int_equal(rows, 1);
    assert_int_equal(platform_db_inbox_get(d, n.notice, &got), 1);
    assert_string_equal(got.received, "2026-11-27T08:00:00.000Z"); /* the first relay's */
    assert_string_equal(got.title, n.title);
    assert_int_equal(got.member, id);
    assert_int_equal(got.read, 0);
    assert_string_equal(got.read_at, "");
    assert_int_equal(platform_db_inbox_get(d, "0193a000-0000-7000-8000-0000000000ff", &got), 0);
    platform_db_close(d);
}

static void read_is_final(void **state)
{
    char path[128];
    platform_db *d = open_fresh("read", path, sizeof path);
    member a = person("01011112222", 'a', 1);
    const char *dup;
    long long id = platform_db_member_insert(d, &a, "t", &dup);
    notice_row n = notice("0193a000-0000-7000-8000-000000000002", id, "2026-11-27T08:00:00.000Z");
    notice_row got;

    (void)state;
    assert_int_equal(platform_db_inbox_insert(d, &n), 1);
    /* received -> read */
    assert_int_equal(platform_db_inbox_mark_read(d, n.notice, "2026-11-27T10:00:00.000Z"), 0);
    assert_int_equal(platform_db_inbox_get(d, n.notice, &got), 1);
    assert_int_equal(got.read, 1);
    assert_string_equal(got.read_at, "2026-11-27T10:00:00.000Z");
    /* Opened again, or relayed again: still read since the first time. */
    assert_int_equal(platform_db_inbox_mark_read(d, n.notice, "2026-11-28T10:00:00.000Z"), 0);
    assert_int_equal(platform_db_inbox_insert(d, &n), 0);
    assert_int_equal(platform_db_inbox_get(d, n.notice, &got), 1);
    assert_int_equal(got.read, 1);
    assert_string_equal(got.read_at, "2026-11-27T10:00:00.000Z");
    platform_db_close(d);
}

static void reopening_keeps_the_data(void **state)
{
    char path[128], err[256];
    platform_db *d = open_fresh("reopen", path, sizeof path);
    member a = person("01011112222", 'a', 1), got;
    const char *dup;
    long long id = platform_db_member_insert(d, &a, "t", &dup);
    notice_row n = notice("0193a000-0000-7000-8000-000000000003", id, "2026-11-27T08:00:00.000Z");
    notice_row row;

    (void)state;
    assert_int_equal(platform_db_begin(d), 0);
    assert_int_equal(platform_db_inbox_insert(d, &n), 1);
    assert_int_equal(platform_db_directory_queue(d, a.rk, 1, 1), 0);
    assert_int_equal(platform_db_commit(d), 0);
    assert_int_equal(platform_db_inbox_mark_read(d, n.notice, "2026-11-27T10:00:00.000Z"), 0);
    /* A transaction rolled back leaves nothing behind. */
    assert_int_equal(platform_db_begin(d), 0);
    notice_row lost = notice("0193a000-0000-7000-8000-000000000004", id, "t");
    assert_int_equal(platform_db_inbox_insert(d, &lost), 1);
    platform_db_rollback(d);
    platform_db_close(d);

    d = platform_db_open(path, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(platform_db_member_by_phone(d, "01011112222", &got), 1);
    assert_int_equal(got.id, id);
    assert_string_equal(got.rk, a.rk);
    assert_int_equal(platform_db_inbox_get(d, n.notice, &row), 1);
    assert_int_equal(row.read, 1);
    assert_string_equal(row.read_at, "2026-11-27T10:00:00.000Z");
    assert_int_equal(platform_db_inbox_get(d, lost.notice, &row), 0);
    assert_int_equal(platform_db_pending_reports(d), 1); /* the directory entry */
    platform_db_close(d);
}

static int make_dir(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    char cmd[64];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(members_sign_up_verify_and_consent),
        cmocka_unit_test(a_verified_sign_up_replaces_an_unverified_one),
        cmocka_unit_test(a_notice_is_filed_once),
        cmocka_unit_test(read_is_final),
        cmocka_unit_test(reopening_keeps_the_data),
    };
    return cmocka_run_group_tests_name("platform_db", tests, make_dir, remove_dir);
}
