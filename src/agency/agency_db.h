/* agency_db.h -- the agency's own database: documents, notices, used view
 * token nonces, the queue of events for the hub and the changes cursor.
 *
 * The document content lives only here ("content stays on the
 * institution's server"). No RRN and no CI is ever stored: a recipient is
 * kept as the rk the hub also knows. Every write path takes a whole batch
 * in one transaction with its statements prepared once. */
#ifndef HERALD_AGENCY_DB_H
#define HERALD_AGENCY_DB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

#define AGENCY_NOTICE_MAX 64

sqlite3 *agency_db_open(const char *path, char *err, size_t errlen);

/* One rendered document, as stored before it is submitted. */
typedef struct agency_doc {
    const char *reference, *name, *address, *title, *deadline;
    const char *rk, *doc_sha256;
    const char *body;
    size_t body_len;
    long line;
} agency_doc;

/* For each reference, the notice id the hub already gave it ("" when none
 * yet), so a re-run submits only what is missing. */
int agency_db_known_notices(sqlite3 *db, const char *const *refs, size_t n,
                            char (*notices)[AGENCY_NOTICE_MAX + 1]);

/* Stores a batch of documents in one transaction. A reference already
 * stored but not yet accepted by the hub is replaced; one that has a
 * notice is left alone. */
int agency_db_store_docs(sqlite3 *db, const agency_doc *docs, size_t n);

/* Records the hub's answer for a batch: notice id and state per
 * reference (entries with a NULL notice are skipped). */
int agency_db_set_notices(sqlite3 *db, const char *const *refs,
                          const char *const *notices, const char *const *states, size_t n);

/* A stored document, for the document server. */
typedef struct agency_found {
    char notice[AGENCY_NOTICE_MAX + 1]; /* "" when not yet submitted */
    char rk[65];
    char state[16];
    char *body;                          /* malloc'd */
    size_t body_len;
} agency_found;

/* 1 found, 0 unknown reference, -1 database error. */
int agency_db_find_doc(sqlite3 *db, const char *reference, agency_found *out);

/* The successful handover, in one transaction: burns the token's nonce
 * (UNIQUE), queues ContentHandover for notice and marks the document
 * (reference) read. Returns 0, 1 when the nonce was already used (nothing
 * changed), -1 on error. */
int agency_db_handover(sqlite3 *db, const char *nonce, long long exp_ms,
                       const char *reference, const char *notice, const char *at);

/* Queues one event for the hub (ContentHandoverFailure). */
int agency_db_queue_event(sqlite3 *db, const char *notice, const char *event,
                          const char *at, const char *reason);

/* Up to limit queued events as the "events" array of POST /v1/events
 * (new reference), and the highest queue id in it; NULL when the queue is
 * empty or on error (*last_id 0). */
json_t *agency_db_outbox_peek(sqlite3 *db, size_t limit, long long *last_id);
/* Drops queued events up to and including last_id, once the hub has
 * answered for them. */
int agency_db_outbox_drop(sqlite3 *db, long long last_id);
long long agency_db_outbox_count(sqlite3 *db);

/* The changes feed cursor (0 before the first pull). */
long long agency_db_cursor(sqlite3 *db);
/* Applies one page of the hub's changes feed and moves the cursor to next,
 * in one transaction. Unknown states are skipped with a warning; final
 * states are never overwritten. *applied counts changed notices. */
int agency_db_apply_changes(sqlite3 *db, json_t *changes, long long next, size_t *applied);

/* Forgets nonces of tokens that expired over a minute ago: such tokens
 * are refused for their expiry anyway. */
int agency_db_purge_nonces(sqlite3 *db, long long now_ms);

/* Calls fn for every postal notice (only_new: not yet marked printed), in
 * reference order. */
typedef int (*agency_postal_fn)(void *ctx, const char *reference, const char *name,
                                const char *address, const char *title);
int agency_db_each_postal(sqlite3 *db, int only_new, agency_postal_fn fn, void *ctx);
/* Marks every postal notice not yet printed as printed at `at`; run in the
 * same transaction as the each_postal that listed them. */
int agency_db_mark_printed(sqlite3 *db, const char *at);

/* Calls fn with each state and its count. */
int agency_db_state_counts(sqlite3 *db, void (*fn)(void *ctx, const char *state, long long n),
                           void *ctx);

#endif
