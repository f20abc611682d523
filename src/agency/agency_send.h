/* agency_send.h -- one `agency send` run, as its two halves share it.
 *
 * agency_send.c is the command: options, setup, the threads and the hand-
 * over between them, progress on stderr. agency_send_batch.c is the way of
 * one batch: rows from the file, RRNs to CIs at idsvc, documents rendered
 * and stored, notices to the hub. Only agency_send*.c include this. */
#ifndef HERALD_AGENCY_SEND_H
#define HERALD_AGENCY_SEND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "agency_config.h"
#include "agency_db.h"
#include "agency_ref.h"
#include "ci.h"
#include "csv.h"
#include "field.h"
#include "http_client.h"
#include "rrn.h"
#include "template.h"

#define SEND_DEFAULT_BATCH 1000
/* Batches at the hub at once: while the hub writes one, it reads and checks
 * the next. */
#define SEND_SUBMITTERS 2
/* Batches alive at once: one being prepared, one waiting, the ones at the hub. */
#define SEND_IN_FLIGHT (SEND_SUBMITTERS + 2)
#define CMD "agency send"

/* One recipient row while its batch is in flight. */
typedef struct send_row {
    long line;
    char *data;           /* copies of the fields, NUL-separated; the rrn column blank */
    size_t data_len;
    const char **field;   /* into data, one per column */
    char rrn[RRN_DIGITS + 1];
    char ci[CI_LEN + 1];
    char reference[FIELD_REFERENCE_MAX + 1];
    char rk[RK_HEX_LEN + 1];
    char sha[2 * SHA256_LEN + 1];
    char *doc;
    size_t doc_len;
    char notice[AGENCY_NOTICE_MAX + 1]; /* the hub's id once it answered */
    int done; /* failed or already a notice: no further step */
    long long amount_krw; /* the payment asked, 0 for none */
    int outcome;          /* a test key's row: its test_outcome */
    int fresh;            /* stored for the first time in this pass: never sent before */
} send_row;

/* One batch of rows on its way from the file to the hub. */
typedef struct send_batch {
    send_row *rows;     /* batch_max slots */
    size_t nrows;
    send_row **pending; /* the rows still to store and submit */
    size_t npending;
} send_batch;

typedef struct counts {
    long rows, submitted, accepted, duplicates, failed;
} counts;

/* Hands stored batches from the preparing thread to the submitting one,
 * and the emptied batches back: at most SEND_IN_FLIGHT exist. */
typedef struct handoff {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    send_batch *ready[SEND_IN_FLIGHT], *spare[SEND_IN_FLIGHT];
    size_t head, nready, nspare;
    int closed;  /* no more batches will come */
    int broken;  /* the submitter stopped on a fatal error */
} handoff;

typedef struct sender {
    agency_cfg cfg;
    const char *csv_path, *title, *deadline;
    long batch_max;
    int quiet, tty;
    int urgent; /* every notice marked urgent: the hub and platform put it first */
    long patience_ms; /* how long a call is retried while its peer is away; 0: 60 s */
    const atomic_llong *give_up; /* non-zero: no more retries (a stopping server); may be NULL */
    FILE *f;
    long long file_size;
    template *tpl;
    csv_reader *csv;
    csv_header *hdr;
    size_t ncols;
    long col_rrn, col_name, col_address;
    long col_amount, col_code, col_due; /* the payment reference's: -1 when absent */
    char run_id[AGENCY_RUN_ID_LEN + 1];
    agency_db *db;          /* shared by the preparing and submitting threads */
    http_client *idsvc;     /* the preparing thread's */
    http_client *hub[SEND_SUBMITTERS]; /* one per submitting thread */
    send_batch batches[SEND_IN_FLIGHT];
    handoff q;
    pthread_mutex_t out_lock; /* guards n and what goes to stderr */
    counts n;
    time_t last_progress;
    /* Set by a caller other than the command (the API's intake): a row's
     * reference comes from reference_for instead of the run id, and a
     * failed row goes to row_error instead of stderr, with the column at
     * fault (NULL when none is). line is then the caller's own row
     * number. */
    const char *(*reference_for)(void *ctx, long line);
    void (*row_error)(void *ctx, long line, const char *column, const char *msg);
    void *hook_ctx;
    /* The API's too: a row's caller reference, stored with its document
     * in api_refs, with the bulk job (NULL for single notices) and when. */
    const char *(*caller_ref_for)(void *ctx, long line);
    const char *api_job, *api_created;
    /* A test key's rows (agency_send_test.c): idsvc and the hub are
     * never called; each row's RRN picks its simulated outcome. */
    int test;
} sender;

/* ---- agency_send.c: what both halves report ---- */

/* Erases the progress bar before a message. */
void agency_send_clear_bar(const sender *s);
/* The column of a row the hub refused (its per-item error): the row was
 * valid here, so the API answers it 422, not 400. */
#define AGENCY_SEND_BY_HUB "(hub)"
/* The column of a row whose reference holds another document not yet
 * answered by the hub (agency_db_docs_store): the API answers it 409. */
#define AGENCY_SEND_CONFLICT "(conflict)"

/* A skipped row: "FILE: line N: reason" on stderr, counted as failed.
 * column: the file's column at fault, or NULL. */
void agency_send_row_error(sender *s, long line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds to one of the counts, which both threads move. */
void agency_send_count(sender *s, long *field, long k);

/* ---- agency_send_batch.c: one batch's way ---- */

/* Takes one record into the batch (b->rows must have room), or reports
 * why not (a bad RRN). -1: fatal. */
int agency_send_batch_take(sender *s, send_batch *b, const csv_row *cr);
/* Reads up to batch_max good rows. Returns 1 when more may follow, 0 at
 * the end of the file, -1 on a fatal read error. */
int agency_send_batch_fill(sender *s, send_batch *b);
/* Converts, renders and stores what the batch still needs: after this the
 * batch may go to the hub. -1: fatal. */
int agency_send_batch_prepare(sender *s, send_batch *b);
/* Submits the stored rows to the hub and records their notice ids. -1:
 * fatal; refused (when not NULL, "" before the call) then holds the hub's
 * status and reason if it answered and refused the batch for good (a 413
 * for a batch over the agency's whole daily quota, say). */
int agency_send_batch_submit(sender *s, http_client *hub, send_row **pending, size_t n,
                             char *refused, size_t refused_len);

/* Records the notice id and state the hub gave each of rows[0..n) (a
 * NULL id: none), and for the API the rows' accepted timeline entries
 * with them; for a test key's rows, outcomes (else NULL) starts their
 * simulated outcomes in the same transaction. 0 or -1. */
int agency_send_answered(sender *s, send_row *const *rows, const char *const *ids,
                         const char *const *states, const int *outcomes, size_t n);
/* ---- agency_send_test.c: a test key's stand-ins for idsvc and the hub ---- */

/* Gives each row a random CI and the outcome its RRN picks, and wipes
 * the RRNs, as the idsvc call would. */
void agency_send_test_convert(sender *s, send_row **pending, size_t n);
/* Gives each stored row a notice id of its own ("test-" and 32 hex),
 * accepted now, and starts its simulated outcome. -1: database error. */
int agency_send_test_submit(sender *s, send_row **pending, size_t n);

/* Wipes and frees the batch's rows; the batch is ready for the next. */
void agency_send_batch_clear(send_batch *b);

#endif
