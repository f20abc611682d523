/* agency_intake.c -- see agency_intake.h. */
#include "agency_intake.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agency_db.h"
#include "agency_db_test.h"
#include "agency_intake_pass.h"
#include "agency_refusals.h"
#include "clock.h"
#include "log.h"

/* Rows the server keeps in memory at most (queued and scheduled), and
 * their bytes: a single notice may carry 64 KiB and wait 30 days
 * scheduled, so rows alone would let a caller pin 32 GiB. */
#define INTAKE_MAX_ROWS 500000
#define INTAKE_MAX_BYTES ((size_t)1 << 30)
/* Batches prepared and not yet answered for, as in `agency send`: one
 * waiting for a submitting thread, the ones at the hub. */
#define INTAKE_IN_FLIGHT (SEND_SUBMITTERS + 1)
/* Refusals kept for GET after their caller stopped waiting (about 1.3 MB). */
#define INTAKE_REFUSALS 4096
/* How long calls to idsvc and the hub may still take once stopping. */
#define INTAKE_STOP_GRACE_MS 3000

/* One piece of work: a notice (someone may wait for it) or a bulk job. */
typedef struct work {
    api_rows rs;
    char job[40];        /* "" for a single notice */
    size_t next_row;     /* a bulk goes batch by batch */
    int in_flight;       /* its batches prepared and not yet answered for */
    long processed, accepted, existing, failed;
    size_t bytes; /* what it holds in bytes_held: its rows' and its own (a
                   * bulk's rows leave it batch by batch) */
    intake_result *result; /* the waiter's; NULL when nobody waits */
    int done;
    struct work *next;
} work;

/* A batch between the preparing thread and a submitting one, and the
 * work its rows belong to. */
typedef struct flight {
    intake_pass p;
    work *bulk;                  /* the job of its rows, or NULL */
    size_t bulk_bytes;           /* those rows' share of their work's bytes */
    work *singles[INTAKE_BATCH]; /* else the single notices, one row each */
    size_t nsingles;
    struct flight *next;      /* in the queue for the hub */
    struct flight *live_next; /* among those not yet answered for */
} flight;

/* A submitting thread, with its own client of the hub. */
typedef struct submitter {
    agency_intake *in;
    http_client *hub; /* NULL for a test key's intake */
    agency_db *db;    /* its own connection: a shared one, under one mutex, made the
                       * preparing thread wait while the answers were written */
    pthread_t thread;
    int started;
} submitter;

struct agency_intake {
    const agency_cfg *cfg;
    agency_db *db;           /* the preparing thread's */
    http_client *idsvc;      /* the preparing thread's */
    pthread_t thread;
    int started;
    submitter subs[SEND_SUBMITTERS];
    pthread_mutex_t job_lock; /* a job's counts with their row in the database */
    pthread_mutex_t lock;    /* guards everything below */
    pthread_cond_t changed;
    work *ready, *ready_tail; /* FIFO */
    work *scheduled;          /* unordered: the worker looks for the due ones */
    flight *flights;          /* prepared, for the hub: urgent ones first */
    flight *live;             /* every batch not yet answered for */
    work *taking;             /* popped, not yet in a batch on live */
    size_t nflights;          /* prepared or being prepared, not answered for */
    size_t rows_held, bytes_held;
    refusals refused; /* single notices refused with nobody waiting */
    atomic_llong give_up; /* stopping: no more retries, and calls to idsvc
                           * and the hub end past this time (monotonic ms) */
    int stopping;
    int closed; /* the worker has stopped: no more flights */
    int test; /* a test key's intake: test.db, no idsvc, no hub */
};

/* ---- the queue ---- */

/* What n rows of rs hold in memory, for INTAKE_MAX_BYTES: each its
 * fields and their places. */
static size_t rows_bytes(const api_rows *rs, const api_row *r, size_t n)
{
    size_t b = 0;

    for (size_t i = 0; i < n; i++)
        b += r[i].data_len + 2 * rs->ncols * sizeof(size_t);
    return b;
}

/* What w holds: its rows, their array, its columns' names and itself. */
static size_t work_bytes(const work *w)
{
    size_t b = sizeof *w + w->rs.cap * sizeof(api_row) +
               rows_bytes(&w->rs, w->rs.rows, w->rs.nrows);

    for (size_t i = 0; i < w->rs.ncols; i++)
        b += strlen(w->rs.cols[i]) + 1;
    return b;
}

static void work_free(work *w)
{
    api_rows_free(&w->rs);
    free(w);
}

static void push_ready(agency_intake *in, work *w)
{
    w->next = NULL;
    if (in->ready_tail)
        in->ready_tail->next = w;
    else
        in->ready = w;
    in->ready_tail = w;
}

/* Urgent work goes before all that is not, behind the urgent work that
 * came earlier. */
static void push_urgent(agency_intake *in, work *w)
{
    work **p = &in->ready;

    while (*p && (*p)->rs.urgent)
        p = &(*p)->next;
    w->next = *p;
    *p = w;
    if (!w->next)
        in->ready_tail = w;
}

/* Where w waits its turn. */
static void queue_ready(agency_intake *in, work *w)
{
    if (w->rs.urgent)
        push_urgent(in, w);
    else
        push_ready(in, w);
}

/* Moves due scheduled work to the ready queue; the earliest time still
 * waiting in *next_ms (0 when none). Call with the lock held. */
static void release_due(agency_intake *in, long long now, long long *next_ms)
{
    work **p = &in->scheduled;

    *next_ms = 0;
    while (*p) {
        work *w = *p;
        if (w->rs.scheduled_ms <= now) {
            *p = w->next;
            queue_ready(in, w);
            continue;
        }
        if (!*next_ms || w->rs.scheduled_ms < *next_ms)
            *next_ms = w->rs.scheduled_ms;
        p = &w->next;
    }
}

/* Adds w, waking the worker. -1 when too many rows are held already. */
static int enqueue(agency_intake *in, work *w)
{
    int rc = 0;

    w->bytes = work_bytes(w);
    pthread_mutex_lock(&in->lock);
    if (in->stopping || in->rows_held + w->rs.nrows > INTAKE_MAX_ROWS ||
        in->bytes_held + w->bytes > INTAKE_MAX_BYTES) {
        rc = -1;
    } else {
        in->rows_held += w->rs.nrows;
        in->bytes_held += w->bytes;
        if (!w->job[0]) /* posted again: its refusal is history */
            refusals_forget(&in->refused, w->rs.rows[0].ref);
        if (w->rs.scheduled_ms > clock_now_ms()) {
            w->next = in->scheduled;
            in->scheduled = w;
        } else {
            queue_ready(in, w);
        }
        pthread_cond_broadcast(&in->changed);
    }
    pthread_mutex_unlock(&in->lock);
    return rc;
}

/* ---- prepared batches ---- */

/* Queues f for a submitting thread: an urgent batch before the bulk
 * ones waiting, behind the urgent ones before it. */
static void push_flight(agency_intake *in, flight *f)
{
    flight **p = &in->flights;

    pthread_mutex_lock(&in->lock);
    if (f->p.rs->urgent)
        while (*p && (*p)->p.rs->urgent)
            p = &(*p)->next;
    else
        while (*p)
            p = &(*p)->next;
    f->next = *p;
    *p = f;
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
}

/* The next prepared batch; NULL once the worker has stopped and none
 * is left. */
static flight *pop_flight(agency_intake *in)
{
    flight *f;

    pthread_mutex_lock(&in->lock);
    while (!in->flights && !in->closed)
        pthread_cond_wait(&in->changed, &in->lock);
    if ((f = in->flights) != NULL)
        in->flights = f->next;
    pthread_mutex_unlock(&in->lock);
    return f;
}

/* ---- the worker: which rows go together ---- */

static int same_kind(const api_rows *a, const api_rows *b)
{
    if (strcmp(a->tpl, b->tpl) || strcmp(a->title, b->title) ||
        strcmp(a->deadline, b->deadline) || a->ncols != b->ncols || a->urgent != b->urgent)
        return 0;
    for (size_t i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i], b->cols[i]))
            return 0;
    return 1;
}

/* 1 if one of the n works already has w's reference: the same notice
 * posted twice at once goes in a later batch, which finds it stored and
 * which the hub answers with the same notice. */
static int ref_in(work *const *ws, size_t n, const work *w)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ws[i]->rs.rows[0].ref, w->rs.rows[0].ref))
            return 1;
    return 0;
}

/* 1 if a batch not yet answered for holds a single notice with w's
 * reference: w waits for it, then finds the notice made (200). */
static int ref_in_flight(const agency_intake *in, const work *w)
{
    for (const flight *f = in->live; f; f = f->live_next)
        if (ref_in(f->singles, f->nsingles, w))
            return 1;
    return 0;
}

/* The first work that may go now. Call with the lock held. */
static work *pop_next(agency_intake *in)
{
    work *prev = NULL;

    for (work *w = in->ready; w; prev = w, w = w->next) {
        if (!w->job[0] && ref_in_flight(in, w))
            continue;
        if (prev)
            prev->next = w->next;
        else
            in->ready = w->next;
        if (in->ready_tail == w)
            in->ready_tail = prev;
        w->next = NULL;
        return w;
    }
    return NULL;
}

/* first and the single notices like it waiting behind, up to a batch,
 * into f. Call with the lock held. */
static void take_singles(agency_intake *in, work *first, flight *f)
{
    size_t n = 0;

    f->singles[n++] = first;
    for (work **p = &in->ready; *p && n < INTAKE_BATCH;) {
        work *w = *p;
        if (!w->job[0] && same_kind(&w->rs, &first->rs) && !ref_in(f->singles, n, w) &&
            !ref_in_flight(in, w)) {
            *p = w->next;
            if (in->ready_tail == w) {
                in->ready_tail = NULL;
                for (work *t = in->ready; t; t = t->next)
                    in->ready_tail = t;
            }
            f->singles[n++] = w;
        } else {
            p = &w->next;
        }
    }
    f->nsingles = n;
    for (size_t i = 0; i < n; i++)
        f->p.rows[i] = &f->singles[i]->rs.rows[0];
    f->p.n = n;
    f->p.rs = &first->rs;
}

/* The next batch of bulk w into f; w back to the queue's end while rows
 * remain, so that single notices take turns with it. Call with the lock
 * held. */
static void take_bulk(agency_intake *in, work *w, flight *f)
{
    size_t n = w->rs.nrows - w->next_row;

    if (n > INTAKE_BATCH)
        n = INTAKE_BATCH;
    for (size_t i = 0; i < n; i++)
        f->p.rows[i] = &w->rs.rows[w->next_row + i];
    f->p.n = n;
    f->p.rs = &w->rs;
    snprintf(f->p.job, sizeof f->p.job, "%s", w->job);
    f->bulk = w;
    f->bulk_bytes = rows_bytes(&w->rs, &w->rs.rows[w->next_row], n);
    w->bytes -= f->bulk_bytes;
    w->next_row += n;
    w->in_flight++;
    if (w->next_row < w->rs.nrows)
        queue_ready(in, w);
}

/* ---- answering for a batch the hub has seen ---- */

/* Hands each waiter its result, or frees work nobody waits for. */
static void finish_singles(agency_intake *in, flight *f)
{
    long long now = clock_now_ms();

    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; i < f->nsingles; i++) {
        work *w = f->singles[i];
        const intake_result *out = &f->p.out[i];
        in->rows_held -= w->rs.nrows;
        in->bytes_held -= w->bytes;
        if (w->result) {
            *w->result = *out;
            w->done = 1;
        } else if (out->status >= 400) { /* scheduled, or answered 202 */
            log_warn("notice %s, whose caller no longer waits, was refused (%d): %s",
                     w->rs.rows[0].ref, out->status, out->detail);
            refusals_put(&in->refused, w->rs.rows[0].ref, out, now);
        }
        api_rows_free(&w->rs); /* the RRN goes now */
        if (!w->result)
            free(w);
    }
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
}

static void save_job_errors(agency_db *db, const intake_pass *p)
{
    long *nums = malloc((p->n + 1) * sizeof *nums);
    const char **fields = malloc((p->n + 1) * sizeof *fields);
    const char **details = malloc((p->n + 1) * sizeof *details);
    size_t k = 0;

    if (nums && fields && details) {
        for (size_t i = 0; i < p->n; i++)
            if (p->out[i].status >= 400) {
                nums[k] = p->rows[i]->row;
                fields[k] = p->out[i].field;
                details[k++] = p->out[i].detail;
            }
        if (agency_db_api_job_errors(db, p->job, nums, fields, details, k) != 0)
            log_error("job %s: cannot record %zu refused rows", p->job, k);
    }
    free(nums);
    free(fields);
    free(details);
}

/* Counts the batch into its job, and ends the job with its last batch.
 * Batches of one job finish on different threads: the counts and their
 * row in the database move together under job_lock. */
static void finish_bulk(agency_intake *in, agency_db *db, flight *f)
{
    work *w = f->bulk;
    char at[25];
    int last;

    save_job_errors(db, &f->p);
    for (size_t i = 0; i < f->p.n; i++)
        api_row_free(f->p.rows[i]);
    pthread_mutex_lock(&in->job_lock);
    for (size_t i = 0; i < f->p.n; i++) {
        if (f->p.out[i].status == 201)
            w->accepted++;
        else if (f->p.out[i].status == 200)
            w->existing++;
        else
            w->failed++;
    }
    w->processed += (long)f->p.n;
    pthread_mutex_lock(&in->lock);
    in->rows_held -= f->p.n;
    in->bytes_held -= f->bulk_bytes;
    w->in_flight--;
    last = w->next_row == w->rs.nrows && !w->in_flight;
    if (last) { /* the rest: the work itself */
        in->bytes_held -= w->bytes;
        w->bytes = 0;
    }
    pthread_mutex_unlock(&in->lock);
    clock_rfc3339_ms(at, clock_now_ms());
    agency_db_api_job_update(db, w->job, last ? "done" : "running", w->processed,
                             w->accepted, w->existing, w->failed, last ? at : NULL);
    pthread_mutex_unlock(&in->job_lock);
    if (last) {
        log_info("job %s done: %ld accepted, %ld existing, %ld failed", w->job, w->accepted,
                 w->existing, w->failed);
        work_free(w);
    }
}

static void flight_free(flight *f)
{
    intake_pass_clear(&f->p);
    free(f);
}

/* ---- the threads ---- */

/* Waits for work, and for room in the pipeline; NULL when stopping. */
static work *next_work(agency_intake *in)
{
    work *w = NULL;
    long long next_ms;

    pthread_mutex_lock(&in->lock);
    while (!in->stopping) {
        release_due(in, clock_now_ms(), &next_ms);
        if (in->nflights < INTAKE_IN_FLIGHT && (w = pop_next(in)) != NULL) {
            in->taking = w;
            break;
        }
        if (next_ms) {
            struct timespec until = clock_mono_after_ms(next_ms - clock_now_ms());
            pthread_cond_timedwait(&in->changed, &in->lock, &until);
        } else {
            pthread_cond_wait(&in->changed, &in->lock);
        }
    }
    pthread_mutex_unlock(&in->lock);
    return w;
}

/* The preparing thread: takes a batch of work, converts, renders and
 * stores it, and hands it to the submitting threads. */
static void *worker_main(void *arg)
{
    agency_intake *in = arg;
    work *w;

    while ((w = next_work(in)) != NULL) {
        flight *f = calloc(1, sizeof *f);
        pthread_mutex_lock(&in->lock);
        in->taking = NULL;
        if (!f) { /* try again soon: nothing is lost */
            queue_ready(in, w);
            pthread_mutex_unlock(&in->lock);
            log_error("intake: out of memory for a batch; trying again");
            struct timespec pause = {0, 100000000L};
            nanosleep(&pause, NULL);
            continue;
        }
        if (w->job[0])
            take_bulk(in, w, f);
        else
            take_singles(in, w, f);
        in->nflights++;
        f->live_next = in->live;
        in->live = f;
        pthread_mutex_unlock(&in->lock);
        f->p.give_up = &in->give_up;
        intake_pass_prepare(&f->p, in->cfg, in->db, in->idsvc, in->test);
        push_flight(in, f);
    }
    pthread_mutex_lock(&in->lock);
    in->closed = 1;
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
    return NULL;
}

/* A submitting thread: each prepared batch to the hub, then the answers
 * to those who wait for them or to the job. */
static void *submitter_main(void *arg)
{
    submitter *me = arg;
    agency_intake *in = me->in;
    flight *f;

    while ((f = pop_flight(in)) != NULL) {
        f->p.s.db = me->db;
        intake_pass_submit(&f->p, me->hub);
        pthread_mutex_lock(&in->lock);
        for (flight **p = &in->live; *p; p = &(*p)->live_next)
            if (*p == f) {
                *p = f->live_next;
                break;
            }
        pthread_mutex_unlock(&in->lock);
        if (f->bulk)
            finish_bulk(in, me->db, f);
        else
            finish_singles(in, f);
        pthread_mutex_lock(&in->lock);
        in->nflights--;
        pthread_cond_broadcast(&in->changed);
        pthread_mutex_unlock(&in->lock);
        flight_free(f);
    }
    return NULL;
}

/* ---- the calls ---- */

/* The preparing thread and the submitting ones. 0 or -1. */
static int start_threads(agency_intake *in)
{
    char err[256];

    for (size_t i = 0; i < SEND_SUBMITTERS; i++) {
        submitter *sub = &in->subs[i];
        sub->in = in;
        if (!in->test && !(sub->hub = http_client_new(in->cfg->hub_url, in->cfg->hub_key)))
            return -1;
        if (sub->hub)
            http_client_abort_at(sub->hub, &in->give_up);
        sub->db = in->test ? agency_db_open_test(in->cfg->test_db_path, err, sizeof err)
                           : agency_db_open(in->cfg->db_path, err, sizeof err);
        if (!sub->db) {
            log_error("intake: %s", err);
            return -1;
        }
        sub->started = pthread_create(&sub->thread, NULL, submitter_main, sub) == 0;
        if (!sub->started)
            return -1;
    }
    in->started = pthread_create(&in->thread, NULL, worker_main, in) == 0;
    return in->started ? 0 : -1;
}

static agency_intake *intake_start(const agency_cfg *cfg, int test, char *err, size_t errlen)
{
    agency_intake *in = calloc(1, sizeof *in);

    if (!in) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    in->cfg = cfg;
    in->test = test;
    pthread_mutex_init(&in->lock, NULL);
    pthread_mutex_init(&in->job_lock, NULL);
    clock_mono_cond_init(&in->changed);
    if (refusals_init(&in->refused, INTAKE_REFUSALS) != 0) {
        snprintf(err, errlen, "out of memory");
        agency_intake_stop(in);
        return NULL;
    }
    if (test && !(in->db = agency_db_open_test(cfg->test_db_path, err, errlen))) {
        agency_intake_stop(in);
        return NULL;
    }
    if (!test && (!(in->db = agency_db_open(cfg->db_path, err, errlen)) ||
                  !(in->idsvc = http_client_new(cfg->idsvc_url, cfg->idsvc_key)))) {
        if (in->db)
            snprintf(err, errlen, "cannot make an HTTP client");
        agency_intake_stop(in);
        return NULL;
    }
    if (in->idsvc)
        http_client_abort_at(in->idsvc, &in->give_up);
    if (start_threads(in) != 0) {
        snprintf(err, errlen, "cannot start the intake threads");
        agency_intake_stop(in);
        return NULL;
    }
    return in;
}

agency_intake *agency_intake_start(const agency_cfg *cfg, char *err, size_t errlen)
{
    return intake_start(cfg, 0, err, errlen);
}

agency_intake *agency_intake_start_test(const agency_cfg *cfg, char *err, size_t errlen)
{
    return intake_start(cfg, 1, err, errlen);
}

static void drop_list(work *w)
{
    while (w) {
        work *next = w->next;
        work_free(w);
        w = next;
    }
}

/* A batch at a hub that does not answer would hold the stop for a
 * call's timeout (120 s) and a minute of retries. Once stopping, a call
 * is tried once, not again, and ends INTAKE_STOP_GRACE_MS after the stop
 * began: the batches prepared still go to a hub that answers, and one
 * given up is answered "post again", its documents kept, which the next
 * start tells the back office are interrupted (agency_db_interrupted.c). */
static void give_up_soon(agency_intake *in)
{
    long long none = 0;

    atomic_compare_exchange_strong(&in->give_up, &none, clock_mono_ms() + INTAKE_STOP_GRACE_MS);
}

void agency_intake_halt(agency_intake *in)
{
    if (!in)
        return;
    give_up_soon(in);
    pthread_mutex_lock(&in->lock);
    in->stopping = 1;
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
}

void agency_intake_stop(agency_intake *in)
{
    if (!in)
        return;
    agency_intake_halt(in);
    if (in->started) {
        pthread_join(in->thread, NULL);
    } else { /* no worker to close the flights */
        pthread_mutex_lock(&in->lock);
        in->closed = 1;
        pthread_cond_broadcast(&in->changed);
        pthread_mutex_unlock(&in->lock);
    }
    /* The batches prepared go to a hub that answers within the grace:
     * their documents are stored. */
    for (size_t i = 0; i < SEND_SUBMITTERS; i++) {
        if (in->subs[i].started)
            pthread_join(in->subs[i].thread, NULL);
        http_client_free(in->subs[i].hub);
        agency_db_close(in->subs[i].db);
    }
    /* Waiters are gone: the HTTP server stopped first. */
    drop_list(in->ready);
    drop_list(in->scheduled);
    agency_db_close(in->db);
    http_client_free(in->idsvc);
    refusals_free(&in->refused);
    pthread_cond_destroy(&in->changed);
    pthread_mutex_destroy(&in->job_lock);
    pthread_mutex_destroy(&in->lock);
    free(in);
}

void agency_intake_notice(agency_intake *in, api_rows *rs, long wait_ms, intake_result *out)
{
    work *w = calloc(1, sizeof *w);
    int scheduled = rs->scheduled_ms > clock_now_ms();

    memset(out, 0, sizeof *out);
    if (!in) {
        free(w);
        intake_result_set(out, 503, NULL, AGENCY_INTAKE_NONE);
        return;
    }
    if (!w) {
        intake_result_set(out, 503, NULL, "out of memory: try again");
        return;
    }
    /* What can be judged now is, before the notice waits anywhere: a
     * scheduled one is answered 202 now, and any may be after 30 s. */
    if (intake_precheck(in->cfg, rs, out) != 0) {
        free(w);
        return;
    }
    w->rs = *rs;
    memset(rs, 0, sizeof *rs);
    w->result = scheduled ? NULL : out;
    if (enqueue(in, w) != 0) {
        *rs = w->rs;
        free(w);
        intake_result_set(out, 503, NULL, "the server holds too many notices: try again later");
        return;
    }
    if (scheduled) {
        intake_result_set(out, 202, NULL, "scheduled");
        return;
    }
    struct timespec until = clock_mono_after_ms(wait_ms);
    pthread_mutex_lock(&in->lock);
    while (!w->done && !in->stopping)
        if (pthread_cond_timedwait(&in->changed, &in->lock, &until) != 0)
            break;
    if (w->done) {
        free(w);
    } else {
        /* Still queued: the worker frees it; the caller asks again. */
        w->result = NULL;
        intake_result_set(out, 202, NULL, "queued");
    }
    pthread_mutex_unlock(&in->lock);
}

int agency_intake_bulk(agency_intake *in, const char *job, api_rows *rs, long failed)
{
    work *w;

    if (!in || !(w = calloc(1, sizeof *w)))
        return -1;
    w->rs = *rs;
    snprintf(w->job, sizeof w->job, "%s", job);
    w->failed = failed;
    w->processed = failed;
    if (enqueue(in, w) != 0) {
        *rs = w->rs;
        free(w);
        return -1;
    }
    memset(rs, 0, sizeof *rs);
    return 0;
}

static int holds(const work *w, const char *caller_ref)
{
    for (size_t i = w->next_row; i < w->rs.nrows; i++)
        if (!strcmp(w->rs.rows[i].ref, caller_ref))
            return 1;
    return 0;
}

/* 1 when the list at head holds caller_ref where it must stay: in a
 * bulk job's rows, or a notice whose caller still waits for its answer. */
static int stays(const work *head, const char *caller_ref)
{
    for (const work *w = head; w; w = w->next)
        if (holds(w, caller_ref) && (w->job[0] || w->result))
            return 1;
    return 0;
}

/* Takes every single notice with caller_ref out of the list at head (the
 * ready list when tail is given; the same reference may have been posted
 * twice before either was stored): how many. */
static int withdraw_from(agency_intake *in, work **head, work **tail, const char *caller_ref)
{
    work *prev = NULL;
    int n = 0;

    for (work **p = head; *p;) {
        work *w = *p;
        if (!holds(w, caller_ref)) {
            prev = w;
            p = &w->next;
            continue;
        }
        *p = w->next;
        if (tail && *tail == w)
            *tail = prev;
        in->rows_held -= w->rs.nrows;
        in->bytes_held -= w->bytes;
        work_free(w); /* the RRN goes now */
        n++;
    }
    return n;
}

/* 1 when a batch being taken, prepared or at the hub holds caller_ref. */
static int in_flight(const agency_intake *in, const char *caller_ref)
{
    if (in->taking && holds(in->taking, caller_ref))
        return 1;
    for (const flight *f = in->live; f; f = f->live_next)
        for (size_t i = 0; i < f->p.n; i++)
            if (!strcmp(f->p.rows[i]->ref, caller_ref))
                return 1;
    return 0;
}

int agency_intake_withdraw(agency_intake *in, const char *caller_ref)
{
    int rc;

    if (!in)
        return 0;
    pthread_mutex_lock(&in->lock);
    /* All or nothing: answered "withdrawn", no copy may go on. */
    if (stays(in->scheduled, caller_ref) || stays(in->ready, caller_ref) ||
        in_flight(in, caller_ref)) {
        rc = -1;
    } else {
        rc = withdraw_from(in, &in->scheduled, NULL, caller_ref) +
                     withdraw_from(in, &in->ready, &in->ready_tail, caller_ref) >
                 0;
        if (rc)
            pthread_cond_broadcast(&in->changed);
    }
    pthread_mutex_unlock(&in->lock);
    return rc;
}

const char *agency_intake_waiting(agency_intake *in, const char *caller_ref)
{
    const char *state = NULL;

    if (!in)
        return NULL;
    pthread_mutex_lock(&in->lock);
    for (work *w = in->scheduled; w && !state; w = w->next)
        if (holds(w, caller_ref))
            state = "scheduled";
    for (work *w = in->ready; w && !state; w = w->next)
        if (holds(w, caller_ref))
            state = "queued";
    /* taken, at idsvc or at the hub: still on its way */
    if (!state && in_flight(in, caller_ref))
        state = "queued";
    pthread_mutex_unlock(&in->lock);
    return state;
}

int agency_intake_refused(agency_intake *in, const char *caller_ref, intake_result *why,
                          long long *at_ms)
{
    const refusal *r;
    int found = 0;

    if (!in)
        return 0;
    pthread_mutex_lock(&in->lock);
    if ((r = refusals_find(&in->refused, caller_ref)) != NULL) {
        *why = r->why;
        *at_ms = r->at_ms;
        found = 1;
    }
    pthread_mutex_unlock(&in->lock);
    return found;
}
