/* Unit tests for platform_db.c against a real SQLite file: members (sign
 * up, verify, consent), inbox rows filed once however often a notice is
 * relayed, a notice's read state that never moves back or later, data
 * that survives closing and opening again, and the outbox's alerts
 * through their states (claimed, accepted, receipts, unknown outcomes,
 * a crash, an older outbox migrated). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "login_guard.h"
#include "platform_db.h"
#include "signup_code.h"

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

/* A back-office sign-up that a verified member refuses (same person,
 * another phone) must not first drop an unverified member who merely
 * holds the phone it names. */
static void a_refused_sign_up_drops_no_one(void **state)
{
    char path[128];
    platform_db *d = open_fresh("refused", path, sizeof path);
    member verified = person("01011112222", 'a', 1), web = person("01055556666", 'b', 0);
    member again = person("01055556666", 'a', 1), got;
    const char *dup;
    long long web_id;

    (void)state;
    assert_true(platform_db_member_insert(d, &verified, "t", &dup) > 0);
    web_id = platform_db_member_insert(d, &web, "t", &dup);
    assert_true(web_id > 0);
    assert_int_equal(platform_db_member_insert(d, &again, "t", &dup), 0);
    assert_string_equal(dup, "person");
    assert_int_equal(platform_db_member_by_phone(d, "01055556666", &got), 1);
    assert_int_equal(got.id, web_id);
    /* a verified sign-up whose phone and person two unverified members
     * hold replaces both */
    member web2 = person("01066667777", 'c', 0), both = person("01055556666", 'c', 1);
    assert_true(platform_db_member_insert(d, &web2, "t", &dup) > 0);
    assert_true(platform_db_member_insert(d, &both, "t", &dup) > 0);
    assert_int_equal(platform_db_member_by_phone(d, "01066667777", &got), 0);
    assert_int_equal(platform_db_member_by_phone(d, "01055556666", &got), 1);
    assert_int_equal(got.verified, 1);
    platform_db_close(d);
}

/* A web sign-up waiting for the code that proves its phone. */
static member unconfirmed(const char *phone, char tag, const char *until)
{
    member m = person(phone, tag, 0);

    snprintf(m.confirm_until, sizeof m.confirm_until, "%s", until);
    memset(m.confirm_hash, tag, 64);
    return m;
}

/* Its phone not yet proved, a web sign-up holds nothing: a later web
 * sign-up of the same phone or person takes its place. Once proved, it
 * keeps both from other web sign-ups, not from the back office. */
static void an_unconfirmed_sign_up_gives_way(void **state)
{
    char path[128];
    platform_db *d = open_fresh("unconfirmed", path, sizeof path);
    member squat = unconfirmed("01020000007", 'a', "2026-12-07T00:30:00.000Z");
    member owner = unconfirmed("01020000007", 'b', "2026-12-07T00:31:00.000Z");
    member late = unconfirmed("01020000007", 'c', "2026-12-07T00:32:00.000Z");
    member office = person("01020000007", 'd', 1), got;
    const char *dup;
    long long owner_id;

    (void)state;
    long long squat_id = platform_db_member_insert(d, &squat, "t", &dup);
    assert_true(squat_id > 0);
    owner_id = platform_db_member_insert(d, &owner, "t", &dup);
    assert_int_equal(owner_id, squat_id); /* SQLite gave the newer row the same id */
    assert_int_equal(platform_db_member_by_phone(d, "01020000007", &got), 1);
    assert_int_equal(got.id, owner_id);
    assert_string_equal(got.confirm_until, "2026-12-07T00:31:00.000Z");
    assert_int_equal(strlen(got.confirm_hash), 64);
    /* the replaced sign-up's code, checked before it went, confirms
     * nothing, though the newer row may have taken its id */
    assert_int_equal(platform_db_member_confirm(d, owner_id, squat.confirm_hash), 0);
    assert_int_equal(platform_db_member_code_wrong(d, owner_id, squat.confirm_hash), -2);
    assert_int_equal(platform_db_member_drop_unconfirmed(d, owner_id, squat.confirm_hash), 0);
    assert_int_equal(platform_db_member_by_id(d, owner_id, &got), 1);
    assert_int_equal(got.confirm_tries, 0);
    assert_int_equal(platform_db_member_confirm(d, owner_id, owner.confirm_hash), 1);
    assert_int_equal(platform_db_member_by_id(d, owner_id, &got), 1);
    assert_string_equal(got.confirm_until, "");
    assert_string_equal(got.confirm_hash, "");
    assert_int_equal(platform_db_member_insert(d, &late, "t", &dup), 0);
    assert_string_equal(dup, "phone");
    /* the back office proofs the person: its sign-up still wins */
    assert_true(platform_db_member_insert(d, &office, "t", &dup) > 0);
    assert_int_equal(platform_db_member_by_phone(d, "01020000007", &got), 1);
    assert_string_equal(got.name, "member d");
    platform_db_close(d);
}

/* Wrong codes are counted in the database, so parallel guesses each
 * count; the fifth drops the sign-up. */
static void wrong_codes_drop_the_sign_up(void **state)
{
    char path[128];
    platform_db *d = open_fresh("codes", path, sizeof path);
    member m = unconfirmed("01020000012", 'a', "2026-12-07T00:30:00.000Z"), got;
    const char *dup;
    long long id;

    (void)state;
    id = platform_db_member_insert(d, &m, "t", &dup);
    assert_true(id > 0);
    for (int left = 4; left >= 1; left--)
        assert_int_equal(platform_db_member_code_wrong(d, id, m.confirm_hash), left);
    assert_int_equal(platform_db_member_by_id(d, id, &got), 1);
    assert_int_equal(got.confirm_tries, 4);
    assert_int_equal(platform_db_member_code_wrong(d, id, m.confirm_hash), 0);
    assert_int_equal(platform_db_member_by_id(d, id, &got), 0);
    /* gone: nothing left to try or confirm */
    assert_int_equal(platform_db_member_code_wrong(d, id, m.confirm_hash), -2);
    assert_int_equal(platform_db_member_confirm(d, id, m.confirm_hash), 0);
    /* a fifth wrong code whose drop did not happen still shuts the code out */
    member n = unconfirmed("01020000014", 'b', "2026-12-07T00:30:00.000Z");
    id = platform_db_member_insert(d, &n, "t", &dup);
    assert_true(id > 0);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE members SET confirm_tries = 5 WHERE phone = '01020000014'",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(platform_db_member_confirm(d, id, n.confirm_hash), 0);
    platform_db_close(d);
}

/* Lapsed sign-ups go, the others stay; a confirmed one and a member the
 * back office made never lapse, and a confirmed one is not dropped as
 * unconfirmed. */
static void lapsed_sign_ups_are_pruned(void **state)
{
    char path[128];
    platform_db *d = open_fresh("lapsed", path, sizeof path);
    member old = unconfirmed("01020000008", 'a', "2026-12-06T23:00:00.000Z");
    member fresh = unconfirmed("01020000009", 'b', "2026-12-07T01:00:00.000Z");
    member verified = unconfirmed("01020000010", 'c', "2026-12-06T22:00:00.000Z");
    member office = person("01020000011", 'd', 1), got;
    const char *dup;
    long long vid;

    (void)state;
    assert_true(platform_db_member_insert(d, &old, "t", &dup) > 0);
    assert_true(platform_db_member_insert(d, &fresh, "t", &dup) > 0);
    vid = platform_db_member_insert(d, &verified, "t", &dup);
    assert_true(vid > 0);
    assert_int_equal(platform_db_member_confirm(d, vid, verified.confirm_hash), 1);
    assert_int_equal(platform_db_member_verify(d, vid), 0);
    assert_true(platform_db_member_insert(d, &office, "t", &dup) > 0);
    assert_int_equal(platform_db_members_prune_unconfirmed(d, "2026-12-07T00:00:00.000Z"), 1);
    assert_int_equal(platform_db_member_by_phone(d, "01020000008", &got), 0);
    assert_int_equal(platform_db_member_by_phone(d, "01020000009", &got), 1);
    assert_int_equal(platform_db_member_by_id(d, vid, &got), 1);
    assert_string_equal(got.confirm_until, "");
    assert_int_equal(platform_db_member_drop_unconfirmed(d, vid, verified.confirm_hash), 0);
    assert_int_equal(platform_db_member_by_id(d, vid, &got), 1);
    assert_int_equal(platform_db_members_prune_unconfirmed(d, "2027-01-01T00:00:00.000Z"), 1);
    assert_int_equal(platform_db_member_by_phone(d, "01020000011", &got), 1);
    platform_db_close(d);
}

typedef struct listed {
    int n;
    char ids[8][65];
} listed;

static void list_row(void *ctx, const notice_row *n)
{
    listed *l = ctx;

    if (l->n < 8)
        snprintf(l->ids[l->n], sizeof l->ids[0], "%s", n->notice);
    l->n++;
}

/* Pages of an inbox, newest first: two notices received in the same
 * millisecond are ordered by id, and neither is lost at a page's end. */
static void an_inbox_is_read_page_after_page(void **state)
{
    char path[128];
    platform_db *d = open_fresh("inbox_pages", path, sizeof path);
    member a = person("01011113333", 'c', 1);
    const char *dup;
    long long id = platform_db_member_insert(d, &a, "t", &dup);
    const char *t[] = {"2026-11-27T08:00:00.000Z", "2026-11-27T09:00:00.000Z",
                       "2026-11-27T09:00:00.000Z", "2026-11-27T10:00:00.000Z"};
    notice_row rows[4];
    listed l = {0};

    (void)state;
    for (int i = 0; i < 4; i++) {
        char nid[40];
        snprintf(nid, sizeof nid, "0193a000-0000-7000-8000-00000000000%d", i);
        rows[i] = notice(nid, id, t[i]);
        assert_int_equal(platform_db_inbox_insert(d, &rows[i]), 1);
    }
    assert_int_equal(platform_db_inbox_list(d, id, 2, NULL, list_row, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.ids[0], rows[3].notice);
    assert_string_equal(l.ids[1], rows[2].notice);
    memset(&l, 0, sizeof l);
    assert_int_equal(platform_db_inbox_list(d, id, 2, &rows[2], list_row, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.ids[0], rows[1].notice);
    assert_string_equal(l.ids[1], rows[0].notice);
    memset(&l, 0, sizeof l);
    assert_int_equal(platform_db_inbox_list(d, id, 2, &rows[0], list_row, &l), 0);
    assert_int_equal(l.n, 0);
    /* the other way, oldest first: past the tie at 09:00 in id order */
    memset(&l, 0, sizeof l);
    assert_int_equal(platform_db_inbox_list_newer(d, id, 2, &rows[0], list_row, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.ids[0], rows[1].notice);
    assert_string_equal(l.ids[1], rows[2].notice);
    memset(&l, 0, sizeof l);
    assert_int_equal(platform_db_inbox_list_newer(d, id, 5, &rows[1], list_row, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.ids[0], rows[2].notice);
    assert_string_equal(l.ids[1], rows[3].notice);
    memset(&l, 0, sizeof l);
    assert_int_equal(platform_db_inbox_list_newer(d, id, 2, &rows[3], list_row, &l), 0);
    assert_int_equal(l.n, 0);
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
    assert_int_equal(platform_db_inbox_list(d, id, 200, NULL, count_row, &rows), 0);
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


/* The outbox as a second connection reads it: one row's columns joined
 * by '|', NULL as "-". */
static void outbox_row(const char *path, long long id, const char *cols, char *out, size_t cap)
{
    char sql[256];
    sqlite3 *db;
    sqlite3_stmt *st;

    snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE id = %lld", cols, id);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            size_t len = strlen(out);
            snprintf(out + len, cap - len, "%s%s", i ? "|" : "", v ? v : "-");
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

#define assert_outbox(path, id, cols, want) \
    do { \
        char got_[512]; \
        outbox_row(path, id, cols, got_, sizeof got_); \
        assert_string_equal(got_, want); \
    } while (0)

typedef struct claimed {
    int n;
    long long id[8];
    int attempt[8], duplicate[8];
    char phone[8][16], text[8][64], notice[8][65];
} claimed;

static void take(void *ctx, const outbox_alert *a)
{
    claimed *c = ctx;

    assert_true(c->n < 8);
    c->id[c->n] = a->id;
    c->attempt[c->n] = a->attempt;
    c->duplicate[c->n] = a->duplicate;
    snprintf(c->phone[c->n], sizeof c->phone[0], "%s", a->phone);
    snprintf(c->text[c->n], sizeof c->text[0], "%s", a->text);
    snprintf(c->notice[c->n], sizeof c->notice[0], "%s", a->notice);
    c->n++;
}

static int claim(platform_db *d, const char *channel, int limit, claimed *c)
{
    memset(c, 0, sizeof *c);
    return platform_db_outbox_claim(d, channel, limit, "2026-12-01T00:00:01.000Z", take, c);
}

/* Reports as the reporter would send them,
 * "event:notice:at:channel/reference[:reason]" (reference "-" when none),
 * each queue acknowledged as the hub answered. */
typedef struct reports {
    char text[512];
    const char *kind;
    long long last;
} reports;

static void note(void *ctx, const outbox_report *o)
{
    reports *r = ctx;
    size_t len = strlen(r->text);

    snprintf(r->text + len, sizeof r->text - len, "%s%s:%s:%s:%s/%s%s%s", len ? " " : "",
             r->kind, o->notice, o->at, o->channel, o->reference ? o->reference : "-",
             o->reason ? ":" : "", o->reason ? o->reason : "");
    r->last = o->seq;
}

static const char *report_all(platform_db *d, reports *r)
{
    reports q;

    memset(r, 0, sizeof *r);
    r->kind = "CN";
    assert_true(platform_db_events_batch(d, 100, note, r) >= 0);
    if (r->last)
        assert_int_equal(platform_db_events_reported_upto(d, r->last), 0);
    for (int k = 0; k < 2; k++) {
        memset(&q, 0, sizeof q);
        q.kind = k ? "CNF" : "CND";
        assert_true((k ? platform_db_failures_batch : platform_db_deliveries_batch)(
                        d, 100, note, &q) >= 0);
        if (q.last)
            assert_int_equal((k ? platform_db_failures_reported_upto
                                : platform_db_deliveries_reported_upto)(d, q.last),
                             0);
        if (q.text[0]) {
            size_t len = strlen(r->text);
            snprintf(r->text + len, sizeof r->text - len, "%s%s", len ? " " : "", q.text);
        }
    }
    return r->text;
}

static void queue3(platform_db *d, const char *channel)
{
    static const char *const texts[] = {"alert one", "alert two", "alert three"};
    char notice[8], phone[16];

    for (int i = 0; i < 3; i++) {
        snprintf(notice, sizeof notice, "n%d", i + 1);
        snprintf(phone, sizeof phone, "0101111000%d", i + 1);
        assert_int_equal(platform_db_outbox_insert(d, notice, channel, phone, texts[i], "t0"), 0);
    }
}

/* An urgent notice's alert, queued after three others, is claimed before
 * them, on its own channel only, and once. */
static void an_urgent_alert_is_claimed_first(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_urgent", path, sizeof path);
    claimed c;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(platform_db_outbox_insert(d, "n4", "sms", "01011110004", "urgent", "t0"), 0);
    assert_int_equal(platform_db_outbox_mark_urgent(d), 0);
    assert_int_equal(claim(d, "push", 10, &c), 0);
    assert_int_equal(claim(d, "sms", 2, &c), 2);
    assert_int_equal(c.id[0], 4);
    assert_string_equal(c.notice[0], "n4");
    assert_int_equal(c.id[1], 1);
    assert_outbox(path, 4, "state, attempts", "submitting|1");
    assert_int_equal(claim(d, "sms", 10, &c), 2);
    assert_int_equal(c.id[0], 2);
    assert_int_equal(c.id[1], 3);
    assert_int_equal(claim(d, "sms", 10, &c), 0);
    platform_db_close(d);
}

/* Reopens the database at path, as a restart does. */
static platform_db *reopen(platform_db *d, const char *path)
{
    char err[256];

    platform_db_close(d);
    d = platform_db_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    return d;
}

/* An urgent alert claimed, then put back unsent (a channel stopping with
 * its batch held for retry), or left claimed by a crash and queued again
 * at the next start, stays urgent: after the restart it is claimed before
 * the backlog queued ahead of it, as it was before it was claimed. */
static void an_urgent_alert_put_back_stays_urgent(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_urgent_back", path, sizeof path);
    claimed c;

    (void)state;
    queue3(d, "push");
    assert_int_equal(platform_db_outbox_insert(d, "n4", "push", "01011110004", "code", "t0"), 0);
    assert_int_equal(platform_db_outbox_mark_urgent(d), 0);
    assert_int_equal(claim(d, "push", 2, &c), 2);
    assert_int_equal(c.id[0], 4);
    assert_int_equal(c.id[1], 1);
    assert_int_equal(platform_db_outbox_unclaim(d, "push", 4), 1);
    assert_int_equal(platform_db_outbox_unclaim(d, "push", 1), 1);
    d = reopen(d, path);
    assert_int_equal(claim(d, "push", 1, &c), 1);
    assert_int_equal(c.id[0], 4); /* not 1: still urgent */
    assert_int_equal(c.attempt[0], 1);
    assert_int_equal(c.duplicate[0], 0);
    d = reopen(d, path); /* a crash with it claimed */
    assert_outbox(path, 4, "state, duplicate", "queued|1");
    assert_int_equal(claim(d, "push", 1, &c), 1);
    assert_int_equal(c.id[0], 4);
    assert_int_equal(c.attempt[0], 2);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 4, "gw-4", "t1"), 1);
    assert_int_equal(claim(d, "push", 10, &c), 3); /* then the others, in order */
    assert_int_equal(c.id[0], 1);
    assert_int_equal(c.id[2], 3);
    platform_db_close(d);
}

/* A sign-up code's message still queued once its code lapsed (an SMSC
 * down for an hour, a channel changed) is failed, never sent; and the
 * codes of lapsed messages are wiped from the outbox. */
static void a_lapsed_sign_up_code_is_never_sent(void **state)
{
    char path[128], now[25], lapsed[25];
    platform_db *d = open_fresh("signup_lapsed", path, sizeof path);
    claimed c;

    (void)state;
    clock_rfc3339_ms(now, clock_now_ms());
    clock_rfc3339_ms(lapsed, clock_now_ms() - SIGNUP_CODE_TTL_MS);
    assert_int_equal(platform_db_outbox_insert_kind(d, "signup", "signup", "sms", "01011110001",
                                                    "code 111111", "2020-01-01T00:00:00.000Z"),
                     0);
    assert_int_equal(platform_db_outbox_insert_kind(d, "signup", "signup", "sms", "01011110002",
                                                    "code 222222", now),
                     0);
    assert_int_equal(claim(d, "sms", 10, &c), 1);
    assert_int_equal(c.id[0], 2);
    assert_outbox(path, 1, "state, reason", "failed|" PLATFORM_DB_SIGNUP_LAPSED);
    assert_int_equal(platform_db_count(d, PLATFORM_ALERT_FAILED), 1);
    assert_int_equal(platform_db_signup_codes_wipe(d, lapsed), 1);
    assert_outbox(path, 1, "text", "");
    assert_outbox(path, 2, "text", "code 222222");
    assert_int_equal(platform_db_signup_codes_wipe(d, lapsed), 0);
    /* one that lapsed while the platform was down: wiped at open */
    assert_int_equal(platform_db_outbox_insert_kind(d, "signup", "signup", "sms", "01011110003",
                                                    "code 333333", "2020-01-01T00:00:00.000Z"),
                     0);
    d = reopen(d, path);
    assert_outbox(path, 3, "text", "");
    assert_outbox(path, 2, "text", "code 222222");
    platform_db_close(d);
}

static void an_alert_is_claimed_accepted_and_delivered(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_delivered", path, sizeof path);
    claimed c;
    reports r;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(platform_db_pending_reports(d), 3);
    assert_int_equal(claim(d, "push", 10, &c), 0); /* another channel's: none */
    assert_int_equal(claim(d, "sms", 2, &c), 2);
    assert_int_equal(c.id[0], 1);
    assert_string_equal(c.notice[0], "n1");
    assert_string_equal(c.phone[0], "01011110001");
    assert_string_equal(c.text[0], "alert one");
    assert_int_equal(c.attempt[0], 1);
    assert_int_equal(c.duplicate[0], 0);
    assert_int_equal(c.id[1], 2);
    assert_outbox(path, 1, "state, attempts, duplicate, sent", "submitting|1|0|-");
    assert_outbox(path, 3, "state, attempts", "queued|0");
    assert_string_equal(report_all(d, &r), ""); /* nothing is owed yet */

    assert_int_equal(platform_db_outbox_accepted(d, "sms", 1, "smsc-1", "t1"), 1);
    assert_outbox(path, 1, "state, reference, sent", "accepted|smsc-1|t1");
    /* Accepted is when the notification is owed; the second alert, still
     * unanswered, holds back nothing before it. */
    assert_string_equal(report_all(d, &r), "CN:n1:t1:sms/smsc-1");
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-1", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_outbox(path, 1, "state, settled, reason", "delivered|t2|-");
    /* the receipt is owed as ConsignmentNotificationDelivery, once */
    assert_int_equal(platform_db_pending_reports(d), 3);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-1", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_FINAL);
    assert_string_equal(report_all(d, &r), "CND:n1:t2:sms/smsc-1");
    assert_string_equal(report_all(d, &r), "");

    /* The third comes in the next claim, after the second. */
    assert_int_equal(claim(d, "sms", 10, &c), 1);
    assert_int_equal(c.id[0], 3);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 3, "smsc-3", "t3"), 1);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "smsc-2", "t4"), 1);
    assert_string_equal(report_all(d, &r), "CN:n2:t4:sms/smsc-2 CN:n3:t3:sms/smsc-3");
    assert_int_equal(platform_db_pending_reports(d), 0);
    assert_int_equal(claim(d, "sms", 10, &c), 0);
    platform_db_close(d);
}

static void a_failed_receipt_is_reported_after_the_notification(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_failed", path, sizeof path);
    claimed c;
    reports r;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(claim(d, "sms", 3, &c), 3);
    /* The first is refused outright: a failure, never a notification. */
    assert_int_equal(platform_db_outbox_failed(d, 1, "sms: ESME_RINVDSTADR", "t1"), 1);
    /* The third is accepted, and its receipt says undelivered, while the
     * second is unanswered: the third's notification waits for the
     * second's outcome, and its failure for its notification. */
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 3, "smsc-3", "t1"), 1);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-3", 0, "sms: UNDELIV", "t2"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_outbox(path, 3, "state, sent, settled, reason", "failed|t1|t2|sms: UNDELIV");
    assert_string_equal(report_all(d, &r), "CNF:n1:t1:sms/-:sms: ESME_RINVDSTADR");
    assert_int_equal(platform_db_pending_reports(d), 2); /* the second, and the third's */
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "smsc-2", "t3"), 1);
    assert_string_equal(report_all(d, &r), "CN:n2:t3:sms/smsc-2 CN:n3:t1:sms/smsc-3 CNF:n3:t2:sms/smsc-3:sms: UNDELIV");
    assert_int_equal(platform_db_pending_reports(d), 0);

    /* A reason longer than the hub takes is cut at a character's start. */
    char longer[400];
    memset(longer, 0, sizeof longer);
    for (size_t i = 0; i + 3 < 300; i += 3)
        memcpy(longer + i, "\xea\xb0\x80", 3); /* 가 */
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-2", 0, longer, "t4"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_outbox(path, 2, "length(CAST(reason AS BLOB))", "198");
    platform_db_close(d);
}

static void a_delivery_is_reported_after_the_notification(void **state)
{
    char path[128], err[256];
    platform_db *d = open_fresh("alert_delivery", path, sizeof path);
    claimed c;
    reports r;

    (void)state;
    queue3(d, "push");
    assert_int_equal(claim(d, "push", 3, &c), 3);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 1, "gw-1", "t1"), 1);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 3, "gw-3", "t1"), 1);
    /* The third is delivered while the second is unanswered: its delivery
     * waits for its notification, which waits for the second. */
    assert_int_equal(platform_db_outbox_receipt(d, "push", "gw-3", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_int_equal(platform_db_outbox_receipt(d, "push", "gw-1", 1, NULL, "t3"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "gw-1", 1, NULL, "t3"),
                     OUTBOX_RECEIPT_UNKNOWN);
    assert_string_equal(report_all(d, &r), "CN:n1:t1:push/gw-1");
    assert_int_equal(platform_db_pending_reports(d), 4); /* 2, 3 and the two deliveries */
    /* Kept across a reopen, as every queue is. */
    platform_db_close(d);
    d = platform_db_open(path, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 2, "gw-2", "t4"), 0); /* requeued at open */
    assert_int_equal(claim(d, "push", 3, &c), 1);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 2, "gw-2", "t4"), 1);
    assert_string_equal(report_all(d, &r),
                        "CN:n2:t4:push/gw-2 CN:n3:t1:push/gw-3 CND:n3:t2:push/gw-3 "
                        "CND:n1:t3:push/gw-1");
    assert_int_equal(platform_db_pending_reports(d), 0);
    assert_string_equal(report_all(d, &r), "");
    platform_db_close(d);
}

/* A reminder's or a sign-up text's receipt settles its row but owes the
 * hub no report: only alerts are evidence. An alert is accepted only on
 * its own channel, and its references are found on that channel only. */
static void only_alerts_owe_a_delivery_report(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_kinds", path, sizeof path);
    claimed c;
    reports r;

    (void)state;
    assert_int_equal(platform_db_outbox_insert_kind(d, "reminder", "n1", "push", "01011110001",
                                                    "remember", "t0"),
                     0);
    assert_int_equal(platform_db_outbox_insert(d, "n2", "push", "01011110002", "alert", "t0"), 0);
    assert_int_equal(claim(d, "push", 3, &c), 2);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 1, "gw-1", "t1"), 0);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 1, "gw-1", "t1"), 1);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 2, "gw-2", "t1"), 1);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "gw-1", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_UNKNOWN);
    assert_int_equal(platform_db_outbox_receipt(d, "push", "gw-1", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_int_equal(platform_db_outbox_receipt(d, "push", "gw-2", 1, NULL, "t3"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_string_equal(report_all(d, &r), "CN:n2:t1:push/gw-2 CND:n2:t3:push/gw-2");
    assert_int_equal(platform_db_pending_reports(d), 0);
    platform_db_close(d);
}

static void an_unknown_outcome_is_resent_once_then_fails(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_unknown", path, sizeof path);
    claimed c;
    reports r;
    int failed = -1;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(claim(d, "sms", 2, &c), 2);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 1, "smsc-1", "t1"), 1);
    /* The connection drops with the second unanswered. */
    assert_int_equal(platform_db_outbox_requeue(d, "push", "t2", &failed), 0);
    assert_int_equal(platform_db_outbox_requeue(d, "sms", "t2", &failed), 1);
    assert_int_equal(failed, 0);
    assert_outbox(path, 2, "state, attempts, duplicate, resent", "queued|1|1|-");
    assert_outbox(path, 1, "state", "accepted");
    /* Claimed again first, before the third, flagged as a possible
     * duplicate; its second sending is recorded. */
    assert_int_equal(claim(d, "sms", 1, &c), 1);
    assert_int_equal(c.id[0], 2);
    assert_int_equal(c.attempt[0], 2);
    assert_int_equal(c.duplicate[0], 1);
    assert_outbox(path, 2, "state, attempts, duplicate, resent",
                  "submitting|2|1|2026-12-01T00:00:01.000Z");
    /* Unknown again: it fails, and is never sent a third time. */
    assert_int_equal(platform_db_outbox_requeue(d, "sms", "t3", &failed), 0);
    assert_int_equal(failed, 1);
    assert_outbox(path, 2, "state, attempts, reason, settled",
                  "failed|2|" PLATFORM_DB_OUTBOX_UNKNOWN_TWICE "|t3");
    assert_int_equal(claim(d, "sms", 10, &c), 1);
    assert_int_equal(c.id[0], 3);
    assert_int_equal(claim(d, "sms", 10, &c), 0);
    /* An answer that comes late changes nothing final. */
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "smsc-2", "t4"), 0);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 3, "smsc-3", "t4"), 1);
    assert_string_equal(report_all(d, &r),
                        "CN:n1:t1:sms/smsc-1 CN:n3:t4:sms/smsc-3 CNF:n2:t3:sms/-:"
                        PLATFORM_DB_OUTBOX_UNKNOWN_TWICE);
    platform_db_close(d);
}

/* A channel's connection drops before it sent one of its claimed alerts:
 * that one goes back as it was, not a possible duplicate, and is claimed
 * again before the newer ones. A text sent in segments has a reference
 * for each, and a receipt naming any of them settles it. */
static void an_unsent_claim_goes_back_as_it_was(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_unclaim", path, sizeof path);
    claimed c;
    int failed = -1;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(claim(d, "sms", 2, &c), 2);
    assert_int_equal(platform_db_outbox_unclaim(d, "sms", 2), 1);
    assert_int_equal(platform_db_outbox_unclaim(d, "sms", 2), 0);
    assert_outbox(path, 2, "state, attempts, duplicate", "queued|0|0");
    assert_int_equal(platform_db_outbox_requeue(d, "sms", "t2", &failed), 1); /* alert 1 */
    assert_int_equal(claim(d, "sms", 10, &c), 3);
    assert_int_equal(c.id[0], 1);
    assert_int_equal(c.duplicate[0], 1);
    assert_int_equal(c.id[1], 2);
    assert_int_equal(c.attempt[1], 1);
    assert_int_equal(c.duplicate[1], 0);
    assert_int_equal(c.id[2], 3);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "seg-a", "t3"), 1);
    assert_int_equal(platform_db_outbox_reference(d, "sms", 2, "seg-b"), 1);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "seg-b", 1, NULL, "t4"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "seg-a", 1, NULL, "t4"),
                     OUTBOX_RECEIPT_FINAL);
    assert_outbox(path, 2, "state, reference", "delivered|seg-a");
    platform_db_close(d);
}

static void a_crash_queues_the_unanswered_again(void **state)
{
    char path[128], err[256];
    platform_db *d = open_fresh("alert_crash", path, sizeof path);
    claimed c;
    reports r;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(claim(d, "sms", 3, &c), 3);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 1, "smsc-1", "t1"), 1);
    platform_db_close(d); /* as a crash would leave it: two claimed, unanswered */

    d = platform_db_open(path, err, sizeof err);
    assert_non_null(d);
    assert_outbox(path, 1, "state, duplicate", "accepted|0");
    assert_outbox(path, 2, "state, duplicate", "queued|1");
    assert_outbox(path, 3, "state, duplicate", "queued|1");
    assert_int_equal(claim(d, "sms", 1, &c), 1);
    assert_int_equal(c.id[0], 2);
    assert_int_equal(c.duplicate[0], 1);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "smsc-2", "t2"), 1);
    assert_int_equal(claim(d, "sms", 5, &c), 1);
    assert_int_equal(c.id[0], 3);
    platform_db_close(d); /* and again, with the third's second try unanswered */

    d = platform_db_open(path, err, sizeof err);
    assert_non_null(d);
    assert_outbox(path, 2, "state", "accepted");
    assert_outbox(path, 3, "state, attempts, reason", "failed|2|" PLATFORM_DB_OUTBOX_UNKNOWN_TWICE);
    assert_int_equal(claim(d, "sms", 5, &c), 0);
    /* The failure carries the time the open found it at. */
    report_all(d, &r);
    assert_memory_equal(r.text, "CN:n1:t1:sms/smsc-1 CN:n2:t2:sms/smsc-2 CNF:n3:2", 48);
    assert_non_null(strstr(r.text, "Z:sms/-:" PLATFORM_DB_OUTBOX_UNKNOWN_TWICE));
    platform_db_close(d);
}

/* Alerts queued under another channel (none, or sms before platform.ini
 * changed to push) held the hub's reports back for good, since the push
 * channel never claims them: adopted, they are claimed by push, behind
 * where its claims had got to, a possible duplicate still flagged, and
 * the reports flow again. */
static void queued_alerts_of_another_channel_are_adopted(void **state)
{
    char path[128], err[256];
    platform_db *d = open_fresh("alert_adopt", path, sizeof path);
    outbox_adopted a;
    claimed c;
    reports r;

    (void)state;
    assert_int_equal(platform_db_outbox_insert(d, "n1", "none", "01011110001", "one", "t0"), 0);
    assert_int_equal(platform_db_outbox_insert(d, "n2", "sms", "01011110002", "two", "t0"), 0);
    assert_int_equal(platform_db_outbox_insert(d, "n3", "sms", "01011110003", "three", "t0"), 0);
    assert_int_equal(claim(d, "sms", 1, &c), 1); /* n1 is not sms's: n2 */
    platform_db_close(d);                        /* a crash, n2 unanswered */
    d = platform_db_open(path, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(platform_db_outbox_insert(d, "n4", "push", "01011110004", "four", "t1"), 0);
    assert_int_equal(claim(d, "push", 10, &c), 1);
    assert_int_equal(c.id[0], 4);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 4, "gw-4", "t2"), 1);
    assert_string_equal(report_all(d, &r), ""); /* behind n1, queued for none */

    assert_int_equal(platform_db_outbox_adopt(d, "push", &a), 3);
    assert_int_equal(a.total, 3);
    assert_int_equal(a.named, 2);
    assert_string_equal(a.from[0].channel, "sms");
    assert_int_equal(a.from[0].n, 2);
    assert_string_equal(a.from[1].channel, "none");
    assert_int_equal(a.from[1].n, 1);
    assert_outbox(path, 2, "channel, state, attempts, duplicate, text", "push|queued|1|1|two");
    assert_outbox(path, 4, "channel, state, reference", "push|accepted|gw-4");
    assert_int_equal(claim(d, "push", 10, &c), 3);
    assert_int_equal(c.id[0], 1);
    assert_int_equal(c.id[1], 2);
    assert_int_equal(c.attempt[1], 2);
    assert_int_equal(c.duplicate[1], 1);
    assert_int_equal(c.id[2], 3);
    assert_int_equal(claim(d, "sms", 10, &c), 0);
    for (long long id = 1; id <= 3; id++) {
        char ref[8];
        snprintf(ref, sizeof ref, "gw-%lld", id);
        assert_int_equal(platform_db_outbox_accepted(d, "push", id, ref, "t3"), 1);
    }
    assert_string_equal(report_all(d, &r), "CN:n1:t3:push/gw-1 CN:n2:t3:push/gw-2 "
                                           "CN:n3:t3:push/gw-3 CN:n4:t2:push/gw-4");
    assert_int_equal(platform_db_outbox_adopt(d, "push", &a), 0);
    assert_int_equal(a.total, 0);
    platform_db_close(d);
}

static void an_unknown_reference_changes_nothing(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_unknown_ref", path, sizeof path);
    claimed c;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(claim(d, "sms", 1, &c), 1);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 1, "smsc-1", "t1"), 1);
    long long pending = platform_db_pending_reports(d);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-9", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_UNKNOWN);
    /* The same reference from another channel is not this alert's. */
    assert_int_equal(platform_db_outbox_receipt(d, "push", "smsc-1", 0, "x", "t2"),
                     OUTBOX_RECEIPT_UNKNOWN);
    assert_outbox(path, 1, "state, settled, reason", "accepted|-|-");
    assert_int_equal(platform_db_pending_reports(d), pending);
    /* Nor do answers for alerts that are not submitting. */
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "smsc-2", "t2"), 0);
    assert_int_equal(platform_db_outbox_failed(d, 3, "x", "t2"), 0);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 99, "smsc-99", "t2"), 0);
    assert_outbox(path, 2, "state, reference", "queued|-");
    platform_db_close(d);
}

static void final_states_are_never_overwritten(void **state)
{
    char path[128];
    platform_db *d = open_fresh("alert_final", path, sizeof path);
    claimed c;
    int failed;

    (void)state;
    queue3(d, "sms");
    assert_int_equal(claim(d, "sms", 3, &c), 3);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 1, "smsc-1", "t1"), 1);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 2, "smsc-2", "t1"), 1);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-1", 1, NULL, "t2"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-2", 0, "sms: EXPIRED", "t2"),
                     OUTBOX_RECEIPT_RECORDED);
    assert_int_equal(platform_db_outbox_failed(d, 3, "sms: ESME_RSUBMITFAIL", "t2"), 1);

    /* delivered stays delivered, failed stays failed, whatever comes. */
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-1", 0, "sms: UNDELIV", "t3"),
                     OUTBOX_RECEIPT_FINAL);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-2", 1, NULL, "t3"),
                     OUTBOX_RECEIPT_FINAL);
    assert_int_equal(platform_db_outbox_receipt(d, "sms", "smsc-2", 0, "again", "t3"),
                     OUTBOX_RECEIPT_FINAL);
    assert_int_equal(platform_db_outbox_failed(d, 1, "late", "t3"), 0);
    assert_int_equal(platform_db_outbox_failed(d, 2, "late", "t3"), 0);
    assert_int_equal(platform_db_outbox_accepted(d, "sms", 3, "smsc-3", "t3"), 0);
    assert_int_equal(platform_db_outbox_requeue(d, NULL, "t3", &failed), 0);
    assert_int_equal(failed, 0);
    assert_outbox(path, 1, "state, settled, reason", "delivered|t2|-");
    assert_outbox(path, 2, "state, settled, reason", "failed|t2|sms: EXPIRED");
    assert_outbox(path, 3, "state, settled, reason, reference",
                  "failed|t2|sms: ESME_RSUBMITFAIL|-");
    assert_int_equal(claim(d, "sms", 3, &c), 0);
    platform_db_close(d);
}

/* The outbox as this code had it before alerts had states: two sent and
 * reported up to the first, one queued; a channel goes on from there. */
static void an_older_outbox_is_migrated(void **state)
{
    char path[128], err[256];
    sqlite3 *db;
    platform_db *d;
    reports r;

    (void)state;
    snprintf(path, sizeof path, "%s/old_outbox.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE outbox(id INTEGER PRIMARY KEY, notice TEXT NOT NULL,"
        " channel TEXT NOT NULL, phone TEXT NOT NULL, text TEXT NOT NULL,"
        " created TEXT NOT NULL, sent TEXT);"
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO outbox(notice, channel, phone, text, created, sent) VALUES"
        " ('n1', 'push', '01011110001', 'one', 't0', 't1'),"
        " ('n2', 'push', '01011110002', 'two', 't0', 't1'),"
        " ('n3', 'push', '01011110003', 'three', 't0', NULL);"
        "INSERT INTO meta(key, value) VALUES ('reported_upto', 1);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    d = platform_db_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    assert_outbox(path, 1, "channel, state, attempts, duplicate, reference, sent",
                  "push|accepted|1|0|-|t1");
    assert_outbox(path, 3, "channel, state, attempts, sent", "push|queued|0|-");
    assert_int_equal(platform_db_pending_reports(d), 2); /* n2 unreported, n3 unsent */
    assert_string_equal(report_all(d, &r), "CN:n2:t1:push/-");
    claimed c;
    assert_int_equal(claim(d, "push", 10, &c), 1);
    assert_int_equal(c.id[0], 3);
    assert_int_equal(claim(d, "push", 10, &c), 0);
    assert_int_equal(platform_db_outbox_accepted(d, "push", 3, "gw-3", "t2"), 1);
    assert_outbox(path, 3, "state, attempts, sent", "accepted|1|t2");
    assert_string_equal(report_all(d, &r), "CN:n3:t2:push/gw-3");
    assert_int_equal(platform_db_pending_reports(d), 0);
    platform_db_close(d);

    /* Opened again, it is not migrated twice and owes nothing. */
    d = platform_db_open(path, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(platform_db_pending_reports(d), 0);
    assert_string_equal(report_all(d, &r), "");
    platform_db_close(d);
}

/* A session is made for the member row as it was when the PIN was
 * checked: not for one replaced since (SQLite gives the newer row the same
 * id), given a new PIN, or not yet confirmed. */
static void sessions_follow_the_row_checked(void **state)
{
    char path[128];
    platform_db *d = open_fresh("sessions", path, sizeof path);
    member web = unconfirmed("01020000021", 'a', "2026-12-07T00:30:00.000Z");
    member other = unconfirmed("01020000021", 'b', "2026-12-07T00:31:00.000Z"), got;
    const char *dup;
    long long id;

    (void)state;
    id = platform_db_member_insert(d, &web, "t", &dup);
    assert_true(id > 0);
    web.id = id;
    assert_int_equal(platform_db_session_insert(d, "h1", &web, 1), 1); /* not confirmed */
    assert_int_equal(platform_db_member_confirm(d, id, web.confirm_hash), 1);
    assert_int_equal(platform_db_session_insert(d, "h2", &web, 1), 0);
    assert_int_equal(platform_db_member_set_pin(d, &web, "$argon2id$new"), 0);
    assert_int_equal(platform_db_session_insert(d, "h3", &web, 1), 1); /* the old PIN's row */
    /* replaced (dropped, another made with the same id) */
    assert_int_equal(platform_db_member_by_id(d, id, &got), 1);
    got.confirm_until[0] = '\0';
    member now = got;
    assert_int_equal(platform_db_session_insert(d, "h4", &now, 1), 0);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "DELETE FROM sessions; DELETE FROM members", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(platform_db_member_insert(d, &other, "t", &dup), id);
    assert_int_equal(platform_db_member_confirm(d, id, other.confirm_hash), 1);
    assert_int_equal(platform_db_session_insert(d, "h5", &now, 1), 1);
    platform_db_close(d);
}

/* A device is its member's, by id and phone: its wrong PINs count before
 * they are checked, a member keeps 10, and a new PIN or a dropped member
 * ends them, so that the next member given the same id inherits none. */
static void devices_are_the_members_own(void **state)
{
    char path[128], hash[16];
    platform_db *d = open_fresh("devices", path, sizeof path);
    member web = person("01030000001", 'a', 0), office = person("01030000002", 'a', 1);
    const char *dup;
    long long t = 1000000;

    (void)state;
    web.id = platform_db_member_insert(d, &web, "t", &dup);
    assert_true(web.id > 0);
    assert_int_equal(platform_db_device_remember(d, &web, NULL, "d0", t), 1);
    assert_int_equal(platform_db_device_remember(d, &web, "d0", "dx", t), 0); /* already */
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 1);
    assert_int_equal(platform_db_device_trusted(d, office.phone, "d0", t), 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "dx", t), 0);
    for (int i = 0; i < LOGIN_GUARD_PAIR_FREE; i++)
        assert_int_equal(platform_db_device_attempt(d, web.phone, "d0", t), 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 0);
    /* an attempt the database failed is taken back, one at a time */
    assert_int_equal(platform_db_device_unfail(d, web.phone, "d0"), 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 1);
    assert_int_equal(platform_db_device_attempt(d, web.phone, "d0", t), 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 0);
    assert_int_equal(platform_db_device_ok(d, web.phone, "d0"), 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 1);
    /* never below none: a failure after it still counts */
    assert_int_equal(platform_db_device_unfail(d, web.phone, "d0"), 0);
    for (int i = 0; i < LOGIN_GUARD_PAIR_FREE; i++)
        assert_int_equal(platform_db_device_attempt(d, web.phone, "d0", t), 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 0);
    assert_int_equal(platform_db_device_ok(d, web.phone, "d0"), 0);
    for (int i = 1; i <= 10; i++) {
        snprintf(hash, sizeof hash, "d%d", i);
        assert_int_equal(platform_db_device_remember(d, &web, NULL, hash, t + i), 1);
    }
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d0", t), 0); /* the 11th back */
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d1", t), 1);
    /* the back office signs the same person up: the web member goes, and
     * the new one (its id maybe the same) has none of its devices */
    office.id = platform_db_member_insert(d, &office, "t", &dup);
    assert_true(office.id > 0);
    assert_int_equal(platform_db_device_trusted(d, web.phone, "d1", t), 0);
    assert_int_equal(platform_db_device_trusted(d, office.phone, "d1", t), 0);
    assert_int_equal(platform_db_device_remember(d, &office, "d1", "e1", t), 1);
    assert_int_equal(platform_db_device_trusted(d, office.phone, "e1", t), 1);
    assert_int_equal(platform_db_member_set_pin(d, &office, "$argon2id$new"), 0);
    assert_int_equal(platform_db_device_trusted(d, office.phone, "e1", t), 0);
    platform_db_close(d);
}

/* Members made before sign-ups proved their phone read as confirmed. */
static void older_members_are_confirmed(void **state)
{
    char path[128], err[256];
    sqlite3 *db;
    platform_db *d;
    member got, web = unconfirmed("01020000013", 'b', "2026-12-07T00:30:00.000Z");
    const char *dup;

    (void)state;
    snprintf(path, sizeof path, "%s/old_members.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE members(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " phone TEXT NOT NULL UNIQUE, ci TEXT NOT NULL, rk TEXT NOT NULL UNIQUE,"
        " pin_hash TEXT NOT NULL, consent INTEGER NOT NULL, preference INTEGER NOT NULL,"
        " created TEXT NOT NULL, verified INTEGER NOT NULL);"
        "INSERT INTO members(name, phone, ci, rk, pin_hash, consent, preference, created,"
        " verified) VALUES ('web', '01020000012', 'c', 'r', '$argon2id$', 1, 1, 't', 0);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    d = platform_db_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    assert_int_equal(platform_db_member_by_phone(d, "01020000012", &got), 1);
    assert_string_equal(got.confirm_until, "");
    assert_int_equal(got.confirm_tries, 0);
    assert_true(platform_db_member_insert(d, &web, "t", &dup) > 0);
    assert_int_equal(platform_db_members_prune_unconfirmed(d, "2027-01-01T00:00:00.000Z"), 1);
    assert_int_equal(platform_db_member_by_phone(d, "01020000012", &got), 1);
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
        cmocka_unit_test(an_inbox_is_read_page_after_page),
        cmocka_unit_test(a_verified_sign_up_replaces_an_unverified_one),
        cmocka_unit_test(a_refused_sign_up_drops_no_one),
        cmocka_unit_test(an_unconfirmed_sign_up_gives_way),
        cmocka_unit_test(wrong_codes_drop_the_sign_up),
        cmocka_unit_test(lapsed_sign_ups_are_pruned),
        cmocka_unit_test(older_members_are_confirmed),
        cmocka_unit_test(sessions_follow_the_row_checked),
        cmocka_unit_test(devices_are_the_members_own),
        cmocka_unit_test(a_notice_is_filed_once),
        cmocka_unit_test(read_is_final),
        cmocka_unit_test(reopening_keeps_the_data),
        cmocka_unit_test(an_alert_is_claimed_accepted_and_delivered),
        cmocka_unit_test(an_urgent_alert_is_claimed_first),
        cmocka_unit_test(an_urgent_alert_put_back_stays_urgent),
        cmocka_unit_test(a_lapsed_sign_up_code_is_never_sent),
        cmocka_unit_test(a_failed_receipt_is_reported_after_the_notification),
        cmocka_unit_test(a_delivery_is_reported_after_the_notification),
        cmocka_unit_test(only_alerts_owe_a_delivery_report),
        cmocka_unit_test(an_unknown_outcome_is_resent_once_then_fails),
        cmocka_unit_test(an_unsent_claim_goes_back_as_it_was),
        cmocka_unit_test(a_crash_queues_the_unanswered_again),
        cmocka_unit_test(queued_alerts_of_another_channel_are_adopted),
        cmocka_unit_test(an_unknown_reference_changes_nothing),
        cmocka_unit_test(final_states_are_never_overwritten),
        cmocka_unit_test(an_older_outbox_is_migrated),
    };
    return cmocka_run_group_tests_name("platform_db", tests, make_dir, remove_dir);
}
