/* platform_db.h -- the platform's database: members, inboxes, the
 * notification outbox, the queues of reports for the hub, and sessions.
 *
 * Every statement is prepared once at open and reused; callers hold the
 * platform lock and group a batch's statements in one transaction. No RRN
 * is ever bound to any statement here: members are known by CI and rk. */
#ifndef HERALD_PLATFORM_DB_H
#define HERALD_PLATFORM_DB_H

#include <sqlite3.h>
#include <stddef.h>

#include "ci.h"
#include "crypto.h"
#include "db.h"
#include "login_attempts.h"
#include "phone.h"

typedef struct pdb {
    sqlite3 *db;
    db_checkpointer *ckpt;
    sqlite3_stmt *member_by_rk, *member_by_phone, *member_by_id, *member_insert,
        *member_consent, *member_verify, *inbox_insert, *inbox_get, *inbox_list, *inbox_read,
        *outbox_insert, *dir_insert, *session_insert, *session_get,
        *session_delete, *attempts_get, *attempts_set, *attempts_clear,
        *member_route, *notify_mark, *outbox_last, *events_batch, *events_reported,
        *dir_batch, *dir_delete, *sessions_expire, *attempts_expire;
    /* Outbox rows up to sent_upto are sent; up to reported_upto, the hub
     * has their ConsignmentNotification. */
    long long sent_upto, reported_upto;
} pdb;

typedef struct member {
    long long id;
    char name[65];
    char phone[PHONE_MAX_CHARS + 1];
    char ci[CI_LEN + 1];
    char rk[RK_HEX_LEN + 1];
    char pin_hash[PWHASH_STR_MAX];
    int consent, preference;
    int verified; /* identity proofed by the back office: notices may come */
} member;

/* What a relay needs of its member. */
typedef struct member_route {
    long long id;
    int verified, consent;
    char phone[PHONE_MAX_CHARS + 1];
} member_route;

typedef struct notice_row {
    char notice[65], rk[RK_HEX_LEN + 1], agency[65], title[201], doc_sha256[65];
    char deadline[41], link[513], received[25];
    long long member;
    int read;
} notice_row;

int pdb_open(pdb *d, const char *path, char *err, size_t errlen);
void pdb_close(pdb *d);

/* Lookups return 1 when found, 0 when not, -1 on a database error. */
int pdb_member_by_phone(pdb *d, const char *phone, member *m);
int pdb_member_route(pdb *d, const char *rk, member_route *r);
int pdb_member_by_id(pdb *d, long long id, member *m);
/* Returns the new id, 0 when the phone or the person is already a member
 * (*dup says which: "phone" or "person"), -1 on error. A verified m
 * replaces an unverified member with the same phone or person. */
long long pdb_member_insert(pdb *d, const member *m, const char *created, const char **dup);
int pdb_member_set_consent(pdb *d, long long id, int consent, int preference);
int pdb_member_verify(pdb *d, long long id);

/* 1 inserted, 0 already there (a repeated relay), -1 error. */
int pdb_inbox_insert(pdb *d, const notice_row *n);
int pdb_inbox_get(pdb *d, const char *notice, notice_row *n);
/* Calls fn for up to limit of a member's notices, newest first. */
int pdb_inbox_list(pdb *d, long long member, int limit,
                   void (*fn)(void *ctx, const notice_row *n), void *ctx);
int pdb_inbox_mark_read(pdb *d, const char *notice, const char *at);

int pdb_outbox_insert(pdb *d, const char *notice, const char *channel, const char *phone,
                      const char *text, const char *created);
int pdb_directory_queue(pdb *d, const char *rk, int consent, int preference);

/* Hands every unsent outbox row to its channel (marks it sent at `at`, in
 * a transaction of its own), which makes it a ConsignmentNotification to
 * report; returns how many, or -1 (then none). */
int pdb_outbox_deliver(pdb *d, const char *at);

/* The oldest unreported ConsignmentNotifications, up to limit, passed to
 * fn in order; returns how many, or -1. Once the hub has them,
 * pdb_events_reported_upto(the last id) moves past them. */
int pdb_events_batch(pdb *d, int limit,
                     void (*fn)(void *ctx, long long id, const char *notice, const char *at),
                     void *ctx);
int pdb_events_reported_upto(pdb *d, long long id);
/* Reports not yet accepted by the hub (directory changes, notifications
 * unsent or unreported): what an operator or the demo waits on. -1 on
 * error. */
long long pdb_pending_reports(pdb *d);
int pdb_directory_batch(pdb *d, int limit,
                        void (*fn)(void *ctx, long long id, const char *rk, int consent,
                                   int preference),
                        void *ctx);
int pdb_directory_delete_upto(pdb *d, long long id);

int pdb_session_insert(pdb *d, const char *id_hash, long long member, long long expires_ms);
/* The member of a live session, 0 when none, -1 on error. */
long long pdb_session_member(pdb *d, const char *id_hash, long long now_ms);
int pdb_session_delete(pdb *d, const char *id_hash);
int pdb_sessions_expire(pdb *d, long long now_ms);

int pdb_attempts_get(pdb *d, const char *phone, login_attempts *a);
int pdb_attempts_set(pdb *d, const char *phone, const login_attempts *a);
int pdb_attempts_clear(pdb *d, const char *phone);
/* Forgets the phones whose last failure has left the lockout window: a
 * wrong PIN for any phone-shaped string adds a row, and only a sign-in
 * removes one, so without this the table grows for ever. */
int pdb_attempts_expire(pdb *d, long long now_ms);

#endif
