/* platform_db_members.c -- the platform's members: sign-up, identity
 * proofing, consent and preference, and the lookups a relay and a
 * sign-in make. */
#include "platform_db.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "platform_db_internal.h"

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

/* Deletes an unverified member and their sessions. Unverified members
 * never received a notice (relays to them are refused), so nothing else
 * refers to them. */
static int drop_unverified(platform_db *d, long long id)
{
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE member = ?1",
        "DELETE FROM members WHERE id = ?1 AND verified = 0",
    };

    return run_for_member(d, sql, sizeof sql / sizeof sql[0], id, NULL, NULL);
}

/* A back-office sign-up has proofed the person's identity, so it takes
 * precedence over an unverified web sign-up with the same phone or the
 * same CI: someone who typed another's RRN on the web page must not be
 * able to keep the real person out. Both keys are looked up before
 * anything goes: a verified holder of either refuses the sign-up, and an
 * unverified member of the other key stays. Returns 1 if m may be
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
        if (found[i] == 1 && (!m->verified || held[i].verified)) {
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
            log_warn("a verified sign-up replaced unverified web member %lld (same %s)",
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
    rc = db_run(st);
    return rc == 0 ? sqlite3_last_insert_rowid(d->db) : -1;
}

int platform_db_member_verify(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->member_verify, 1, id);
    return db_run(d->member_verify);
}

int platform_db_member_set_pin(platform_db *d, const member *m, const char *pin_hash)
{
    static const char *const sql[] = {
        "UPDATE members SET pin_hash = ?2 WHERE id = ?1",
        "DELETE FROM sessions WHERE member = ?1",
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
