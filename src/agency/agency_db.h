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
 * the paper list, agency_db_outcomes.c what became of each notice. */
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
    /* The payment reference, from the recipient file's optional columns:
     * amount_krw 0 and the others NULL when the notice asks no payment. */
    long long amount_krw;
    const char *payment_code, *payment_due;
    long long stored_at; /* Unix ms */
    /* A back-office API notice's caller reference, bulk job (NULL for a
     * single notice) and time, kept in api_refs in the same transaction
     * as the document; caller_ref NULL for `agency send`'s rows. */
    const char *caller_ref, *job, *created;
} agency_doc;

/* For each reference, the notice id the hub already gave it ("" when none
 * yet), so a re-run submits only what is missing. */
int agency_db_docs_known(agency_db *db, const char *const *refs, size_t n,
                         char (*notices)[AGENCY_NOTICE_MAX + 1]);

/* What agency_db_docs_store did with each document (outcome[i]). */
enum { AGENCY_DOC_KEPT = 0, AGENCY_DOC_CONFLICT = 1, AGENCY_DOC_NEW = 2 };

/* Stores a batch of documents in one transaction, with the API's caller
 * references (a caller reference recorded already keeps its first
 * agency reference). A reference already stored but not yet accepted by
 * the hub is written again when its document and rk are the same (a run
 * that stopped before the hub answered); with another document, which
 * the hub may hold already, it is left alone: outcome[i] is then
 * AGENCY_DOC_CONFLICT, AGENCY_DOC_NEW for a reference stored for the
 * first time, AGENCY_DOC_KEPT otherwise (outcome: n entries, zeroed by
 * the caller, or NULL). One that has a notice is left alone. */
int agency_db_docs_store(agency_db *db, const agency_doc *docs, size_t n,
                         unsigned char *outcome);
/* Forgets the documents of refs, stored for the first time in this pass
 * (never sent before), that the hub refused (its per-item error) and that
 * have no notice: the hub holds none, so their references may be given a
 * document again. A reference sent before may be the hub's already (an
 * answer lost; its checks of the moment refuse it again): never pass one.
 * 0 or -1. */
int agency_db_docs_refused(agency_db *db, const char *const *refs, size_t n);

/* What an API batch's answer adds: each notice's first timeline entry,
 * "accepted" at the time the hub took the batch (unless the feed already
 * told of a later state), written with its notice id. */
typedef struct agency_accepted {
    const char *const *callers; /* the caller's reference of each refs[i] */
    const char *at;
    long long now_ms;
    /* A test key's batch: the simulated outcome of each refs[i]
     * (test_outcome.h), started from now_ms in the same transaction, so
     * that no crash leaves a test notice accepted with no outcome to play
     * out. NULL for live notices. */
    const int *outcomes;
} agency_accepted;

/* Records the hub's answer for a batch: notice id and state per
 * reference (entries with a NULL notice are skipped), and for an API
 * batch (api not NULL) the accepted entries, in one transaction. The
 * state only moves a document forward: the feed may already have taken
 * it further. */
int agency_db_docs_answered(agency_db *db, const char *const *refs,
                            const char *const *notices, const char *const *states, size_t n,
                            const agency_accepted *api);

/* A stored document, for the document server. */
typedef struct agency_found {
    char notice[AGENCY_NOTICE_MAX + 1]; /* "" when not yet submitted */
    char rk[65];
    char state[16];
    int cancelled;                       /* the agency withdrew it: it no longer opens */
    int purged;                          /* past retention: body and personalisation gone */
    char *body;                          /* malloc'd ("" once purged) */
    size_t body_len;
} agency_found;

/* 1 found, 0 unknown reference, -1 database error. */
int agency_db_docs_find(agency_db *db, const char *reference, agency_found *out);

/* Calls fn with each state and its count, in state order. */
int agency_db_docs_count(agency_db *db, void (*fn)(void *ctx, const char *state, long long n),
                         void *ctx);

/* ---- the end of a document: cancel and retention (agency_db_cancel.c) ---- */

/* What the agency knows of reference before cancelling it: 1 with its
 * notice id ("" when the hub has not accepted it yet) in notice, 0 when
 * unknown, -1 on error. */
int agency_db_cancel_lookup(agency_db *db, const char *reference,
                            char notice[AGENCY_NOTICE_MAX + 1]);
/* The hub has recorded the cancellation: the document no longer opens.
 * Its state becomes cancelled when the hub's (hub_state) did, unless it
 * is final here already (a read the document server saw first); when the
 * hub kept a final state, the feed brings it. Its final time is now_ms
 * unless it had one. Repeating it changes nothing. 0 or -1. */
int agency_db_cancel_record(agency_db *db, const char *reference, const char *reason,
                            const char *hub_state, const char *at, long long now_ms);
/* Deletes the body and the name and address of every document whose
 * notice reached its final state at or before before_ms, marking it purged
 * at `at`; evidence stays at the hub, and the row keeps reference, rk,
 * SHA-256, notice id and state. A postal notice whose letter is still to
 * be printed waits for it (*held counts those). *purged counts them.
 * batch_done (may be NULL) gets each print batch whose letters are all
 * purged. 0 or -1. */
int agency_db_purge(agency_db *db, long long before_ms, const char *at, long long *purged,
                    long long *held, void (*batch_done)(void *ctx, const char *batch), void *ctx);

/* ---- events for the hub (agency_db_outbox.c) ---- */

/* The successful handover, in one transaction: burns the token's nonce
 * (UNIQUE), queues ContentHandover for notice and marks the document
 * (reference) read. Returns 0, 1 when the nonce was already used, 2 when
 * the document has ended (cancelled or purged) since it was looked up
 * (nothing changed either way), -1 on error. */
int agency_db_outbox_handover(agency_db *db, const char *nonce, long long exp_ms,
                              const char *reference, const char *notice, const char *at);

/* A refused hand-over (expired token, reused, another recipient): queues
 * ContentHandoverFailure for notice with reason the first time that pair
 * comes, and nothing after (the hub keeps one per reason). 0 or -1. */
int agency_db_outbox_refusal(agency_db *db, const char *notice, const char *at,
                             const char *reason);

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
    const char *at; /* the evidence time; may be NULL */
    long long at_ms;      /* the time of the evidence that made the change; 0 unknown */
    const char *platform; /* the notice's platform then, NULL when none */
    const char *event; /* PrintHandover, NoticeCancellation, ContentConsignment,
                        * ContentHandover: evidence that moved no state; NULL: a
                        * state change */
} agency_change;

/* The changes feed cursor (0 before the first pull), -1 when it cannot
 * be read. */
long long agency_db_feed_cursor(agency_db *db);
/* Applies one page of changes read after `after`, in feed order, and
 * moves the cursor to next, in one transaction; a page whose `after` is
 * no longer the cursor (another process pulled it first) is left, and 0
 * returned with *applied 0. Final states (read, postal, paid) are never
 * overwritten. The first time a notice is seen received, read or paid is
 * kept (received_at, read_at, paid_at: the legal effect and the report
 * are computed from them), and the platform of its latest change; and the
 * first PrintHandover's time (handover_at) and NoticeCancellation's
 * (cancellation_at: the `cancelled` change's, or its own). A
 * ContentConsignment or ContentHandover that moved no state (the notice
 * already on paper, say) gives received_at or read_at when the row has
 * none. An API notice's state change, and each of those times learnt
 * apart from a state, go into its timeline (api_events: the state, or
 * "handed_over", "reached_inbox", "opened"). *applied counts the notices
 * that changed. */
int agency_db_feed_apply(agency_db *db, const agency_change *changes, size_t n,
                         long long after, long long next, size_t *applied);

/* ---- the back-office API (agency_db_api.c) ---- */

/* The agency's reference of each of the n caller references, "" for one
 * that has none yet. 0, or -1 on a database error. */
int agency_db_api_refs_of(agency_db *db, const char *const *caller_refs, size_t n,
                          char (*refs)[FIELD_REFERENCE_MAX + 1]);

/* {"reference","notice","state","title","deadline","created","job",
 * "timeline":[{"state","at","reason"}]} of the notice the caller named
 * caller_ref, and its agency reference in ref. 1, 0 unknown, -1 error. */
int agency_db_api_notice(agency_db *db, const char *caller_ref, json_t **out,
                         char ref[FIELD_REFERENCE_MAX + 1]);

int agency_db_api_job_create(agency_db *db, const char *id, long total, const char *at);
/* Sets the job's state and counts; finished NULL while it runs. */
int agency_db_api_job_update(agency_db *db, const char *id, const char *state, long processed,
                             long accepted, long existing, long failed, const char *finished);
/* Records refused rows (row 0: the request as a whole). */
int agency_db_api_job_errors(agency_db *db, const char *id, const long *rows,
                             const char *const *fields, const char *const *details, size_t n);
/* {"id","state","created","finished","total","processed","accepted",
 * "existing","failed","progress","errors":[{"row","field","detail"}]}
 * with the first max_errors refused rows (SIZE_MAX: all): 1, 0 unknown,
 * -1 error. */
int agency_db_api_job_get(agency_db *db, const char *id, size_t max_errors, json_t **out);
/* Jobs a stopped server left unfinished become "interrupted". */
int agency_db_api_jobs_interrupt(agency_db *db, const char *at);
/* API notices a stopped or killed server stored and never had the hub's
 * answer for (agency_db_interrupted.c) get the timeline entry
 * "interrupted" with reason, for GET and the callbacks; not again while
 * it is their last entry. Call before the intake starts: nothing is on
 * its way then. How many, or -1. */
long agency_db_api_notices_interrupt(agency_db *db, const char *reason, long long now_ms);

/* The callback queue: up to limit events after the delivered cursor, as
 * [{"id","reference","state","reason","at"}], with the highest queue id
 * in *last_id and the oldest's queue time in *first_ms. NULL when none. */
json_t *agency_db_api_events_peek(agency_db *db, size_t limit, long long *last_id,
                                  long long *first_ms);
/* Moves the delivered cursor to last_id. */
int agency_db_api_events_done(agency_db *db, long long last_id);
/* Of the events waiting, those queued at or before before_ms (in id
 * order, up to the first that was not): the last one's id, their number
 * in *n; 0 when none or when the queue cannot be read. */
long long agency_db_api_events_expired(agency_db *db, long long before_ms, size_t *n);
/* Events not yet delivered. */
long long agency_db_api_events_waiting(agency_db *db);

/* ---- legal effect in API notices' timelines (agency_db_effect.c) ---- */

struct effect_rule;
/* One pass, in one transaction: the date each API notice takes effect
 * under rule, brought up to date for those whose timeline grew since the
 * last pass (every pending one when the rule is not the one the last pass
 * used), and "effective" queued in the timeline (reason: the term) of each
 * whose date is at or before both now_ms and settled_ms (up to when the
 * feed is known to hold every change: a read not yet pulled could bring
 * a date forward). *noted counts those. 0 or -1. */
int agency_db_effect_pass(agency_db *db, const struct effect_rule *rule, long long now_ms,
                          long long settled_ms, size_t *noted);

/* ---- what became of each notice (agency_db_outcomes.c) ---- */

/* One document's outcome so far (times Unix ms, 0 when none). */
typedef struct agency_outcome {
    const char *reference, *notice, *state; /* notice "" before the hub's answer */
    const char *platform;                   /* NULL when none */
    long long stored_at, received_at, read_at, paid_at;
    long long handover_at;                  /* the letter's PrintHandover (the hub's time) */
    long long cancellation_at;              /* NoticeCancellation (the hub's time) */
    long long amount_krw;                   /* 0: no payment asked */
    const char *payment_code, *payment_due; /* NULL when none */
} agency_outcome;

/* Calls fn for the document reference (NULL: every document, in reference
 * order, those stored in [from_ms, to_ms) when those are not 0; a document
 * from before stored_at was kept counts as stored at 0). Nonzero from fn
 * stops. Returns 0, or -1 on a database error. */
int agency_db_outcomes(agency_db *db, const char *reference, long long from_ms,
                       long long to_ms, int (*fn)(void *ctx, const agency_outcome *o),
                       void *ctx);

/* ---- the paper list (agency_db_postal.c) ---- */

/* Called for each postal notice, then once with every argument NULL when
 * the list is complete. Nonzero stops the listing. */
typedef int (*agency_postal_fn)(void *ctx, const char *reference, const char *name,
                                const char *address, const char *title);

#define AGENCY_DB_BUSY (-2)

/* Calls fn for every postal notice in reference order. With only_new,
 * only those no earlier only_new listing marked, and the ones listed are
 * marked printed at `at` in print batch `batch` (recorded when it has
 * any, *listed of them), in the same write transaction, committed only if
 * every call of fn (the final one too) returned 0. Returns 0, -1 on a
 * failure (nothing marked), or AGENCY_DB_BUSY when the write transaction
 * could not begin (fn never called). */
int agency_db_postal_list(agency_db *db, int only_new, const char *at, const char *batch,
                          long long *listed, agency_postal_fn fn, void *ctx);

/* ---- letters and print batches (agency_db_letters.c) ---- */

/* A letter still to print: a postal notice with its document. */
typedef struct agency_letter_row {
    const char *reference, *notice, *name, *address, *title;
    const char *body; /* the rendered document, as served online */
    size_t body_len;
    long line;        /* the recipient file's line, for error messages */
} agency_letter_row;

/* part is 0 … parts-1: which run of consecutive references the row is in. */
typedef int (*agency_letter_fn)(void *ctx, int part, const agency_letter_row *row);
/* Told, before any row, how many parts there are and how many letters
 * each holds (sizes[0 … parts-1]); nonzero stops. */
typedef int (*agency_letter_parts_fn)(void *ctx, int parts, const long *sizes);

/* Reads every postal notice neither printed nor listed by --new, from one
 * read snapshot, split into at most max_parts runs of consecutive
 * references, each of at least min_part letters (one run when there are
 * fewer), of sizes that differ by one at most. Calls parts_fn once, then
 * fn for the rows of all runs taken in turn (one row of each, in reference
 * order within each run), so that each run's consumer is fed at once.
 * nonzero from either stops and is returned; -1 on a database error. */
int agency_db_letters_parts(agency_db *db, int max_parts, long min_part,
                            agency_letter_parts_fn parts_fn, agency_letter_fn fn, void *ctx);

/* Records a printed batch and its n references in one write transaction.
 * A letter whose notice is no longer to be mailed (cancelled, paid or
 * purged since the run read it) is left out of the batch, left_out[i] 1
 * (0 for the others): its letter is in the files, to be taken out. The
 * batch's letters and pages count its files' all the same. 0; 1 when one
 * of them was printed meanwhile by another run (nothing is marked, so this
 * batch must be thrown away); AGENCY_DB_BUSY; -1. */
int agency_db_letters_mark(agency_db *db, const char *batch, const char *at,
                           const char *const *refs, size_t n, long pages,
                           unsigned char *left_out);

/* Calls fn(notice, reference, cancelled) for each letter of batch,
 * cancelled 1 for a notice cancelled since. Returns 1 when the batch
 * exists (handed_over gets when the hub heard of its hand-over, "" if
 * not yet), 0 when unknown, -1 on error, or fn's nonzero. */
typedef int (*agency_batch_fn)(void *ctx, const char *notice, const char *reference,
                               int cancelled);
int agency_db_letters_batch(agency_db *db, const char *batch, agency_batch_fn fn, void *ctx,
                            char *handed_over, size_t cap);

/* Whether reference's letter was printed: 1 with its batch ("" for one
 * listed by `postal --new`) and whether the batch was handed over, 0
 * not printed, -1 on error. */
int agency_db_letter_printed(agency_db *db, const char *reference, char *batch, size_t cap,
                             int *handed_over);

/* Notes that the hub has recorded the batch's hand-over (first time only). */
int agency_db_letters_handed_over(agency_db *db, const char *batch, const char *at);

/* ---- the console's figures (agency_db_counts.c) ---- */

/* What happened to notices on one day or in one job. */
typedef struct agency_counts {
    long long submitted, alerted, received, read, paper, failed, cancelled;
} agency_counts;

/* Each day from..to (YYYY-MM-DD, UTC) that has figures, in order. */
int agency_db_counts_days(agency_db *db, const char *from, const char *to,
                          void (*each)(void *ctx, const char *day, const agency_counts *c),
                          void *ctx);
/* The latest limit bulk jobs' figures, newest first. */
int agency_db_counts_jobs(agency_db *db, size_t limit,
                          void (*each)(void *ctx, const char *job, const char *created,
                                       const agency_counts *c),
                          void *ctx);
/* The bucket holding the median time from inbox to reading over the
 * days from..to: 1 with its bounds in seconds (*hi_s -1: open), 0 when
 * nothing was read, -1 on error. */
int agency_db_counts_median_read(agency_db *db, const char *from, const char *to,
                                 long long *lo_s, long long *hi_s);

/* ---- the console's notice pages (agency_db_console.c) ---- */

/* The notice whose reference (the agency's, or the back office's
 * caller reference) is ref, as JSON with its timeline: 1, 0 when
 * unknown, -1 on error. */
int agency_db_console_notice(agency_db *db, const char *ref, json_t **out);
/* Up to limit notices of a bulk job, by caller reference. */
int agency_db_console_job_notices(agency_db *db, const char *job, size_t limit,
                                  void (*each)(void *ctx, const char *caller_ref,
                                               const char *state),
                                  void *ctx);

/* The latest limit batches of letters, newest first (handed_over "" when
 * not yet). */
int agency_db_console_batches(agency_db *db, size_t limit,
                              void (*each)(void *ctx, const char *batch, const char *at,
                                           long letters, long pages, const char *handed_over),
                              void *ctx);

#endif
