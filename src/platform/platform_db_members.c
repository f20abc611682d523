/* platform_db_members.c -- the platform's members: sign-up, identity
 * proofing, consent and preference, and the lookups a relay and a
 * sign-in make. */
#include "platform_db.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "platform_db_internal.h"
#include "signup_code.h"

static void member_of(sqlite3_stmt *st, void *out)
{
    member *m = out;

    m->id = sqlite3_column_int64(st, 0);
    db_copy_text(m->name, sizeof m->name, st, 1);
    db_copy_text(m->phone, sizeof m->phone, st, 2);
    db_copy_text(m->ci, sizeof m->ci, st, 3);
    db_copy_text(m->rk, sizeof m->rk, st, 4);
    db_copy_text(m->pin_hash, sizeof m->pin_hash, st, 5);
    m->consent = sqlite3_column_int(st, 6);
    m->preference = sqlite3_column_int(st, 7);
    m->verified = sqlite3_column_int(st, 8);
    db_copy_text(m->confirm_until, sizeof m->confirm_until, st, 9);
    db_copy_text(m->confirm_hash, sizeof m->confirm_hash, st, 10);
    m->confirm_tries = sqlite3_column_int(st, 11);
}

static int read_member(sqlite3_stmt *st, member *m)
{
    return platform_db_read_row(st, member_of, m);
}

int platform_db_member_by_rk(platform_db *d, const char *rk, member *m)
{
    db_bind_text(d->member_by_rk, 1, rk);
    return read_member(d->member_by_rk, m);
}

static void route_of(sqlite3_stmt *st, void *out)
{
    member_route *r = out;

    r->id = sqlite3_column_int64(st, 0);
    r->verified = sqlite3_column_int(st, 1);
    r->consent = sqlite3_column_int(st, 2);
    db_copy_text(r->phone, sizeof r->phone, st, 3);
}

int platform_db_member_route(platform_db *d, const char *rk, member_route *r)
{
    db_bind_text(d->member_route, 1, rk);
    return platform_db_read_row(d->member_route, route_of, r);
}

int platform_db_member_by_phone(platform_db *d, const char *phone, member *m)
{
    db_bind_text(d->member_by_phone, 1, phone);
    return read_member(d->member_by_phone, m);
}

int platform_db_member_by_id(platform_db *d, long long id, member *m)
{
    sqlite3_bind_int64(d->member_by_id, 1, id);
    return read_member(d->member_by_id, m);
}

/* Runs each statement of sql[0..n) once, with ?1 the member's id and,
 * when the statement names them, ?2 and ?3 the texts given (NULL binds
 * nothing). 0, or -1 at the first that fails. */
static int run_for_member(platform_db *d, const char *const *sql, size_t n, long long id,
                          const char *text2, const char *text3)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = db_prepare(d->db, sql[i]);
        if (!st)
            return -1;
        int params = sqlite3_bind_parameter_count(st);
        sqlite3_bind_int64(st, 1, id);
        if (params >= 2 && text2)
            db_bind_text(st, 2, text2);
        if (params >= 3 && text3)
            db_bind_text(st, 3, text3);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/* Deletes an unverified member, their sessions and devices (the next
 * member may be given the same id). Unverified members
 * never received a notice (relays to them are refused), so nothing else
 * refers to them. */
static int drop_unverified(platform_db *d, long long id)
{
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE member = ?1",
        "DELETE FROM devices WHERE member = ?1",
        "DELETE FROM members WHERE id = ?1 AND verified = 0",
    };

    return run_for_member(d, sql, sizeof sql / sizeof sql[0], id, NULL, NULL);
}

/* 1 if member held keeps the phone and person it has from sign-up m:
 * a verified member keeps them from anyone; an unverified one only from
 * another web sign-up, once its phone is proved (signup_code.h). */
static int holds_against(const member *held, const member *m)
{
    return held->verified || (!m->verified && !held->confirm_until[0]);
}

/* A back-office sign-up has proofed the person's identity, so it takes
 * precedence over an unverified web sign-up with the same phone or the
 * same CI: someone who typed another's RRN on the web page must not be
 * able to keep the real person out. A web sign-up whose phone is not yet
 * proved gives way to any later one, so that a number typed by someone
 * else is not held from its owner. Both keys are looked up before
 * anything goes: a holder of either that keeps it refuses the sign-up,
 * and then the member of the other key stays. Returns 1 if m may be
 * inserted, 0 (*dup and *other say who holds what) or -1. */
static int clear_the_way(platform_db *d, const member *m, member *other, const char **dup)
{
    static const char *const key[2] = {"phone", "person"};
    member held[2];
    int found[2] = {platform_db_member_by_phone(d, m->phone, &held[0]),
                    platform_db_member_by_rk(d, m->rk, &held[1])};

    int rc = 1;

    if (found[0] < 0 || found[1] < 0)
        rc = -1;
    for (int i = 0; i < 2 && rc == 1; i++)
        if (found[i] == 1 && holds_against(&held[i], m)) {
            *other = held[i];
            *dup = key[i];
            rc = 0;
        }
    for (int i = 0; i < 2 && rc == 1; i++) {
        if (found[i] != 1 || (i == 1 && found[0] == 1 && held[0].id == held[1].id))
            continue;
        if (drop_unverified(d, held[i].id) != 0)
            rc = -1;
        else
            log_warn("a %s sign-up replaced %s web member %lld (same %s)",
                     m->verified ? "verified" : "web", held[i].confirm_until[0] ? "unconfirmed"
                                                                              : "unverified",
                     held[i].id, key[i]);
    }
    secure_wipe(held, sizeof held); /* CIs and PIN hashes */
    return rc;
}

long long platform_db_member_insert(platform_db *d, const member *m, const char *created,
                                    const char **dup)
{
    sqlite3_stmt *st = d->member_insert;
    member other;
    int rc;

    *dup = NULL;
    rc = clear_the_way(d, m, &other, dup);
    if (rc <= 0)
        return rc;
    db_bind_text(st, 1, m->name);
    db_bind_text(st, 2, m->phone);
    db_bind_text(st, 3, m->ci);
    db_bind_text(st, 4, m->rk);
    db_bind_text(st, 5, m->pin_hash);
    sqlite3_bind_int(st, 6, m->consent);
    sqlite3_bind_int(st, 7, m->preference);
    db_bind_text(st, 8, created);
    sqlite3_bind_int(st, 9, m->verified);
    if (m->confirm_until[0]) {
        db_bind_text(st, 10, m->confirm_until);
        db_bind_text(st, 11, m->confirm_hash);
    } else {
        sqlite3_bind_null(st, 10);
        sqlite3_bind_null(st, 11);
    }
    rc = db_run(st);
    return rc == 0 ? sqlite3_last_insert_rowid(d->db) : -1;
}

int platform_db_member_verify(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->member_verify, 1, id);
    return db_run(d->member_verify);
}

/* Runs one statement about sign-up (id, hash): the rows it changed, or
 * -1. Naming the hash as well as the id keeps a sign-up replaced since it
 * was read (whose id a newer row may have taken) from being touched. */
static int run_for_sign_up(platform_db *d, const char *sql, long long id, const char *hash)
{
    sqlite3_stmt *st = db_prepare(d->db, sql);
    int n;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, hash);
    n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(d->db) : -1;
    sqlite3_finalize(st);
    return n;
}

int platform_db_member_confirm(platform_db *d, long long id, const char *hash)
{
    /* The tries are checked here too: a fifth wrong code whose drop
     * failed leaves the row, and the code must not work after it. */
    return run_for_sign_up(d, "UPDATE members SET confirm_until = NULL, confirm_hash = NULL,"
                              " confirm_tries = 0 WHERE id = ?1 AND confirm_hash = ?2"
                              " AND confirm_tries < " SIGNUP_CODE_TRIES_SQL,
                           id, hash);
}

int platform_db_member_drop_unconfirmed(platform_db *d, long long id, const char *hash)
{
    int n = run_for_sign_up(d, "DELETE FROM members WHERE id = ?1 AND confirm_hash = ?2"
                               " AND verified = 0", id, hash);
    static const char *const sessions[] = {"DELETE FROM sessions WHERE member = ?1",
                                           "DELETE FROM devices WHERE member = ?1"};

    if (n <= 0)
        return n;
    return run_for_member(d, sessions, 2, id, NULL, NULL) == 0 ? 1 : -1;
}

/* Counts one, then drops the sign-up at the last: 0, or -1. */
static int count_wrong_code(platform_db *d, long long id, const char *hash, int *left)
{
    member m;
    int found, tries;

    /* Counted in the database, not from the member read before the PIN's
     * hash was checked: parallel guesses each count. */
    int n = run_for_sign_up(d, "UPDATE members SET confirm_tries = confirm_tries + 1"
                               " WHERE id = ?1 AND confirm_hash = ?2", id, hash);
    if (n <= 0) {
        *left = -2; /* gone: replaced or dropped meanwhile */
        return n;
    }
    if ((found = platform_db_member_by_id(d, id, &m)) < 0)
        return -1;
    tries = found ? m.confirm_tries : SIGNUP_CODE_TRIES;
    secure_wipe(&m, sizeof m); /* CI and PIN hash */
    *left = tries < SIGNUP_CODE_TRIES ? SIGNUP_CODE_TRIES - tries : 0;
    return *left ? 0 : platform_db_member_drop_unconfirmed(d, id, hash) < 0 ? -1 : 0;
}

int platform_db_member_code_wrong(platform_db *d, long long id, const char *hash)
{
    int left = -1;

    if (db_begin(d->db) != 0)
        return -1;
    if (count_wrong_code(d, id, hash, &left) != 0 || db_commit(d->db) != 0) {
        db_rollback(d->db);
        return -1;
    }
    return left;
}

/* Runs sql with ?1 before: the rows it changed, or -1. */
static long long run_before(platform_db *d, const char *sql, const char *before)
{
    sqlite3_stmt *st = db_prepare(d->db, sql);
    long long n;

    if (!st)
        return -1;
    db_bind_text(st, 1, before);
    n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(d->db) : -1;
    sqlite3_finalize(st);
    return n;
}

long long platform_db_members_prune_unconfirmed(platform_db *d, const char *now)
{
    return run_before(d, "DELETE FROM members INDEXED BY members_unconfirmed"
                         " WHERE confirm_until IS NOT NULL AND confirm_until < ?1"
                         " AND verified = 0", now);
}

long long platform_db_signup_codes_wipe(platform_db *d, const char *lapsed)
{
    /* the index holds only the messages with a code still in them */
    return run_before(d, "UPDATE outbox INDEXED BY outbox_signup_codes SET text = ''"
                         " WHERE kind = 'signup' AND text <> '' AND created < ?1", lapsed);
}

int platform_db_member_set_pin(platform_db *d, const member *m, const char *pin_hash)
{
    static const char *const sql[] = {
        "UPDATE members SET pin_hash = ?2 WHERE id = ?1",
        "DELETE FROM sessions WHERE member = ?1",
        /* a device is trusted for having known the PIN: the old one */
        "DELETE FROM devices WHERE member = ?1",
        "DELETE FROM login_pairs WHERE phone = ?3",
    };

    return run_for_member(d, sql, sizeof sql / sizeof sql[0], m->id, pin_hash, m->phone);
}

int platform_db_member_set_consent(platform_db *d, long long id, int consent, int preference)
{
    sqlite3_bind_int(d->member_consent, 1, consent);
    sqlite3_bind_int(d->member_consent, 2, preference);
    sqlite3_bind_int64(d->member_consent, 3, id);
    return db_run(d->member_consent);
}
