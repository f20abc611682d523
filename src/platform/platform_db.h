/* platform_db.h -- the platform's database: members, inboxes, the
 * notification outbox, the queues of reports for the hub, and sessions.
 *
 * Every statement is prepared once at open and reused; callers hold the
 * platform lock and group a batch's statements in one transaction. No RRN
 * is ever bound to any statement here: members are known by CI and rk. */
#ifndef HERALD_PLATFORM_DB_H
#define HERALD_PLATFORM_DB_H

#include <stddef.h>
#include <stdint.h>

#include "ci.h"
#include "crypto.h"
#include "field.h"
#include "login_guard.h"
#include "signup_limit.h"
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
    /* A web sign-up whose phone has not yet been proved (signup_code.h):
     * until when its code may be given, and the code's hash; "" once
     * proved, and for every member the back office made or verified. */
    char confirm_until[25];
    char confirm_hash[65];
    int confirm_tries; /* wrong codes given so far */
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
    int pending;      /* a pre-notice's: hidden until the member consents */
    char consent_until[FIELD_TIME_MAX + 1]; /* with it: dropped if consent comes later */
    char withdrawn_at[25]; /* the agency cancelled it ("" if not): it no longer opens */
    char withdrawn_reason[FIELD_REASON_MAX + 1];
    int urgent; /* relayed as urgent: its alert goes first (not stored) */
} notice_row;

/* Opens (creating when new) the database file at path; NULL with the
 * reason in err. */
/* What GET /metrics counts as the database records it. */
typedef enum platform_count {
    PLATFORM_ALERT_ACCEPTED,   /* the channel took an alert */
    PLATFORM_ALERT_DELIVERED,  /* a receipt said it was delivered */
    PLATFORM_ALERT_FAILED,     /* refused, given up on, or a receipt said failed */
    PLATFORM_NOTICE_RECEIVED,  /* a relayed notice went into an inbox */
    PLATFORM_NOTICE_READ,      /* a notice was opened by its member */
    PLATFORM_COUNT_KINDS
} platform_count;
/* Counted in the transaction that records it: a batch rolled back and
 * recorded again counts twice (a database error, logged). */
uint64_t platform_db_count(platform_db *d, platform_count kind);

platform_db *platform_db_open(const char *path, char *err, size_t errlen);
void platform_db_close(platform_db *d);

/* A batch's statements in one transaction: 0 or -1. */
int platform_db_begin(platform_db *d);
int platform_db_commit(platform_db *d);
void platform_db_rollback(platform_db *d);
/* Inside one, a part that may fail alone: open it, then keep it (1) or
 * undo it (0). 0 or -1. */
int platform_db_savepoint_open(platform_db *d);
int platform_db_savepoint(platform_db *d, int keep);

/* Lookups return 1 when found, 0 when not, -1 on a database error. */
int platform_db_member_by_phone(platform_db *d, const char *phone, member *m);
int platform_db_member_route(platform_db *d, const char *rk, member_route *r);
int platform_db_member_by_id(platform_db *d, long long id, member *m);
int platform_db_member_by_rk(platform_db *d, const char *rk, member *m);
/* Returns the new id, 0 when the phone or the person is already a member
 * (*dup says which: "phone" or "person"), -1 on error. A verified m
 * replaces an unverified member with the same phone or person, and any m
 * one whose phone is not yet proved. */
long long platform_db_member_insert(platform_db *d, const member *m, const char *created,
                                    const char **dup);
int platform_db_member_set_consent(platform_db *d, long long id, int consent, int preference);
int platform_db_member_verify(platform_db *d, long long id);
/* A web sign-up's phone proved: member id, still waiting for the code
 * whose hash is hash (naming it keeps a sign-up replaced since it was
 * read, whose id a newer row may have taken, from being touched), with
 * tries left, is confirmed. 1, 0 when no such sign-up waits, -1 on error. */
int platform_db_member_confirm(platform_db *d, long long id, const char *hash);
/* A wrong code for that sign-up, in a transaction of its own: the tries
 * left, 0 when that was the last and the sign-up is dropped, -2 when it
 * was gone already, -1 on error. */
int platform_db_member_code_wrong(platform_db *d, long long id, const char *hash);
/* Drops that sign-up and its sessions: 1, 0 when it is gone, -1. */
int platform_db_member_drop_unconfirmed(platform_db *d, long long id, const char *hash);
/* Drops the unconfirmed members whose code lapsed before now (RFC 3339,
 * as stored): how many, or -1. */
long long platform_db_members_prune_unconfirmed(platform_db *d, const char *now);
/* The codes in sign-up messages queued before lapsed (RFC 3339) wiped
 * from the outbox, their use over: how many, or -1. A lapsed message
 * still queued is never sent (platform_db_outbox_claim). */
long long platform_db_signup_codes_wipe(platform_db *d, const char *lapsed);
/* A new PIN for member m: its hash stored, every session of m's ended and
 * the sign-in failures counted against m's phone forgotten. 0 or -1. */
int platform_db_member_set_pin(platform_db *d, const member *m, const char *pin_hash);

/* 1 inserted, 0 already there (a repeated relay), -1 error. */
int platform_db_inbox_insert(platform_db *d, const notice_row *n);
int platform_db_inbox_get(platform_db *d, const char *notice, notice_row *n);
/* Calls fn for up to limit of a member's notices, newest first; those
 * pending consent are not among them. With after (NULL: from the newest)
 * only those listed after it: older, or as old with a smaller id. */
int platform_db_inbox_list(platform_db *d, long long member, int limit,
                           const notice_row *after,
                           void (*fn)(void *ctx, const notice_row *n), void *ctx);
/* The same page the other way: up to limit of those listed before since
 * (newer, or as new with a larger id), oldest first. */
int platform_db_inbox_list_newer(platform_db *d, long long member, int limit,
                                 const notice_row *since,
                                 void (*fn)(void *ctx, const notice_row *n), void *ctx);
int platform_db_inbox_mark_read(platform_db *d, const char *notice, const char *at);
/* The sending agency cancelled notice: withdrawn at `at` for reason
 * (NULL: none given), and its alerts no channel has taken yet with it.
 * 1 withdrawn now, 0 not here or withdrawn before, -1. */
int platform_db_inbox_withdraw(platform_db *d, const char *notice, const char *at,
                               const char *reason);
/* A member's notices pending consent, oldest first, each passed to fn
 * (which may not use the database). 0 or -1. */
int platform_db_inbox_pending(platform_db *d, long long member,
                              void (*fn)(void *ctx, const notice_row *n), void *ctx);
/* A pending notice becomes the member's, received at `at`; 1, 0 (not
 * pending), -1. */
int platform_db_inbox_reveal(platform_db *d, const char *notice, const char *at);
/* A pending notice whose consent window has passed is forgotten: 1, 0, -1. */
int platform_db_inbox_drop(platform_db *d, const char *notice);
/* Notes reminder n of notice as queued: 1 new, 0 queued before, -1. */
int platform_db_reminder_note(platform_db *d, const char *notice, int n);
/* A member consented to a pre-noticed notice at `at`: the hub is owed
 * ConsentAcceptance and ContentConsignment. 0 or -1. */
int platform_db_consent_report(platform_db *d, const char *notice, const char *at);
/* The oldest of those, up to limit, passed to fn; returns how many, or
 * -1. Once the hub has them, platform_db_consent_reported_upto(the last
 * seq) forgets them. */
int platform_db_consent_batch(platform_db *d, int limit,
                              void (*fn)(void *ctx, long long seq, const char *notice,
                                         const char *at),
                              void *ctx);
int platform_db_consent_reported_upto(platform_db *d, long long seq);

/* The outbox: each relayed notice's alert, in the platform's database
 * before any channel sends it. An alert moves
 *
 *   queued -> submitting -> accepted -> delivered | failed
 *
 * queued: waiting for its channel. submitting: claimed by the channel,
 * the attempt counted; its outcome is unknown until the channel answers.
 * accepted: the channel took it and gave its reference (an SMSC's message
 * id); this is when ConsignmentNotification is owed to the hub.
 * delivered, failed: final (a delivery owed to the hub as
 * ConsignmentNotificationDelivery, a failure with its reason as
 * ConsignmentNotificationFailure); a final state is never overwritten.
 * An alert whose outcome is unknown (the connection dropped before the
 * answer, or the process died) is queued again once, flagged as a
 * possible duplicate, and its second sending is recorded; unknown a
 * second time, it fails ("outcome unknown twice"): never a third send.
 *
 * Each call is a statement of its own unless the caller holds a
 * transaction (platform_db_begin); claim and deliver make their own. */
int platform_db_outbox_insert(platform_db *d, const char *notice, const char *channel,
                              const char *phone, const char *text, const char *created);
/* Marks the alert just inserted (same connection, same transaction) as
 * an urgent notice's: its channel claims it before the others, and again
 * so when it goes back to the queue unanswered (unclaimed, or queued
 * again after an unknown outcome). */
int platform_db_outbox_mark_urgent(platform_db *d);
/* Sign-up messages queued for phone since the time `since` (RFC 3339),
 * or -1. */
int platform_db_signups_to_phone(platform_db *d, const char *phone, const char *since);
/* The same for an alert of another kind: "alert" (what the call above
 * queues), "reminder" or "pre_notice". Only an "alert" is reported to the
 * hub (ConsignmentNotification, its failure). */
int platform_db_outbox_insert_kind(platform_db *d, const char *kind, const char *notice,
                                   const char *channel, const char *phone, const char *text,
                                   const char *created);
int platform_db_directory_queue(platform_db *d, const char *rk, int consent, int preference);

/* The reason an alert fails with when its outcome was unknown twice. */
#define PLATFORM_DB_OUTBOX_UNKNOWN_TWICE "outcome unknown twice"
/* The reason a sign-up code's message fails with when it was still
 * queued once its code lapsed (SIGNUP_CODE_TTL_MS): never sent. */
#define PLATFORM_DB_SIGNUP_LAPSED "the sign-up code lapsed before a channel could send it"

/* One claimed alert, as a channel needs it; the strings last only as
 * long as the call it is passed to. */
typedef struct outbox_alert {
    long long id;
    const char *notice, *phone, *text;
    int attempt;   /* 1, or 2 for the one resend after an unknown outcome */
    int duplicate; /* possibly sent before: the phone may get it twice */
} outbox_alert;

/* Claims up to limit queued alerts of channel, oldest first (those queued
 * again after an unknown outcome before the rest), in a transaction of
 * its own: each becomes submitting, its attempt counted, and is passed to
 * fn, which copies what it needs. Nothing may be sent before this
 * returns: only then is the claim durable. Returns how many, or -1 (then
 * none is claimed, and fn's copies are to be dropped). */
int platform_db_outbox_claim(platform_db *d, const char *channel, int limit, const char *at,
                             void (*fn)(void *ctx, const outbox_alert *a), void *ctx);
/* The channel took a claimed alert of its own: reference (NULL when the
 * channel has none) is what its receipts will name. 1 recorded, 0 not
 * submitting on channel (unknown id, another channel's, or already
 * answered: unchanged), -1 error. */
int platform_db_outbox_accepted(platform_db *d, const char *channel, long long id,
                                const char *reference, const char *at);
/* Another of an accepted alert's references: a text sent as several
 * segments has one per segment, and a receipt may name any. channel is
 * the alert's, as given to platform_db_outbox_accepted. 1, or -1. */
int platform_db_outbox_reference(platform_db *d, const char *channel, long long id,
                                 const char *reference);
/* A claimed alert the channel never sent (its connection dropped first)
 * goes back to channel's queue as it was: not a possible duplicate, its
 * attempt not counted, urgent if it was. 1 done, 0 not submitting, -1
 * error. */
int platform_db_outbox_unclaim(platform_db *d, const char *channel, long long id);
/* A claimed alert kept in hand after an answer that may follow its
 * taking (a proxy's 502 or 504): flagged a possible duplicate, still
 * submitting. 1, 0 when it is not submitting, -1 on error. */
int platform_db_outbox_flag_duplicate(platform_db *d, long long id);
/* The channel refused a claimed alert, or gave up on an accepted one: a
 * final failure, reason cut to FIELD_REASON_MAX bytes. 1, 0, -1 as above
 * (0: not submitting or accepted). */
int platform_db_outbox_failed(platform_db *d, long long id, const char *reason, const char *at);
/* The alerts of channel (NULL: every channel) claimed but unanswered,
 * after the channel lost its connection: each goes back to the queue
 * flagged as a possible duplicate, or fails if it already was. At open
 * this is done for every channel. Returns how many were queued again
 * (*failed, when not NULL, how many failed), or -1. */
int platform_db_outbox_requeue(platform_db *d, const char *channel, const char *at,
                               int *failed);

/* What platform_db_outbox_adopt moved: how many alerts, and from which
 * channels (the first few, most alerts first). */
#define OUTBOX_ADOPTED_NAMED 4
typedef struct outbox_adopted {
    int total, named;
    struct {
        char channel[16];
        int n;
    } from[OUTBOX_ADOPTED_NAMED];
} outbox_adopted;
/* The alerts still queued under another channel's name (one the platform
 * had before, or "none") go to channel, as they are, in one transaction:
 * their claims and the hub's reports on every later alert would wait for
 * them for ever. Their text is the one made for that channel, and a
 * possible duplicate stays one. Call it after the outbox is recovered
 * (platform_db_open), before channel claims. Returns how many moved, or
 * -1 (none moved). */
int platform_db_outbox_adopt(platform_db *d, const char *channel, outbox_adopted *out);

typedef enum outbox_receipt_result {
    OUTBOX_RECEIPT_ERROR = -1,
    OUTBOX_RECEIPT_UNKNOWN = 0,  /* no alert of this channel has this reference */
    OUTBOX_RECEIPT_RECORDED = 1, /* the accepted alert is now delivered or failed */
    OUTBOX_RECEIPT_FINAL = 2,    /* the alert was already final: unchanged */
} outbox_receipt_result;

/* A receipt, matched to its alert by (channel, reference): delivered, or
 * failed with reason. */
outbox_receipt_result platform_db_outbox_receipt(platform_db *d, const char *channel,
                                                 const char *reference, int delivered,
                                                 const char *reason, const char *at);

/* One report on an alert that the hub is still to hear of, as the
 * reporter sends it; the strings last only as long as the call it is
 * passed to. */
typedef struct outbox_report {
    long long seq;         /* its place in its queue: pass the last one to *_reported_upto */
    const char *notice, *at;
    const char *channel;   /* the alert's channel ("sms", "push") */
    const char *reference; /* the channel's reference; NULL when it gave none */
    const char *reason;    /* a failure's; NULL otherwise */
} outbox_report;

typedef void (*outbox_report_fn)(void *ctx, const outbox_report *r);

/* The oldest unreported ConsignmentNotifications (alerts accepted), up to
 * limit, passed to fn in order (seq: the alert's id); returns how many,
 * or -1. Once the hub has them, platform_db_events_reported_upto(the last
 * seq) moves past them. */
int platform_db_events_batch(platform_db *d, int limit, outbox_report_fn fn, void *ctx);
int platform_db_events_reported_upto(platform_db *d, long long id);
/* The oldest unreported deliveries (ConsignmentNotificationDelivery: a
 * receipt said delivered), up to limit, in the order the receipts came,
 * each after its alert's ConsignmentNotification; at is when the receipt
 * came. Once the hub has them, platform_db_deliveries_reported_upto(the
 * last seq) moves past them. */
int platform_db_deliveries_batch(platform_db *d, int limit, outbox_report_fn fn, void *ctx);
int platform_db_deliveries_reported_upto(platform_db *d, long long seq);
/* The oldest unreported failures (ConsignmentNotificationFailure), up to
 * limit, in the order they failed, each after its alert's
 * ConsignmentNotification when it had one. Once the hub has them,
 * platform_db_failures_reported_upto(the last seq) moves past them. */
int platform_db_failures_batch(platform_db *d, int limit, outbox_report_fn fn, void *ctx);
int platform_db_failures_reported_upto(platform_db *d, long long seq);
/* Reports not yet accepted by the hub (directory changes, alerts not yet
 * answered or their notification unreported, deliveries and failures
 * unreported): what
 * an operator or the demo waits on. -1 on error. */
long long platform_db_pending_reports(platform_db *d);
int platform_db_directory_batch(platform_db *d, int limit,
                                void (*fn)(void *ctx, long long id, const char *rk, int consent,
                                           int preference),
                                void *ctx);
int platform_db_directory_delete_upto(platform_db *d, long long id);

/* A session for member m as it was read when its PIN was checked: 0, 1
 * when that row is no longer so (replaced, a new PIN, not confirmed),
 * -1 on error. */
int platform_db_session_insert(platform_db *d, const char *id_hash, const member *m,
                               long long expires_ms);
/* The member of a live session, 0 when none, -1 on error. */
long long platform_db_session_member(platform_db *d, const char *id_hash, long long now_ms);
int platform_db_session_delete(platform_db *d, const char *id_hash);
int platform_db_sessions_expire(platform_db *d, long long now_ms);

/* The sign-in limits' store (login_guard.h): what is known of an attempt
 * on phone from source at now_ms. 0 or -1. */
int platform_db_guard_view(platform_db *d, const char *phone, const char *source,
                           long long now_ms, login_view *v);
int platform_db_guard_pair_set(platform_db *d, const char *phone, const char *source,
                               const login_pair *pair);
int platform_db_guard_pair_clear(platform_db *d, const char *phone, const char *source);
/* Devices (platform_db_devices.c): a browser a member signed in from,
 * by the hash of its cookie, kept PLATFORM_DEVICE_MS. trusted: 1 when
 * id_hash is a device of phone's member that has not failed on it past
 * login_guard_device_trusted, 0 when not (or NULL), -1 on error.
 * remember: after m signed in, 0 when have_hash (NULL: none) is one of
 * its devices already (its failures cleared), else 1 when new_hash was
 * made one (a cookie of another's, or a made-up one, is never adopted),
 * -1 on error. attempt: a PIN for phone is about to be checked from the
 * device, counted as failed until ok says it was right. */
#define PLATFORM_DEVICE_MS (90LL * 24 * 60 * 60 * 1000)
int platform_db_device_trusted(platform_db *d, const char *phone, const char *id_hash,
                               long long now_ms);
int platform_db_device_remember(platform_db *d, const member *m, const char *have_hash,
                                const char *new_hash, long long now_ms);
int platform_db_device_attempt(platform_db *d, const char *phone, const char *id_hash,
                               long long now_ms);
int platform_db_device_ok(platform_db *d, const char *phone, const char *id_hash);
/* The attempt taken back: the database failed, not the person. */
int platform_db_device_unfail(platform_db *d, const char *phone, const char *id_hash);
/* How many phones source failed on since since_ms, and in *failures the
 * failures those pairs count; -1 on error. */
int platform_db_guard_spread(platform_db *d, const char *source, long long since_ms,
                             int *failures);
int platform_db_guard_block(platform_db *d, const char *source, long long until_ms);
/* A source's sign-up window (zeroes when none), and its new state. */
int platform_db_signup_window(platform_db *d, const char *source, signup_window *w);
int platform_db_signup_window_set(platform_db *d, const char *source, const signup_window *w);
/* Forgets failures, blocks and sign-up windows that no longer slow
 * anyone: a wrong PIN for any phone-shaped string adds a row, and only a
 * sign-in removes one, so without this the tables grow for ever. */
int platform_db_guard_expire(platform_db *d, long long now_ms);

#endif
