/* agency_intake.c -- see agency_intake.h. */
#include "agency_intake.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db.h"
#include "agency_db_test.h"
#include "agency_ref.h"
#include "agency_send.h"
#include "clock.h"
#include "log.h"

#define INTAKE_BATCH 1000
/* Rows the server keeps in memory at most (queued and scheduled). */
#define INTAKE_MAX_ROWS 500000

/* One piece of work: a notice (someone may wait for it) or a bulk job. */
typedef struct work {
    api_rows rs;
    char job[40];        /* "" for a single notice */
    size_t next_row;     /* a bulk goes batch by batch */
    long processed, accepted, existing, failed;
    intake_result *result; /* the waiter's; NULL when nobody waits */
    int done;
    struct work *next;
} work;

struct agency_intake {
    const agency_cfg *cfg;
    agency_db *db;
    http_client *idsvc, *hub;
    pthread_t thread;
    int started;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t changed;
    work *ready, *ready_tail; /* FIFO */
    work *scheduled;          /* unordered: the worker looks for the due ones */
    size_t rows_held;
    int stopping;
    int test; /* a test key's intake: test.db, no idsvc, no hub */
};

/* ---- the queue ---- */

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

static work *pop_ready(agency_intake *in)
{
    work *w = in->ready;

    if (w) {
        in->ready = w->next;
        if (!in->ready)
            in->ready_tail = NULL;
        w->next = NULL;
    }
    return w;
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

    pthread_mutex_lock(&in->lock);
    if (in->stopping || in->rows_held + w->rs.nrows > INTAKE_MAX_ROWS) {
        rc = -1;
    } else {
        in->rows_held += w->rs.nrows;
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

/* ---- one pass of rows through the send pipeline ---- */

/* The rows of one pass and what became of each. */
typedef struct pass {
    const api_rows *rs;
    api_row **rows;
    intake_result *out;
    char (*refs)[FIELD_REFERENCE_MAX + 1];
    size_t n;
} pass;

static void set_result(intake_result *r, int status, const char *field, const char *detail)
{
    r->status = status;
    snprintf(r->field, sizeof r->field, "%s", field ? field : "");
    snprintf(r->detail, sizeof r->detail, "%s", detail ? detail : "");
}

static const char *reference_for(void *ctx, long line)
{
    return ((pass *)ctx)->refs[line - 1];
}

/* A row the pipeline refused: its message (RRNs masked already) names
 * the step, which says which field was wrong. */
static void row_error(void *ctx, long line, const char *msg)
{
    pass *p = ctx;
    const char *field = !strncmp(msg, "RRN ", 4)                  ? "rrn"
                        : !strncmp(msg, "cannot render", 13)      ? "personalisation"
                                                                  : "";
    int status = !strncmp(msg, "hub refused", 11) ? 422 : 400;

    set_result(&p->out[line - 1], status, field, msg);
}

template *agency_intake_template(const agency_cfg *cfg, const char *id, char *err,
                                 size_t errlen)
{
    char path[AGENCY_PATH_MAX + 80];
    FILE *f;
    char *text;
    size_t len;
    template *t;

    snprintf(path, sizeof path, "%s/%s.html", cfg->templates_dir, id);
    if (!(f = fopen(path, "rb"))) {
        snprintf(err, errlen, "no template '%s' (%s)", id, strerror(errno));
        return NULL;
    }
    text = malloc(TEMPLATE_MAX_BYTES + 1);
    len = text ? fread(text, 1, TEMPLATE_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (!text || len > TEMPLATE_MAX_BYTES) {
        free(text);
        snprintf(err, errlen, "template '%s' %s", id, text ? "is over 1 MiB" : ": out of memory");
        return NULL;
    }
    t = template_compile(text, len, err, errlen);
    free(text);
    return t;
}

/* Every template field must be a column (or title, reference, deadline),
 * and each row must have given it. */
static int check_fields(pass *p, const template *t)
{
    size_t nf;
    const char *const *fields = template_fields(t, &nf);
    char field[80];

    for (size_t i = 0; i < nf; i++) {
        if (!strcmp(fields[i], "title") || !strcmp(fields[i], "reference") ||
            !strcmp(fields[i], "deadline"))
            continue;
        long c = api_rows_col(p->rs, fields[i]);
        if (!strcmp(fields[i], "rrn"))
            return -1;
        snprintf(field, sizeof field, "personalisation.%s", fields[i]);
        for (size_t r = 0; r < p->n; r++)
            if (!p->out[r].status && (c < 0 || !(p->rows[r]->present & (1ull << c))))
                set_result(&p->out[r], 400, field, "the template needs this field");
    }
    return 0;
}

static csv_header *header_of(const api_rows *rs)
{
    size_t start[API_MAX_COLS], len[API_MAX_COLS], off = 0;
    char data[API_MAX_COLS * 66], err[128];

    for (size_t i = 0; i < rs->ncols; i++) {
        size_t n = strlen(rs->cols[i]);
        memcpy(data + off, rs->cols[i], n + 1);
        start[i] = off;
        len[i] = n;
        off += n + 1;
    }
    csv_row row = {data, start, len, rs->ncols, 1};
    return csv_header_from_row(&row, err, sizeof err);
}

/* Marks rows whose reference already has a notice: 200, the same notice. */
static int mark_existing(agency_intake *in, pass *p)
{
    char (*notices)[AGENCY_NOTICE_MAX + 1] = malloc(p->n * sizeof *notices);
    const char **refs = malloc(p->n * sizeof *refs);
    int rc = -1;

    if (notices && refs) {
        for (size_t i = 0; i < p->n; i++)
            refs[i] = p->refs[i];
        rc = agency_db_docs_known(in->db, refs, p->n, notices);
        for (size_t i = 0; rc == 0 && i < p->n; i++)
            if (notices[i][0] && !p->out[i].status)
                set_result(&p->out[i], 200, NULL, notices[i]);
    }
    free(notices);
    free(refs);
    return rc;
}

/* The hub's verdict on each row the pass submitted. */
static void record_submitted(agency_intake *in, pass *p, const char *job, const char *at)
{
    char (*notices)[AGENCY_NOTICE_MAX + 1] = malloc(p->n * sizeof *notices);
    const char **refs = malloc(p->n * sizeof *refs);
    size_t k = 0;

    if (!notices || !refs)
        goto done;
    for (size_t i = 0; i < p->n; i++)
        if (!p->out[i].status)
            refs[k++] = p->refs[i];
    if (agency_db_docs_known(in->db, refs, k, notices) != 0)
        goto done;
    for (size_t i = 0, j = 0; i < p->n; i++) {
        if (p->out[i].status)
            continue;
        if (notices[j][0])
            set_result(&p->out[i], 201, NULL, notices[j]);
        else
            set_result(&p->out[i], 502, NULL, "the hub did not take the notice: post it again");
        j++;
    }
    agency_db_api_accepted(in->db, refs, k, at, clock_now_ms());
done:
    (void)job;
    free(notices);
    free(refs);
}

/* The stored rows' caller references, before they go to the hub, so
 * that the feed can name them in callbacks however fast it is. */
static int record_refs(agency_intake *in, pass *p, send_batch *b, const char *job,
                       const char *at)
{
    const char **refs = malloc((b->npending + 1) * sizeof *refs);
    const char **callers = malloc((b->npending + 1) * sizeof *callers);
    size_t k = 0;
    int rc = -1;

    if (refs && callers) {
        for (size_t i = 0; i < b->npending; i++) {
            send_row *r = b->pending[i];
            if (r->done)
                continue;
            refs[k] = r->reference;
            callers[k++] = p->rows[r->line - 1]->ref;
        }
        rc = agency_db_api_refs_add(in->db, refs, callers, job[0] ? job : NULL, k, at);
    }
    free(refs);
    free(callers);
    return rc;
}

static void fail_open(pass *p, int status, const char *field, const char *detail)
{
    for (size_t i = 0; i < p->n; i++)
        if (!p->out[i].status)
            set_result(&p->out[i], status, field, detail);
}

/* The send pipeline for rows that share rs's template, title and
 * deadline. Every row ends with a status in p->out. */
static void run_pass(agency_intake *in, pass *p, const char *job)
{
    sender s;
    send_batch b = {0};
    char err[256], at[25];
    template *t = agency_intake_template(in->cfg, p->rs->tpl, err, sizeof err);

    clock_rfc3339_ms(at, clock_now_ms());
    for (size_t i = 0; i < p->n; i++)
        agency_ref_api(p->rows[i]->ref, p->refs[i]);
    if (!t) {
        fail_open(p, 400, "template", err);
        return;
    }
    if (check_fields(p, t) != 0) {
        template_free(t);
        fail_open(p, 400, "template", "the template must not show the rrn field");
        return;
    }
    memset(&s, 0, sizeof s);
    s.cfg = *in->cfg; /* a shallow copy: read only, never freed */
    s.csv_path = "api";
    s.title = p->rs->title;
    s.deadline = p->rs->deadline;
    s.urgent = p->rs->urgent;
    s.tpl = t;
    s.hdr = header_of(p->rs);
    s.ncols = p->rs->ncols;
    s.col_rrn = API_COL_RRN;
    s.col_name = API_COL_NAME;
    s.col_address = API_COL_ADDRESS;
    s.db = in->db;
    s.idsvc = in->idsvc;
    s.quiet = 1;
    s.reference_for = reference_for;
    s.row_error = row_error;
    s.hook_ctx = p;
    s.test = in->test;
    pthread_mutex_init(&s.out_lock, NULL);
    b.rows = calloc(p->n, sizeof *b.rows);
    b.pending = calloc(p->n, sizeof *b.pending);
    if (!s.hdr || !b.rows || !b.pending || mark_existing(in, p) != 0) {
        fail_open(p, 503, NULL, "out of memory or database error: try again");
        goto done;
    }
    for (size_t i = 0; i < p->n; i++) {
        if (p->out[i].status)
            continue;
        const api_row *r = p->rows[i];
        csv_row cr = {r->data, r->start, r->len, p->rs->ncols, (long)i + 1};
        if (agency_send_batch_take(&s, &b, &cr) != 0) {
            fail_open(p, 503, NULL, "out of memory: try again");
            goto done;
        }
    }
    if (agency_send_batch_prepare(&s, &b) != 0) {
        fail_open(p, 503, NULL, "idsvc or the database is unavailable: post again");
        goto done;
    }
    if (record_refs(in, p, &b, job, at) != 0 ||
        agency_send_batch_submit(&s, in->hub, b.pending, b.npending) != 0) {
        fail_open(p, 502, NULL, "the hub is unavailable: post again (the reference makes "
                  "that safe)");
        goto done;
    }
    record_submitted(in, p, job, at);
done:
    agency_send_batch_clear(&b);
    free(b.rows);
    free(b.pending);
    csv_header_free(s.hdr);
    template_free(t);
    pthread_mutex_destroy(&s.out_lock);
}

/* Runs n rows; out and refs are the pass's. */
static void run_rows(agency_intake *in, const api_rows *rs, api_row **rows, size_t n,
                     intake_result *out, const char *job)
{
    char (*refs)[FIELD_REFERENCE_MAX + 1] = calloc(n ? n : 1, sizeof *refs);
    pass p = {rs, rows, out, refs, n};

    if (!refs) {
        fail_open(&p, 503, NULL, "out of memory: try again");
        return;
    }
    run_pass(in, &p, job);
    free(refs);
}

/* ---- the worker ---- */

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

/* Hands each waiter its result, or frees work nobody waits for. */
static void finish_singles(agency_intake *in, work **ws, intake_result *out, size_t n)
{
    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; i < n; i++) {
        in->rows_held -= ws[i]->rs.nrows;
        api_rows_free(&ws[i]->rs); /* the RRN goes now */
        if (ws[i]->result) {
            *ws[i]->result = out[i];
            ws[i]->done = 1;
        } else {
            if (out[i].status >= 400)
                log_warn("a scheduled notice was refused: %s", out[i].detail);
            free(ws[i]);
        }
    }
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
}

/* 1 if one of the n works already has w's reference: the same notice
 * posted twice at once goes in the next pass, which finds it made. */
static int ref_in(work *const *ws, size_t n, const work *w)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ws[i]->rs.rows[0].ref, w->rs.rows[0].ref))
            return 1;
    return 0;
}

/* first and the single notices like it waiting behind, up to a batch. */
static void run_singles(agency_intake *in, work *first)
{
    work *ws[INTAKE_BATCH];
    api_row *rows[INTAKE_BATCH];
    intake_result *out = calloc(INTAKE_BATCH, sizeof *out);
    size_t n = 0;

    ws[n++] = first;
    pthread_mutex_lock(&in->lock);
    for (work **p = &in->ready; *p && n < INTAKE_BATCH;) {
        work *w = *p;
        if (!w->job[0] && same_kind(&w->rs, &first->rs) && !ref_in(ws, n, w)) {
            *p = w->next;
            if (in->ready_tail == w) {
                in->ready_tail = NULL;
                for (work *t = in->ready; t; t = t->next)
                    in->ready_tail = t;
            }
            ws[n++] = w;
        } else {
            p = &w->next;
        }
    }
    pthread_mutex_unlock(&in->lock);
    for (size_t i = 0; i < n; i++)
        rows[i] = &ws[i]->rs.rows[0];
    if (out) {
        run_rows(in, &first->rs, rows, n, out, "");
        finish_singles(in, ws, out, n);
    } else {
        intake_result oom = {503, "", "out of memory: try again"};
        for (size_t i = 0; i < n; i++)
            finish_singles(in, &ws[i], &oom, 1);
    }
    free(out);
}

static void save_job_errors(agency_intake *in, const char *job, api_row **rows,
                            const intake_result *out, size_t n)
{
    long *nums = malloc((n + 1) * sizeof *nums);
    const char **fields = malloc((n + 1) * sizeof *fields);
    const char **details = malloc((n + 1) * sizeof *details);
    size_t k = 0;

    if (nums && fields && details) {
        for (size_t i = 0; i < n; i++)
            if (out[i].status >= 400) {
                nums[k] = rows[i]->row;
                fields[k] = out[i].field;
                details[k++] = out[i].detail;
            }
        if (agency_db_api_job_errors(in->db, job, nums, fields, details, k) != 0)
            log_error("job %s: cannot record %zu refused rows", job, k);
    }
    free(nums);
    free(fields);
    free(details);
}

/* One batch of a bulk; back to the queue's end while rows remain. */
static void run_bulk_batch(agency_intake *in, work *w)
{
    size_t n = w->rs.nrows - w->next_row;
    api_row *rows[INTAKE_BATCH];
    intake_result *out;
    char at[25];

    if (n > INTAKE_BATCH)
        n = INTAKE_BATCH;
    out = calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        rows[i] = &w->rs.rows[w->next_row + i];
    if (out) {
        run_rows(in, &w->rs, rows, n, out, w->job);
        for (size_t i = 0; i < n; i++) {
            if (out[i].status == 201)
                w->accepted++;
            else if (out[i].status == 200)
                w->existing++;
            else
                w->failed++;
        }
        save_job_errors(in, w->job, rows, out, n);
    }
    free(out);
    for (size_t i = 0; i < n; i++)
        api_row_free(rows[i]);
    w->next_row += n;
    w->processed += (long)n;
    int more = w->next_row < w->rs.nrows;
    clock_rfc3339_ms(at, clock_now_ms());
    agency_db_api_job_update(in->db, w->job, more ? "running" : "done", w->processed,
                             w->accepted, w->existing, w->failed, more ? NULL : at);
    pthread_mutex_lock(&in->lock);
    in->rows_held -= n;
    if (more)
        queue_ready(in, w);
    pthread_mutex_unlock(&in->lock);
    if (!more) {
        log_info("job %s done: %ld accepted, %ld existing, %ld failed", w->job, w->accepted,
                 w->existing, w->failed);
        work_free(w);
    }
}

static void *worker_main(void *arg)
{
    agency_intake *in = arg;

    for (;;) {
        work *w = NULL;
        long long next_ms;
        pthread_mutex_lock(&in->lock);
        while (!in->stopping) {
            release_due(in, clock_now_ms(), &next_ms);
            if ((w = pop_ready(in)) != NULL)
                break;
            if (next_ms) {
                struct timespec until = clock_after_ms(next_ms - clock_now_ms());
                pthread_cond_timedwait(&in->changed, &in->lock, &until);
            } else {
                pthread_cond_wait(&in->changed, &in->lock);
            }
        }
        pthread_mutex_unlock(&in->lock);
        if (!w)
            return NULL;
        if (w->job[0])
            run_bulk_batch(in, w);
        else
            run_singles(in, w);
    }
}

/* ---- the calls ---- */

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
    pthread_cond_init(&in->changed, NULL);
    if (test && !(in->db = agency_db_open_test(cfg->test_db_path, err, errlen))) {
        agency_intake_stop(in);
        return NULL;
    }
    if (!test && (!(in->db = agency_db_open(cfg->db_path, err, errlen)) ||
                  !(in->idsvc = http_client_new(cfg->idsvc_url, cfg->idsvc_key)) ||
                  !(in->hub = http_client_new(cfg->hub_url, cfg->hub_key)))) {
        if (in->db)
            snprintf(err, errlen, "cannot make an HTTP client");
        agency_intake_stop(in);
        return NULL;
    }
    in->started = pthread_create(&in->thread, NULL, worker_main, in) == 0;
    if (!in->started) {
        snprintf(err, errlen, "cannot start the intake thread");
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

void agency_intake_stop(agency_intake *in)
{
    if (!in)
        return;
    pthread_mutex_lock(&in->lock);
    in->stopping = 1;
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
    if (in->started)
        pthread_join(in->thread, NULL);
    /* Waiters are gone: the HTTP server stopped first. */
    drop_list(in->ready);
    drop_list(in->scheduled);
    agency_db_close(in->db);
    http_client_free(in->idsvc);
    http_client_free(in->hub);
    pthread_cond_destroy(&in->changed);
    pthread_mutex_destroy(&in->lock);
    free(in);
}

void agency_intake_notice(agency_intake *in, api_rows *rs, long wait_ms, intake_result *out)
{
    work *w = calloc(1, sizeof *w);
    int scheduled = rs->scheduled_ms > clock_now_ms();

    memset(out, 0, sizeof *out);
    if (!w) {
        set_result(out, 503, NULL, "out of memory: try again");
        return;
    }
    w->rs = *rs;
    memset(rs, 0, sizeof *rs);
    w->result = scheduled ? NULL : out;
    if (enqueue(in, w) != 0) {
        *rs = w->rs;
        free(w);
        set_result(out, 503, NULL, "the server holds too many notices: try again later");
        return;
    }
    if (scheduled) {
        set_result(out, 202, NULL, "scheduled");
        return;
    }
    struct timespec until = clock_after_ms(wait_ms);
    pthread_mutex_lock(&in->lock);
    while (!w->done && !in->stopping)
        if (pthread_cond_timedwait(&in->changed, &in->lock, &until) != 0)
            break;
    if (w->done) {
        free(w);
    } else {
        /* Still queued: the worker frees it; the caller asks again. */
        w->result = NULL;
        set_result(out, 202, NULL, "queued");
    }
    pthread_mutex_unlock(&in->lock);
}

int agency_intake_bulk(agency_intake *in, const char *job, api_rows *rs, long failed)
{
    work *w = calloc(1, sizeof *w);

    if (!w)
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

const char *agency_intake_waiting(agency_intake *in, const char *caller_ref)
{
    const char *state = NULL;

    pthread_mutex_lock(&in->lock);
    for (work *w = in->scheduled; w && !state; w = w->next)
        if (holds(w, caller_ref))
            state = "scheduled";
    for (work *w = in->ready; w && !state; w = w->next)
        if (holds(w, caller_ref))
            state = "queued";
    pthread_mutex_unlock(&in->lock);
    return state;
}
