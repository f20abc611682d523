/* agency_db.h -- the agency's own database: documents, notices, used view
 * token nonces, the queue of events for the hub and the changes cursor.
 *
 * The document content lives only here ("content stays on the
 * institution's server"). No RRN and no CI is ever stored: a recipient is
 * kept as the rk the hub also knows. A handle is one SQLite connection
 * behind a mutex of its own, so threads may share it; every write takes a
 * whole batch in one transaction. The store is split by what it keeps:
 * agency_db.c the handle, agency_db_schema.c the tables and their
 * migrations, agency_db_docs.c the documents, agency_db_outbox.c the
 * events for the hub, agency_db_feed.c the hub's changes, agency_db_postal.c
 * the paper list. */
#ifndef HERALD_AGENCY_DB_H
#define HERALD_AGENCY_DB_H

#include <jansson.h>
#include <stddef.h>

#include "field.h"

#define AGENCY_NOTICE_MAX 64

typedef struct agency_db agency_db;

/* Opens (creating, or bringing an older file up to date) the database at
 * path. NULL with a message in err. */
agency_db *agency_db_open(const char *path, char *err, size_t errlen);
/* NULL is a no-op. */
void agency_db_close(agency_db *db);

/* ---- documents (agency_db_docs.c) ---- */

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
int agency_db_docs_known(agency_db *db, const char *const *refs, size_t n,
                         char (*notices)[AGENCY_NOTICE_MAX + 1]);

/* Stores a batch of documents in one transaction. A reference already
 * stored but not yet accepted by the hub is replaced; one that has a
 * notice is left alone. */
int agency_db_docs_store(agency_db *db, const agency_doc *docs, size_t n);

/* Records the hub's answer for a batch: notice id and state per
 * reference (entries with a NULL notice are skipped). The state only moves
 * a document forward: the feed may already have taken it further. */
int agency_db_docs_answered(agency_db *db, const char *const *refs,
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
int agency_db_docs_find(agency_db *db, const char *reference, agency_found *out);

/* Calls fn with each state and its count, in state order. */
int agency_db_docs_count(agency_db *db, void (*fn)(void *ctx, const char *state, long long n),
                         void *ctx);

/* ---- events for the hub (agency_db_outbox.c) ---- */

/* The successful handover, in one transaction: burns the token's nonce
 * (UNIQUE), queues ContentHandover for notice and marks the document
 * (reference) read. Returns 0, 1 when the nonce was already used (nothing
 * changed), -1 on error. */
int agency_db_outbox_handover(agency_db *db, const char *nonce, long long exp_ms,
                              const char *reference, const char *notice, const char *at);

/* Queues one event for the hub (ContentHandoverFailure). */
int agency_db_outbox_queue(agency_db *db, const char *notice, const char *event,
                           const char *at, const char *reason);

/* Up to limit queued events as the "events" array of POST /v1/events
 * (new reference), and the highest queue id in it; NULL when the queue is
 * empty or on error (*last_id 0). */
json_t *agency_db_outbox_peek(agency_db *db, size_t limit, long long *last_id);
/* Drops queued events up to and including last_id, once the hub has
 * answered for them. */
int agency_db_outbox_drop(agency_db *db, long long last_id);
long long agency_db_outbox_count(agency_db *db);

/* Forgets nonces of tokens that expired over a minute ago: such tokens
 * are refused for their expiry anyway. */
int agency_db_outbox_purge_nonces(agency_db *db, long long now_ms);

/* ---- the hub's changes feed (agency_db_feed.c) ---- */

/* One change of a feed page, already checked: a known state other than
 * stored, a well-formed reference. */
typedef struct agency_change {
    const char *notice, *reference, *state;
} agency_change;

/* The changes feed cursor (0 before the first pull). */
long long agency_db_feed_cursor(agency_db *db);
/* Applies one page of changes, in feed order, and moves the cursor to
 * next, in one transaction. Final states (read, postal) are never
 * overwritten. *applied counts the notices that changed. */
int agency_db_feed_apply(agency_db *db, const agency_change *changes, size_t n,
                         long long next, size_t *applied);

/* ---- the paper list (agency_db_postal.c) ---- */

/* Called for each postal notice, then once with every argument NULL when
 * the list is complete. Nonzero stops the listing. */
typedef int (*agency_postal_fn)(void *ctx, const char *reference, const char *name,
                                const char *address, const char *title);

#define AGENCY_DB_BUSY (-2)

/* Calls fn for every postal notice in reference order. With only_new,
 * only those no earlier only_new listing marked, and the ones listed are
 * marked printed at `at` in the same write transaction, committed only if
 * every call of fn (the final one too) returned 0. Returns 0, -1 on a
 * failure (nothing marked), or AGENCY_DB_BUSY when the write transaction
 * could not begin (fn never called). */
int agency_db_postal_list(agency_db *db, int only_new, const char *at, agency_postal_fn fn,
                          void *ctx);

/* ---- letters and print batches (agency_db_letters.c) ---- */

/* A letter still to print: a postal notice with its document. */
typedef struct agency_letter_row {
    const char *reference, *notice, *name, *address, *title;
    const char *body; /* the rendered document, as served online */
    size_t body_len;
    long line;        /* the recipient file's line, for error messages */
} agency_letter_row;

typedef int (*agency_letter_fn)(void *ctx, const agency_letter_row *row);

/* Calls fn for every postal notice neither printed nor listed by --new,
 * in reference order, from one read snapshot; nonzero from fn stops and
 * is returned. -1 on a database error. */
int agency_db_letters_each(agency_db *db, agency_letter_fn fn, void *ctx);

/* Records a printed batch and its n references in one write transaction.
 * 0; 1 when one of them was printed meanwhile (by another run: nothing is
 * marked, so this batch must be thrown away); AGENCY_DB_BUSY; -1. */
int agency_db_letters_mark(agency_db *db, const char *batch, const char *at,
                           const char *const *refs, size_t n, long pages);

/* Calls fn(notice, reference) for each letter of batch. Returns 1 when
 * the batch exists (handed_over gets when the hub heard of its hand-over,
 * "" if not yet), 0 when unknown, -1 on error, or fn's nonzero. */
typedef int (*agency_batch_fn)(void *ctx, const char *notice, const char *reference);
int agency_db_letters_batch(agency_db *db, const char *batch, agency_batch_fn fn, void *ctx,
                            char *handed_over, size_t cap);

/* Notes that the hub has recorded the batch's hand-over (first time only). */
int agency_db_letters_handed_over(agency_db *db, const char *batch, const char *at);

#endif
