/* agency_intake_pass.c -- see agency_intake_pass.h. */
#include "agency_intake_pass.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db.h"
#include "agency_ref.h"
#include "clock.h"
#include "letter_text.h"
#include "payment_ref.h"
#include "rrn.h"

void intake_result_set(intake_result *r, int status, const char *field, const char *detail)
{
    r->status = status;
    snprintf(r->field, sizeof r->field, "%s", field ? field : "");
    snprintf(r->detail, sizeof r->detail, "%s", detail ? detail : "");
    /* A refusal is answered, kept with its job and may be logged: what
     * looks like an RRN in it goes masked, whatever text it came from. */
    if (status >= 400)
        rrn_mask_standalone(r->detail, strlen(r->detail));
}

static const char *reference_for(void *ctx, long line)
{
    return ((intake_pass *)ctx)->refs[line - 1];
}

static const char *caller_ref_for(void *ctx, long line)
{
    return ((intake_pass *)ctx)->rows[line - 1]->ref;
}

/* A row the pipeline refused (its message's RRNs masked already), with
 * the column at fault named as the API names fields: rrn, name, address,
 * personalisation (the template as a whole) or personalisation.NAME. */
static void row_error(void *ctx, long line, const char *column, const char *msg)
{
    intake_pass *p = ctx;
    char field[API_FIELD_MAX + 1] = "";
    int by_hub = column && !strcmp(column, AGENCY_SEND_BY_HUB);
    int conflict = column && !strcmp(column, AGENCY_SEND_CONFLICT);

    if (conflict)
        snprintf(field, sizeof field, "reference");
    else if (column && !by_hub)
        api_field_name(field, column, strlen(column));
    intake_result_set(&p->out[line - 1], by_hub ? 422 : conflict ? 409 : 400, field, msg);
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
    if (t && letter_template_problem(t, err, errlen) != 0) {
        template_free(t);
        return NULL;
    }
    return t;
}

#define RRN_FIELD_SHOWN "the template must not show the rrn field"

/* Every template field must be a column (or title, reference, deadline),
 * and each of rows must have given it (out[i] set when not): 0, or -1
 * when the template shows the rrn field. */
static int check_fields(const api_rows *rs, const template *t, api_row *const *rows, size_t n,
                        intake_result *out)
{
    size_t nf;
    const char *const *fields = template_fields(t, &nf);
    char field[API_FIELD_MAX + 1];

    for (size_t i = 0; i < nf; i++) {
        if (!strcmp(fields[i], "title") || !strcmp(fields[i], "reference") ||
            !strcmp(fields[i], "deadline"))
            continue;
        long c = api_rows_col(rs, fields[i]);
        if (!strcmp(fields[i], "rrn"))
            return -1;
        api_field_name(field, fields[i], strlen(fields[i]));
        for (size_t r = 0; r < n; r++)
            if (!out[r].status && (c < 0 || !(rows[r]->present & (1ull << c))))
                intake_result_set(&out[r], 400, field, "the template needs this field");
    }
    return 0;
}

int intake_precheck(const agency_cfg *cfg, const api_rows *rs, intake_result *out)
{
    const api_row *r = &rs->rows[0];
    char masked[RRN_MASKED_LEN + 1], err[256];
    const char *why = NULL, *rrn_text = api_row_field(r, API_COL_RRN);
    api_row *rows[1] = {(api_row *)r};
    rrn parsed;
    template *t;

    memset(out, 0, sizeof *out);
    if (rrn_parse(rrn_text, r->len[API_COL_RRN], rs->today, 0, &parsed, &why) == RRN_INVALID) {
        rrn_mask(masked, rrn_text, r->len[API_COL_RRN]);
        snprintf(err, sizeof err, "RRN %s: %s", masked, why);
        intake_result_set(out, 400, "rrn", err);
        return -1;
    }
    secure_wipe(&parsed, sizeof parsed);
    if (!(t = agency_intake_template(cfg, rs->tpl, err, sizeof err))) {
        intake_result_set(out, 400, "template", err);
        return -1;
    }
    if (check_fields(rs, t, rows, 1, out) != 0)
        intake_result_set(out, 400, "template", RRN_FIELD_SHOWN);
    template_free(t);
    return out->status ? -1 : 0;
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

/* Marks rows whose reference already has a notice: 200, the same notice.
 * Only a reference an earlier post made can have one: a reference named
 * now is new, and a bulk of new rows asks nothing here. */
static int mark_existing(intake_pass *p)
{
    char (*notices)[AGENCY_NOTICE_MAX + 1] = malloc((p->n + 1) * sizeof *notices);
    const char **refs = malloc((p->n + 1) * sizeof *refs);
    size_t *row = malloc((p->n + 1) * sizeof *row);
    size_t k = 0;
    int rc = -1;

    if (notices && refs && row) {
        for (size_t i = 0; i < p->n; i++)
            if (p->named_before[i]) {
                row[k] = i;
                refs[k++] = p->refs[i];
            }
        rc = k ? agency_db_docs_known(p->s.db, refs, k, notices) : 0;
        for (size_t j = 0; rc == 0 && j < k; j++)
            if (notices[j][0] && !p->out[row[j]].status)
                intake_result_set(&p->out[row[j]], 200, NULL, notices[j]);
    }
    free(notices);
    free(refs);
    free(row);
    return rc;
}

static void fail_open(intake_pass *p, int status, const char *field, const char *detail)
{
    for (size_t i = 0; i < p->n; i++)
        if (!p->out[i].status)
            intake_result_set(&p->out[i], status, field, detail);
}

/* The sender that the send pipeline's steps take, for p's rows. */
static void set_sender(intake_pass *p, const agency_cfg *cfg, agency_db *db,
                       http_client *idsvc, int test, template *t)
{
    sender *s = &p->s;

    memset(s, 0, sizeof *s);
    s->cfg = *cfg; /* a shallow copy: read only, never freed */
    s->csv_path = "api";
    s->title = p->rs->title;
    s->deadline = p->rs->deadline;
    s->urgent = p->rs->urgent;
    s->tpl = t;
    s->hdr = header_of(p->rs);
    s->ncols = p->rs->ncols;
    s->col_rrn = API_COL_RRN;
    s->col_name = API_COL_NAME;
    s->col_address = API_COL_ADDRESS;
    s->col_amount = api_rows_col(p->rs, PAYMENT_COL_AMOUNT);
    s->col_code = api_rows_col(p->rs, PAYMENT_COL_CODE);
    s->col_due = api_rows_col(p->rs, PAYMENT_COL_DUE);
    s->db = db;
    s->idsvc = idsvc;
    s->quiet = 1;
    s->reference_for = reference_for;
    s->caller_ref_for = caller_ref_for;
    s->api_job = p->job[0] ? p->job : NULL;
    s->api_created = p->at;
    s->row_error = row_error;
    s->hook_ctx = p;
    s->test = test;
    s->give_up = p->give_up;
    pthread_mutex_init(&s->out_lock, NULL);
}

/* The rows into the batch, converted, rendered and stored. 0, or -1
 * after failing the rows still open. */
static int take_and_store(intake_pass *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->out[i].status)
            continue;
        const api_row *r = p->rows[i];
        csv_row cr = {r->data, r->start, r->len, p->rs->ncols, (long)i + 1};
        if (agency_send_batch_take(&p->s, &p->b, &cr) != 0) {
            fail_open(p, 503, NULL, "out of memory: try again");
            return -1;
        }
    }
    /* Stores each document with its caller reference. */
    if (agency_send_batch_prepare(&p->s, &p->b) != 0) {
        fail_open(p, 503, NULL, "idsvc or the database is unavailable: post again (the "
                  "reference makes that safe)");
        return -1;
    }
    return 0;
}

/* Each row's agency reference: the one its caller reference already has
 * (posted before, or earlier in this bulk), else a new one of this batch.
 * The worker prepares batches one at a time and records the references
 * of each before the next, so a caller reference never gets two. */
static int name_rows(intake_pass *p, long long now)
{
    const char **callers = malloc((p->n + 1) * sizeof *callers);
    int rc = -1;

    for (size_t i = 0; callers && i < p->n; i++)
        callers[i] = p->rows[i]->ref;
    if (callers)
        rc = agency_db_api_refs_of(p->s.db, callers, p->n, p->refs);
    for (size_t i = 0; i < p->n; i++) {
        p->named_before[i] = rc == 0 && p->refs[i][0];
        if (!p->named_before[i])
            agency_ref_api_at(p->rows[i]->ref, now, p->refs[i]);
    }
    free(callers);
    return rc;
}

void intake_pass_prepare(intake_pass *p, const agency_cfg *cfg, agency_db *db,
                         http_client *idsvc, int test)
{
    char err[256];
    template *t = agency_intake_template(cfg, p->rs->tpl, err, sizeof err);

    long long now = clock_now_ms();
    int named;

    p->stored = 0;
    clock_rfc3339_ms(p->at, now);
    set_sender(p, cfg, db, idsvc, test, t);
    named = name_rows(p, now);
    p->b.rows = calloc(p->n ? p->n : 1, sizeof *p->b.rows);
    p->b.pending = calloc(p->n ? p->n : 1, sizeof *p->b.pending);
    if (!t) {
        fail_open(p, 400, "template", err);
        return;
    }
    if (named != 0) {
        fail_open(p, 503, NULL, "database error: try again");
    } else if (check_fields(p->rs, t, p->rows, p->n, p->out) != 0) {
        fail_open(p, 400, "template", RRN_FIELD_SHOWN);
    } else if (!p->s.hdr || !p->b.rows || !p->b.pending || mark_existing(p) != 0) {
        fail_open(p, 503, NULL, "out of memory or database error: try again");
    } else if (take_and_store(p) == 0) {
        p->stored = 1;
    }
    /* Only rendering wanted these. */
    template_free(t);
    p->s.tpl = NULL;
    csv_header_free(p->s.hdr);
    p->s.hdr = NULL;
}

/* The hub's verdict on each row the pass submitted: the notice id it
 * answered with, recorded with the document already (and its accepted
 * entry with it); or the one a batch of the same caller reference got
 * while this one was prepared (found by the send pipeline's own look-up,
 * which then did not submit it, and whose entry that batch wrote). */
static void record_submitted(intake_pass *p)
{
    for (size_t j = 0; j < p->b.nrows; j++) {
        const send_row *r = &p->b.rows[j];
        size_t i = (size_t)r->line - 1;
        if (p->out[i].status || !r->notice[0])
            continue;
        intake_result_set(&p->out[i], 201, NULL, r->notice);
    }
    for (size_t i = 0; i < p->n; i++) /* no notice id came back for it */
        if (!p->out[i].status)
            intake_result_set(&p->out[i], 502, NULL,
                              "the hub did not take the notice: post it again");
}

void intake_pass_submit(intake_pass *p, http_client *hub)
{
    char refused[300] = "", detail[340];

    /* The accepted events say when the hub took the batch, not when it
     * was prepared. */
    clock_rfc3339_ms(p->at, clock_now_ms());
    if (p->stored && agency_send_batch_submit(&p->s, hub, p->b.pending, p->b.npending, refused,
                                              sizeof refused) == 0) {
        record_submitted(p);
    } else if (p->stored && refused[0]) { /* posting again changes nothing */
        snprintf(detail, sizeof detail, "the hub refused the batch: %s", refused);
        fail_open(p, 502, NULL, detail);
    } else if (p->stored) {
        fail_open(p, 502, NULL, "the hub is unavailable: post again (the reference makes "
                  "that safe)");
    } else { /* what prepare left open (nothing, unless memory ran out) */
        fail_open(p, 503, NULL, "out of memory or database error: try again");
    }
}

void intake_pass_clear(intake_pass *p)
{
    agency_send_batch_clear(&p->b);
    free(p->b.rows);
    free(p->b.pending);
    p->b.rows = NULL;
    p->b.pending = NULL;
    pthread_mutex_destroy(&p->s.out_lock);
}
