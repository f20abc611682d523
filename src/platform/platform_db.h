/* platform_db.h -- the platform's database: members, inboxes, the
 * notification outbox, the queues of reports for the hub, and sessions.
 *
 * Every statement is prepared once at open and reused; callers hold the
 * platform lock and group a batch's statements in one transaction. No RRN
 * is ever bound to any statement here: members are known by CI and rk. */
#ifndef HERALD_PLATFORM_DB_H
#define HERALD_PLATFORM_DB_H

#include <stddef.h>

#include "ci.h"
#include "crypto.h"
#include "field.h"
#include "login_attempts.h"
#include "phone.h"

/* The open database; its insides (SQLite, prepared statements) belong to
 * platform_db*.c alone, through platform_db_internal.h. */
typedef struct platform_db platform_db;

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
    char notice[65], rk[RK_HEX_LEN + 1], agency[65], title[FIELD_TITLE_MAX + 1];
    char doc_sha256[65], deadline[FIELD_TIME_MAX + 1], link[FIELD_LINK_MAX + 1];
    char received[25];
    long long member;
    int read;
    char read_at[25]; /* when first opened ("" while unread); never moved later */
} notice_row;

/* Opens (creating when new) the database file at path; NULL with the
 * reason in err. */
platform_db *platform_db_open(const char *path, char *err, size_t errlen);
void platform_db_close(platform_db *d);

/* A batch's statements in one transaction: 0 or -1. */
int platform_db_begin(platform_db *d);
int platform_db_commit(platform_db *d);
void platform_db_rollback(platform_db *d);

/* Lookups return 1 when found, 0 when not, -1 on a database error. */
int platform_db_member_by_phone(platform_db *d, const char *phone, member *m);
int platform_db_member_route(platform_db *d, const char *rk, member_route *r);
int platform_db_member_by_id(platform_db *d, long long id, member *m);
/* Returns the new id, 0 when the phone or the person is already a member
 * (*dup says which: "phone" or "person"), -1 on error. A verified m
 * replaces an unverified member with the same phone or person. */
long long platform_db_member_insert(platform_db *d, const member *m, const char *created,
                                    const char **dup);
int platform_db_member_set_consent(platform_db *d, long long id, int consent, int preference);
int platform_db_member_verify(platform_db *d, long long id);

/* 1 inserted, 0 already there (a repeated relay), -1 error. */
int platform_db_inbox_insert(platform_db *d, const notice_row *n);
int platform_db_inbox_get(platform_db *d, const char *notice, notice_row *n);
/* Calls fn for up to limit of a member's notices, newest first. */
int platform_db_inbox_list(platform_db *d, long long member, int limit,
                           void (*fn)(void *ctx, const notice_row *n), void *ctx);
int platform_db_inbox_mark_read(platform_db *d, const char *notice, const char *at);

int platform_db_outbox_insert(platform_db *d, const char *notice, const char *channel,
                              const char *phone, const char *text, const char *created);
int platform_db_directory_queue(platform_db *d, const char *rk, int consent, int preference);

/* Hands every unsent outbox row to its channel (marks it sent at `at`, in
 * a transaction of its own), which makes it a ConsignmentNotification to
 * report; returns how many, or -1 (then none). */
int platform_db_outbox_deliver(platform_db *d, const char *at);

/* The oldest unreported ConsignmentNotifications, up to limit, passed to
 * fn in order; returns how many, or -1. Once the hub has them,
 * platform_db_events_reported_upto(the last id) moves past them. */
int platform_db_events_batch(platform_db *d, int limit,
                             void (*fn)(void *ctx, long long id, const char *notice,
                                        const char *at),
                             void *ctx);
int platform_db_events_reported_upto(platform_db *d, long long id);
/* Reports not yet accepted by the hub (directory changes, notifications
 * unsent or unreported): what an operator or the demo waits on. -1 on
 * error. */
long long platform_db_pending_reports(platform_db *d);
int platform_db_directory_batch(platform_db *d, int limit,
                                void (*fn)(void *ctx, long long id, const char *rk, int consent,
                                           int preference),
                                void *ctx);
int platform_db_directory_delete_upto(platform_db *d, long long id);

int platform_db_session_insert(platform_db *d, const char *id_hash, long long member,
                               long long expires_ms);
/* The member of a live session, 0 when none, -1 on error. */
long long platform_db_session_member(platform_db *d, const char *id_hash, long long now_ms);
int platform_db_session_delete(platform_db *d, const char *id_hash);
int platform_db_sessions_expire(platform_db *d, long long now_ms);

int platform_db_attempts_get(platform_db *d, const char *phone, login_attempts *a);
int platform_db_attempts_set(platform_db *d, const char *phone, const login_attempts *a);
int platform_db_attempts_clear(platform_db *d, const char *phone);
/* Forgets the phones whose last failure has left the lockout window: a
 * wrong PIN for any phone-shaped string adds a row, and only a sign-in
 * removes one, so without this the table grows for ever. */
int platform_db_attempts_expire(platform_db *d, long long now_ms);

#endif
