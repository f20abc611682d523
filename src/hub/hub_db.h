/* hub_db.h -- the hub's database: notices, evidence, changes (the
 * directory has a file of its own: hub_directory.h).
 *
 * Every public function here is one transaction over one batch: the HTTP
 * handlers and the workers hand over whole batches, and each state change,
 * its evidence leaf and its changes-feed row commit together or not at
 * all. One writer connection, serialised by a mutex inside; statements
 * are prepared once and reused. On SQLite a commit is synced after the
 * mutex is let go (group commit) and before the call returns; -1 after a
 * commit means the disk refused the sync (see db_wal_sync). On
 * PostgreSQL several hubs (nodes) share the database: a COMMIT is durable
 * when it returns, GETs read on a connection of their own, and -1 may
 * mean the server went away (the next call reconnects). The hub never stores a CI,
 * an RRN, a name, an address or document content (see the schema in
 * hub_db.c). */
#ifndef HERALD_HUB_DB_H
#define HERALD_HUB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hub_directory.h"
#include "hub_reminders.h"
#include "field.h"
#include "notice_id.h"
#include "notice_state.h"

typedef struct hub_db hub_db;

/* A notice as the workers see it. */
typedef struct hub_notice {
    char id[NOTICE_ID_LEN + 1];
    char agency[HUB_NAME_MAX + 1];
    char reference[FIELD_REFERENCE_MAX + 1];
    char rk[65];
    char title[FIELD_TITLE_MAX + 1];
    char doc_sha256[65];
    char link[FIELD_LINK_MAX + 1];
    char platform[HUB_NAME_MAX + 1]; /* the channel tried now or last; "" if none */
    long long deadline, created, due, next_attempt;
    int attempts, expiries;
    /* Reminders on the current channel: its read window began at
     * window_start; `reminded` of them were asked for (-1: a pre-notice
     * waits for the member's consent, no reminders); the next is due at
     * remind_at (0: none). */
    long long window_start, remind_at;
    int reminded;
    int remind_dirty; /* those three changed: the save writes them */
    int urgent;       /* relayed and alerted before bulk notices */
    notice_state state;
    notice_state stored; /* the state in the database: a save that changes
                          * it adds one row to the agency's feed */
    long long stored_due; /* due in the database (the summaries move with it) */
    long long last_leaf;  /* PostgreSQL: the time of its last leaf (hub_db_leaf_time) */
    long long moved_at;   /* the time of the leaf that moved its state, until saved (0: none) */
} hub_notice;

/* The relay latency histogram's buckets (hub_db_tally.c): a relay
 * accepted within hub_tally_latency_le_ms[b] of the notice's submission
 * counts in the first such b; the last is -1, everything slower. */
#define HUB_TALLY_BUCKETS 10
extern const long long hub_tally_latency_le_ms[HUB_TALLY_BUCKETS];

hub_db *hub_db_open(const char *path, char *err, size_t errlen);
/* The store in PostgreSQL (dsn: a libpq connection string), shared with
 * other nodes; node names this one on its leases and in the log. Makes or
 * migrates the schema (refusing one newer than this binary's) and opens
 * the evidence log there. NULL with a message in err. */
hub_db *hub_db_open_pg(const char *dsn, const char *node, char *err, size_t errlen);
void hub_db_close(hub_db *db);
/* The read deadline a fallback channel gets after its RelayAcceptance. */
void hub_db_set_fallback_ms(hub_db *db, long long ms);
/* Where relay claims find a notice's next platform. Set before any claim. */
void hub_db_set_directory(hub_db *db, hub_directory *dir);
/* When reminders fall in a read window (hub.ini `reminders`; none unless set). */
void hub_db_set_reminders(hub_db *db, const hub_reminders *r);
/* How long a pre-noticed member has to consent (hub.ini consent_window_s);
 * 0: no pre-notices, a platform without consent is never tried. */
void hub_db_set_consent_window_ms(hub_db *db, long long ms);

/* Relay worker. A route: 1 if the named platform is configured. */
typedef int (*hub_platform_known_fn)(void *ctx, const char *platform);

/* POST /v1/notices: one valid item (the handler has checked it). */
typedef struct hub_submission {
    const char *reference, *title, *doc_sha256, *link;
    char rk[65];
    long long deadline;
    int urgent;                      /* in: overtakes bulk notices */
    char platform[HUB_NAME_MAX + 1]; /* in: its recipient's first platform, "" if none */
    char id[NOTICE_ID_LEN + 1]; /* out */
    notice_state state;         /* out */
    int duplicate;              /* out */
    int routed;                 /* out: *routed_out holds it, leased to its first platform */
} hub_submission;

/* Stores the new items (a duplicate reference gets the existing id).
 * Up to may_route of the new ones that name a platform (the caller looks
 * it up in the directory first, outside the writer's lock) are routed in
 * the same transaction: the platform and a relay lease are stored with
 * them, and a copy goes to routed_out (room for may_route), for the relay
 * worker to take without claiming them (see hub_relay_queue.h). The
 * others wait for the worker's claim. Returns 0 (*n_routed set), or -1
 * when the database failed (nothing was written, unless the sync of the
 * commit failed). */
int hub_db_submit(hub_db *db, const char *agency, hub_submission *items, size_t n,
                  long long now, size_t may_route,
                  hub_notice *routed_out, size_t *n_routed);

/* How many of refs (NULLs skipped) agency has already submitted, read
 * without a transaction: a batch sent again after its answer was lost is
 * charged only its new notices when the day's quota is spent. 0 (*known
 * set) or -1. */
int hub_db_known_references(hub_db *db, const char *agency, const char *const *refs, size_t n,
                            size_t *known);

/* GET /v1/notices/{id}: writes the JSON answer; returns 200, 403, 404, 500. */
int hub_db_notice_json(hub_db *db, const char *id, const char *agency, buf *out);

/* GET /v1/changes: returns 0 or -1. */
int hub_db_changes_json(hub_db *db, const char *agency, long long after, long limit,
                        buf *out);

/* POST /v1/events: one checked item; status or error is filled in. */
typedef struct hub_report {
    char notice[NOTICE_ID_LEN + 1];
    notice_event event;
    const char *reason;   /* NULL for none */
    /* An alert's channel ("sms", "push") and the channel's reference,
     * NULL when not said: only for notice_event_names_channel events. */
    const char *channel, *reference;
    const char *batch;    /* PrintHandover's print batch (POST /v1/postal/handover), else NULL */
    int moved_on;         /* out: 1 when a failed alert sent the notice back to the relay queue */
    const char *status;   /* out: "recorded", "duplicate", "ignored" or NULL */
    const char *error;    /* out: per-item error or NULL */
} hub_report;

/* Callers: the notice's agency, or a platform that accepted its relay. A
 * platform's report on a notice whose relay to it is still in flight
 * records RelayAcceptance and ContentConsignment first: the report proves
 * that the platform took the notice into an inbox. A
 * failure event is a duplicate only with the same reason. A
 * ConsignmentNotificationFailure from the notice's current platform sends
 * the notice back to the relay queue, for the person's next platform or
 * paper (moved_on); from any other platform it is evidence only. A
 * PrintHandover is taken only for a postal notice ("recorded" although
 * postal is final), once per (notice, batch). */
int hub_db_report(hub_db *db, notice_role role, const char *caller, hub_report *r,
                  size_t n, long long now);

/* POST /v1/payments: the agency was paid for its notice `reference`. */
typedef struct hub_payment {
    const char *reference;
    long long amount_krw;
    const char *payment_code;
    char notice[NOTICE_ID_LEN + 1]; /* out */
    const char *status; /* out: "recorded" (now paid: no reminder, no paper),
                         * "ignored" (read or postal already: evidence only),
                         * "duplicate" (this code was recorded before) */
} hub_payment;

/* Records the payment: PaymentReceived evidence, and a notice neither read
 * nor posted becomes paid. Returns 200, 404 when the agency has no notice
 * with that reference, or 500. */
int hub_db_payment(hub_db *db, const char *agency, hub_payment *p, long long now);

/* GET /v1/notices/{id}/certificate: 200 when caller is the agency that
 * sent the notice or a platform whose RelayAcceptance is recorded, else
 * 403, 404 or 500. */
int hub_db_may_see(hub_db *db, const char *id, notice_role role, const char *caller);

/* The evidence log that this database's transactions append to. */
struct hub_evidence_log *hub_db_log(hub_db *db);
/* Events applied to notices since the hub started, by outcome. */
uint64_t hub_db_applied(hub_db *db, notice_event ev, notice_outcome o);

typedef enum relay_outcome {
    RELAY_ACCEPTED, RELAY_REJECTED, RELAY_FAILED,
    RELAY_PRE_NOTICED /* held for a member without consent, who was told */
} relay_outcome;

typedef struct hub_relay_item {
    hub_notice n;
    int pre_notice;                    /* the platform holds the person
                                        * without consent: relayed with
                                        * "pre_notice":true */
    long long consent_until;           /* with it: when the consent window ends */
    relay_outcome outcome;             /* set by the worker after the call */
    int consigned;                     /* accepted into the member's inbox in the
                                        * same step: ContentConsignment too */
    char reason[FIELD_REASON_MAX + 1];   /* for rejected and failed */
} hub_relay_item;

/* it becomes n, to relay: failed until the platform answers. */
void hub_db_relay_item_init(hub_relay_item *it, const hub_notice *n);

/* Records the platforms' answers for claimed items. An acceptance that
 * says the notice is in the member's inbox records ContentConsignment
 * with RelayAcceptance (once, however often it is answered). A failure is
 * retried after notice_retry_delay_ms; a fallback channel's deadline is
 * now + the fallback window. An answer from a platform whose report
 * already proved the acceptance (see hub_db_report) changes nothing.
 * Returns 0 or -1. */
int hub_db_relay_record(hub_db *db, hub_relay_item *items, size_t n, long long now);

/* The relay worker's round, in one transaction: hub_db_relay_record of
 * the first `answered` items, then a claim into the same array of up to
 * max accepted notices whose next attempt is due. Each claimed notice
 * gets its next platform in the recipient's preference (into items,
 * leased so that nobody else claims it meanwhile), or, when no platform
 * is left, RelayToNonERDS and the postal state. *n_out counts the items
 * to relay, *n_postal the notices sent to postal. On failure nothing is
 * recorded (the answered notices are relayed again when their lease
 * ends) and nothing is claimed. claiming (if not NULL) is called with
 * ctx inside the transaction, just before the claim reads: what it notes
 * then is ordered with every other transaction (hub_relay_queue.h).
 * Returns 0 or -1. */
typedef void (*hub_claiming_fn)(void *ctx);
int hub_db_relay_next(hub_db *db, hub_relay_item *items, size_t answered, long long now,
                      size_t max, hub_platform_known_fn known, hub_claiming_fn claiming,
                      void *ctx, size_t *n_out, size_t *n_postal);

/* Ends the leases of routed notices the relay worker will not relay (it
 * is stopping): they are claimed at once when the hub runs again.
 * Returns 0 or -1. */
int hub_db_relay_release(hub_db *db, const hub_relay_item *items, size_t n, long long now);

/* At start: every accepted notice's next attempt that lies ahead of now
 * (a lease of a round the last run did not finish, or a retry's backoff)
 * is now, so that what a crash interrupted is relayed in the first round.
 * *released counts them. Returns 0 or -1. */
int hub_db_relay_recover(hub_db *db, long long now, size_t *released);

/* Reminders (hub_tell.c's worker). One notice's reminder to ask its platform
 * for, and the answer. */
typedef enum remind_answer {
    REMIND_FAILED,  /* no answer: asked again later */
    REMIND_QUEUED,  /* the platform queued the reminder: ReminderNotification */
    REMIND_READ,    /* the member has read it: no more reminders */
    REMIND_UNKNOWN, /* the platform does not hold it (any more): none either */
} remind_answer;

typedef struct hub_remind_item {
    char notice[NOTICE_ID_LEN + 1];
    char platform[HUB_NAME_MAX + 1];
    int n;                /* the reminder's number in its window, from 1 */
    remind_answer answer; /* set by the worker after the call */
} hub_remind_item;

/* Of up to max notices whose next reminder point has passed (*seen of
 * them), the unread ones' reminders into items (*count of them), each
 * leased for a minute so that a lost answer is asked again; the others
 * (read or moved on since) have no more. Of reminders passed unasked
 * (the hub was down) only the latest is asked. Returns 0 or -1. */
int hub_db_remind_due(hub_db *db, long long now, size_t max, hub_remind_item *items,
                      size_t *count, size_t *seen);
/* Records the answers: ReminderNotification (with "reminder":n) once per
 * (notice, platform, n) for each queued one; the notice's next reminder,
 * or none after read or unknown. Returns 0 or -1. */
int hub_db_remind_record(hub_db *db, const hub_remind_item *items, size_t n, long long now);

/* Deadline worker: relayed or received notices past their channel's
 * deadline get AcceptanceRejectionExpiry and go back to the relay queue
 * for the next platform. Returns 0 or -1. */
int hub_db_expire(hub_db *db, long long now, size_t max, size_t *expired);

/* POST /v1/cancellations: one checked item of an agency's batch. */
typedef struct hub_cancel {
    const char *reference, *reason;
    char notice[NOTICE_ID_LEN + 1]; /* out: "" when unknown */
    notice_state state;             /* out: the notice's state after */
    const char *status; /* out: "cancelled" (it was unread: ended now), "recorded"
                         * (read or posted already: evidence only), "duplicate" */
    const char *error;  /* in (the handler refused it) or out ("unknown reference") */
} hub_cancel;

/* Records NoticeCancellation (actor: the agency, reason: its reason) once
 * per notice, in one transaction for the batch. An unread notice becomes
 * cancelled: no relay, reminder, expiry or paper follows. Whatever its
 * state, every platform that accepted it (and the one a relay to it is
 * in flight to) is owed a withdrawal. Returns 0, or -1 (nothing kept). */
int hub_db_cancel(hub_db *db, const char *agency, hub_cancel *c, size_t n, long long now);

/* A withdrawal owed to a platform. */
typedef struct hub_withdrawal {
    char notice[NOTICE_ID_LEN + 1];
    char platform[HUB_NAME_MAX + 1];
    char reason[FIELD_REASON_MAX + 1];
    long long gen;   /* times it was owed again before this read */
    long long lease; /* PostgreSQL: when this node's lease on it ends */
    int told;        /* set by the worker once the platform answered for it */
} hub_withdrawal;

/* Up to max owed withdrawals, by platform. Returns how many, or -1. */
int hub_db_withdrawals_due(hub_db *db, hub_withdrawal *w, size_t max);
/* Forgets those told. Returns 0 or -1. */
int hub_db_withdrawals_done(hub_db *db, const hub_withdrawal *w, size_t n);

#endif
