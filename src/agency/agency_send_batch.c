/* agency_send_batch.c -- one batch of `agency send` on its way from the
 * recipient file to the hub: rows copied (RRNs as digits, in memory only
 * and wiped with the row), RRNs turned into CIs at idsvc in one call,
 * documents rendered and stored with their SHA-256 and rk, then the
 * notices submitted and their ids recorded. Each step marks the rows it
 * failed, so the next one skips them and a bad row never stops the rest. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agency_send.h"
#include "batch.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "letter_text.h"
#include "log.h"
#include "payment_ref.h"
#include "seen_char.h"

/* ---- rows ---- */

static void row_free(send_row *r)
{
    if (r->data)
        secure_wipe(r->data, r->data_len);
    free(r->data);
    free(r->field);
    if (r->doc)
        secure_wipe(r->doc, r->doc_len);
    free(r->doc);
    secure_wipe(r, sizeof *r);
}

void agency_send_batch_clear(send_batch *b)
{
    for (size_t i = 0; i < b->nrows; i++)
        row_free(&b->rows[i]);
    b->nrows = 0;
    b->npending = 0;
}

/* Copies the row's fields but the RRN, which goes to r->rrn as digits. */
static int row_copy(sender *s, const csv_row *cr, const rrn *parsed, send_row *r)
{
    size_t total = 0, off = 0;

    for (size_t i = 0; i < s->ncols; i++)
        total += (long)i == s->col_rrn ? 1 : csv_row_len(cr, i) + 1;
    r->line = csv_row_line(cr);
    r->data = malloc(total);
    r->field = malloc(s->ncols * sizeof *r->field);
    if (!r->data || !r->field)
        return -1;
    r->data_len = total;
    for (size_t i = 0; i < s->ncols; i++) {
        size_t len = (long)i == s->col_rrn ? 0 : csv_row_len(cr, i);
        memcpy(r->data + off, csv_row_field(cr, i), len);
        r->data[off + len] = '\0';
        r->field[i] = r->data + off;
        off += len + 1;
    }
    memcpy(r->rrn, parsed->digits, sizeof r->rrn);
    if (s->reference_for)
        snprintf(r->reference, sizeof r->reference, "%s", s->reference_for(s->hook_ctx, r->line));
    else
        agency_ref_make(s->run_id, r->line, r->reference);
    return 0;
}

/* The RRN column is the one place an RRN may stand: in a name, an address
 * or a template's field it would be stored with the document and printed
 * on the letter. The first other column holding one, or -1; *at is where
 * in it. */
static long column_with_rrn(const sender *s, const csv_row *cr, int today, long *at)
{
    for (size_t i = 0; i < s->ncols; i++) {
        if ((long)i == s->col_rrn)
            continue;
        if ((*at = rrn_find_valid(csv_row_field(cr, i), csv_row_len(cr, i), today)) >= 0)
            return (long)i;
        if (seen_text_has_rrn(csv_row_field(cr, i), csv_row_len(cr, i), today))
            return (long)i; /* *at is -1: no ASCII digits to mask */
    }
    return -1;
}

/* Name and address are printed on paper if it comes to that, and the
 * other columns with the document: the first column a letter could not
 * print as stored (letter_text.h), or -1; *why says why. */
static long column_not_printable(const sender *s, const csv_row *cr, const char **why)
{
    for (size_t i = 0; i < s->ncols; i++) {
        const char *v = csv_row_field(cr, i);
        size_t len = csv_row_len(cr, i);
        if ((long)i == s->col_rrn)
            continue;
        *why = (long)i == s->col_name || (long)i == s->col_address ? letter_field_problem(v, len)
                                                                    : letter_value_problem(v, len);
        if (*why)
            return (long)i;
    }
    return -1;
}

int agency_send_batch_take(sender *s, send_batch *b, const csv_row *cr)
{
    const char *rrn_text = csv_row_field(cr, (size_t)s->col_rrn), *why = NULL;
    size_t len = csv_row_len(cr, (size_t)s->col_rrn);
    char masked[RRN_MASKED_LEN + 1];
    int today = rrn_today();
    long col, at;
    rrn parsed;

    agency_send_count(s, &s->n.rows, 1);
    if (rrn_parse(rrn_text, len, today, 0, &parsed, &why) == RRN_INVALID) {
        rrn_mask(masked, rrn_text, len);
        agency_send_row_error(s, csv_row_line(cr), "rrn", "RRN %s: %s", masked, why);
        return 0;
    }
    if ((col = column_with_rrn(s, cr, today, &at)) >= 0) {
        secure_wipe(&parsed, sizeof parsed);
        if (at >= 0)
            rrn_mask(masked, csv_row_field(cr, (size_t)col) + at,
                     csv_row_len(cr, (size_t)col) - (size_t)at);
        const char *name = csv_header_name(s->hdr, (size_t)col);
        agency_send_row_error(s, csv_row_line(cr), name, "column %s holds a resident "
                              "registration number (%s): only the rrn column may, as herald "
                              "stores no RRN", name,
                              at >= 0 ? masked : "in characters that show as its digits");
        return 0;
    }
    if ((col = column_not_printable(s, cr, &why)) >= 0) {
        secure_wipe(&parsed, sizeof parsed);
        const char *name = csv_header_name(s->hdr, (size_t)col);
        if (col == s->col_name || col == s->col_address)
            agency_send_row_error(s, csv_row_line(cr), col == s->col_name ? "name" : "address",
                                  "%s %s", col == s->col_name ? "name" : "address", why);
        else
            agency_send_row_error(s, csv_row_line(cr), name, "column %s %s", name, why);
        return 0;
    }
    send_row *r = &b->rows[b->nrows];
    memset(r, 0, sizeof *r);
    b->nrows++;
    int rc = row_copy(s, cr, &parsed, r);
    secure_wipe(&parsed, sizeof parsed);
    return rc;
}

/* Reads up to batch_max good rows. Returns 1 when more may follow, 0 at
 * the end of the file, -1 on a fatal read error. */
int agency_send_batch_fill(sender *s, send_batch *b)
{
    char err[256];
    csv_row cr;

    while (b->nrows < (size_t)s->batch_max) {
        int r = csv_next(s->csv, &cr, err, sizeof err);
        if (r == CSV_EOF)
            return 0;
        if (r == CSV_FATAL) {
            pthread_mutex_lock(&s->out_lock);
            agency_send_clear_bar(s);
            fprintf(stderr, "herald %s: %s: %s\n", CMD, s->csv_path, err);
            pthread_mutex_unlock(&s->out_lock);
            return -1;
        }
        if (r == CSV_BAD) {
            pthread_mutex_lock(&s->out_lock);
            s->n.rows++;
            agency_send_clear_bar(s);
            fprintf(stderr, "%s: %s\n", s->csv_path, err);
            s->n.failed++;
            pthread_mutex_unlock(&s->out_lock);
            continue;
        }
        if (agency_send_batch_take(s, b, &cr) != 0)
            return -1;
    }
    return 1;
}

/* ---- remote calls ---- */

/* How long a call is retried while its peer is away, unless the sender
 * says otherwise (--patience): a hub or idsvc restart (a crash, an
 * upgrade) takes seconds to a minute, and a run of a million rows must
 * not end for it. The pause between tries doubles from 0.25 s to 4 s. */
#define SEND_PATIENCE_MS 60000L
#define SEND_PAUSE_MAX_MS 4000L

static long elapsed_ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

static int giving_up(const sender *s)
{
    return s->give_up && atomic_load(s->give_up) != 0;
}

/* Sleeps ms, in steps of at most 250 ms so that a stop is seen: a hub's
 * Retry-After may say to wait until midnight (its daily quota). */
static void pause_ms(const sender *s, long ms)
{
    while (ms > 0 && !giving_up(s)) {
        long step = ms < 250 ? ms : 250;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* POSTs body, retrying while the peer is away or overloaded (no answer,
 * 429, 5xx) for up to patience_ms, and saying so on stderr at the
 * first retry and every ten seconds after. The hub and idsvc answer a
 * repeated batch as the first time (references and CIs are idempotent), so
 * a retry after a lost answer does no harm. A 429 or 503 that says when
 * to come back (Retry-After: the hub's rate limit and daily quota) is
 * waited out as long as it takes, and the patience starts again: a limit
 * is not a failure. Returns 0 with the answer in *reply, or -1 after
 * printing why; refused, when not NULL, then holds the peer's status and
 * reason when it answered and refused for good ("" when it did not). */
static int post_with_retry(const sender *s, http_client *c, const char *who, const char *path,
                           const buf *body, json_t **reply, char *refused, size_t refused_len)
{
    long patience_ms = s->patience_ms > 0 ? s->patience_ms : SEND_PATIENCE_MS;
    char err[512];
    int status = 0, tries = 0;
    long pause = 250, said = -10000, waited, told = 0;
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        status = http_client_call(c, "POST", path, body->data, body->len, reply, err,
                                  sizeof err);
        tries++;
        if (status == 200 && json_is_object(*reply)) {
            if (tries > 1)
                fprintf(stderr, "herald %s: %s answers again after %d tries, %.1f s\n", CMD,
                        who, tries, elapsed_ms_since(&t0) / 1000.0);
            return 0;
        }
        if (status == 200)
            snprintf(err, sizeof err, "POST %s: answer is not JSON", path);
        json_decref(*reply);
        *reply = NULL;
        if (giving_up(s))
            break; /* stopping: the caller posts again (its reference makes that safe) */
        long after = http_client_retry_after_s(c);
        if ((status == 429 || status == 503) && after >= 0) {
            if (!told++)
                fprintf(stderr, "herald %s: %s: %s; waiting %ld s as asked, then again\n",
                        CMD, who, err, after);
            pause_ms(s, after > 0 ? after * 1000 : 100);
            clock_gettime(CLOCK_MONOTONIC, &t0); /* a limit is not an outage */
            pause = 250;
            continue;
        }
        if (status != 0 && status != 429 && status < 500)
            break;
        if (http_client_pin_refused(c)) /* a wrong pin is no outage: waiting cannot fix it */
            break;
        waited = elapsed_ms_since(&t0);
        if (waited + pause > patience_ms)
            break;
        if (waited - said >= 10000) {
            fprintf(stderr, "herald %s: %s: %s; retrying for up to %ld s more\n", CMD, who,
                    err, (patience_ms - waited) / 1000);
            said = waited;
        }
        pause_ms(s, pause);
        pause = pause * 2 < SEND_PAUSE_MAX_MS ? pause * 2 : SEND_PAUSE_MAX_MS;
    }
    fprintf(stderr, "herald %s: %s: %s\n", CMD, who, err);
    if (refused && refused_len) {
        const char *from = strstr(err, "HTTP "); /* past the method and the URL */
        int answered = status != 0 && status < 500 && status != 429 &&
                       !http_client_pin_refused(c);
        snprintf(refused, refused_len, "%s", answered && from ? from : "");
    }
    return -1;
}

/* The "results" array of a batch answer, checked to have n items. */
static json_t *results_of(json_t *reply, size_t n, const char *who)
{
    json_t *res = json_object_get(reply, "results");

    if (!json_is_array(res) || json_array_size(res) != n) {
        fprintf(stderr, "herald %s: %s: answer does not hold one result per item\n", CMD, who);
        return NULL;
    }
    return res;
}

static void apply_ci_results(sender *s, json_t *res, send_row **pending, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(res, i);
        const char *ci = json_string_value(json_object_get(item, "ci"));
        const char *e = json_string_value(json_object_get(item, "error"));
        const char *w = json_string_value(json_object_get(item, "warning"));
        char masked[RRN_MASKED_LEN + 1];
        send_row *r = pending[i];

        rrn_mask(masked, r->rrn, RRN_DIGITS);
        if (!ci || !ci_is_well_formed(ci, strlen(ci))) {
            agency_send_row_error(s, r->line, "rrn", "RRN %s: idsvc: %s", masked,
                                  e ? e : "no CI in the answer");
            r->done = 1;
            continue;
        }
        if (w) {
            pthread_mutex_lock(&s->out_lock);
            agency_send_clear_bar(s);
            fprintf(stderr, "%s: line %ld: warning: RRN %s: %s\n", s->csv_path, r->line,
                    masked, w);
            pthread_mutex_unlock(&s->out_lock);
        }
        memcpy(r->ci, ci, CI_LEN + 1);
    }
}

/* One idsvc call for the batch's pending rows. -1: fatal. */
static int convert_rrns(sender *s, send_row **pending, size_t n)
{
    json_t *reply = NULL, *res;
    buf body;
    int rc = -1;

    if (s->test) {
        agency_send_test_convert(s, pending, n);
        return 0;
    }
    buf_init(&body, n * 20 + 32);
    buf_puts(&body, "{\"rrns\":[");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&body, i ? ",\"" : "\"");
        buf_append(&body, pending[i]->rrn, RRN_DIGITS);
        buf_puts(&body, "\"");
    }
    buf_puts(&body, "]}");
    if (!body.broken && post_with_retry(s, s->idsvc, "idsvc", "/v1/ci", &body, &reply, NULL, 0) == 0 &&
        (res = results_of(reply, n, "idsvc")) != NULL) {
        apply_ci_results(s, res, pending, n);
        rc = 0;
    }
    json_decref(reply);
    if (body.data)
        secure_wipe(body.data, body.cap);
    buf_free(&body);
    for (size_t i = 0; i < n; i++) /* the RRNs are done with */
        secure_wipe(pending[i]->rrn, sizeof pending[i]->rrn);
    return rc;
}

/* ---- documents ---- */

typedef struct lookup_ctx {
    const sender *s;
    const send_row *r;
} lookup_ctx;

static const char *lookup_field(void *ctx, const char *name)
{
    const lookup_ctx *l = ctx;
    long i;

    if (!strcmp(name, "title"))
        return l->s->title;
    if (!strcmp(name, "deadline"))
        return l->s->deadline;
    if (!strcmp(name, "reference"))
        return l->r->reference;
    i = csv_header_index(l->s->hdr, name);
    if (i < 0 || i == l->s->col_rrn)
        return NULL;
    return l->r->field[i];
}

/* The row's payment reference (amount_krw, payment_code, payment_due),
 * judged as payment_ref.c judges every way in: NULL, or what is wrong
 * with *column the column at fault. */
static const char *payment_of(const sender *s, send_row *r, const char **column)
{
    *column = NULL;
    r->amount_krw = 0;
    /* (both or neither: agency send's header check and the API see to it) */
    if (s->col_amount < 0 || s->col_code < 0)
        return NULL;
    return payment_ref_check(r->field[s->col_amount], r->field[s->col_code],
                             s->col_due >= 0 ? r->field[s->col_due] : NULL, &r->amount_krw,
                             column);
}

static void render_row(sender *s, send_row *r)
{
    lookup_ctx l = {s, r};
    uint8_t sum[SHA256_LEN];
    char err[256];
    const char *field = NULL, *why = payment_of(s, r, &field);
    buf out;

    if (why) {
        agency_send_row_error(s, r->line, field, "%s", why);
        r->done = 1;
        return;
    }
    buf_init(&out, 4096);
    buf_set_secret(&out); /* a refused document may hold an RRN: no copy left on a realloc */
    if (template_render_at(s->tpl, lookup_field, &l, &out, err, sizeof err, &field) != 0) {
        buf_free(&out);
        agency_send_row_error(s, r->line, field ? field : "personalisation",
                              "cannot render the document: %s", err);
        r->done = 1;
        return;
    }
    r->doc = buf_take(&out, &r->doc_len);
    sha256(r->doc, r->doc_len, sum);
    hex_encode(r->sha, sum, sizeof sum);
    ci_rk(r->ci, r->rk);
}

static int store_rows(sender *s, send_row **pending, size_t n)
{
    agency_doc *docs = calloc(n ? n : 1, sizeof *docs);
    unsigned char *outcome = calloc(n ? n : 1, 1);
    send_row **of = calloc(n ? n : 1, sizeof *of);
    long long now = clock_now_ms();
    size_t k = 0;
    int rc;

    if (!docs || !outcome || !of) {
        free(docs), free(outcome), free(of);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        send_row *r = pending[i];
        if (r->done)
            continue;
        of[k] = r;
        docs[k++] = (agency_doc){
            .reference = r->reference, .name = r->field[s->col_name],
            .address = r->field[s->col_address], .title = s->title,
            .deadline = s->deadline, .rk = r->rk, .doc_sha256 = r->sha,
            .body = r->doc, .body_len = r->doc_len, .line = r->line,
            .amount_krw = r->amount_krw, .stored_at = now,
            .payment_code = r->amount_krw ? r->field[s->col_code] : NULL,
            .payment_due = r->amount_krw && s->col_due >= 0 && *r->field[s->col_due]
                               ? r->field[s->col_due] : NULL,
            .caller_ref = s->caller_ref_for ? s->caller_ref_for(s->hook_ctx, r->line) : NULL,
            .job = s->api_job, .created = s->api_created,
        };
    }
    rc = agency_db_docs_store(s->db, docs, k, outcome);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        of[i]->fresh = outcome[i] == AGENCY_DOC_NEW;
        if (outcome[i] == AGENCY_DOC_CONFLICT) { /* the hub may hold the first document */
            agency_send_row_error(s, of[i]->line, AGENCY_SEND_CONFLICT,
                                  "this reference was first given with another document, "
                                  "which may already be at the hub: give this one a new "
                                  "reference");
            of[i]->done = 1;
        }
    }
    free(docs);
    free(outcome);
    free(of);
    if (rc != 0)
        fprintf(stderr, "herald %s: cannot store documents in %s\n", CMD, s->cfg.db_path);
    return rc;
}

/* ---- notices ---- */

/* One notice; its title and deadline go once, in the batch's "common". */
static void notice_json(const sender *s, const send_row *r, buf *b)
{
    char link[FIELD_LINK_MAX + 1];

    agency_ref_link(s->cfg.public_url, r->reference, link);
    buf_puts(b, "{\"reference\":");
    buf_json_string(b, r->reference);
    buf_puts(b, ",\"ci\":\"");
    buf_append(b, r->ci, CI_LEN);
    buf_puts(b, "\",\"doc_sha256\":\"");
    buf_puts(b, r->sha);
    buf_puts(b, "\",\"link\":");
    buf_json_string(b, link);
    buf_puts(b, s->urgent ? ",\"urgent\":true}" : "}");
}

int agency_send_answered(sender *s, send_row *const *rows, const char *const *ids,
                         const char *const *states, const int *outcomes, size_t n)
{
    const char **refs = calloc(n ? n : 1, sizeof *refs);
    const char **callers = s->caller_ref_for ? calloc(n ? n : 1, sizeof *callers) : NULL;
    agency_accepted api = {callers, s->api_created, clock_now_ms(), outcomes};
    int rc = -1;

    if (refs && (callers || !s->caller_ref_for)) {
        for (size_t i = 0; i < n; i++) {
            refs[i] = rows[i]->reference;
            if (callers)
                callers[i] = s->caller_ref_for(s->hook_ctx, rows[i]->line);
        }
        rc = agency_db_docs_answered(s->db, refs, ids, states, n, callers ? &api : NULL);
    }
    free(refs);
    free(callers);
    return rc;
}

/* Records what the hub said of each notice. -1: database error. */
static int apply_notice_results(sender *s, json_t *res, send_row **live, size_t n)
{
    const char **ids = calloc(n, sizeof *ids), **states = calloc(n, sizeof *states);
    const char **refused = calloc(n, sizeof *refused);
    size_t nrefused = 0;
    int rc = -1;

    if (ids && states && refused) {
        for (size_t i = 0; i < n; i++) {
            json_t *item = json_array_get(res, i);
            const char *id = json_string_value(json_object_get(item, "notice"));
            const char *ref = json_string_value(json_object_get(item, "reference"));
            const char *e = json_string_value(json_object_get(item, "error"));

            if (!id || !*id || strlen(id) > AGENCY_NOTICE_MAX ||
                (ref && strcmp(ref, live[i]->reference) != 0)) {
                agency_send_row_error(s, live[i]->line, AGENCY_SEND_BY_HUB,
                                      "hub refused the notice: %s",
                                      e ? e : "no notice id in the answer");
                /* its per-item refusal of what it never had: it holds none */
                if (e && !id && live[i]->fresh)
                    refused[nrefused++] = live[i]->reference;
                continue;
            }
            ids[i] = id;
            states[i] = json_string_value(json_object_get(item, "state"));
            if (!states[i])
                states[i] = "accepted";
            if (json_is_true(json_object_get(item, "duplicate")))
                agency_send_count(s, &s->n.duplicates, 1);
            else
                agency_send_count(s, &s->n.accepted, 1);
        }
        rc = agency_send_answered(s, live, ids, states, NULL, n);
        /* kept if this fails: as before, a reference that needs no other
         * document later */
        if (rc == 0 && agency_db_docs_refused(s->db, refused, nrefused) != 0)
            log_warn("cannot forget %zu documents the hub refused: their references keep"
                     " them", nrefused);
        if (rc != 0)
            fprintf(stderr, "herald %s: cannot record notice ids in %s\n", CMD,
                    s->cfg.db_path);
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (ids[i])
                snprintf(live[i]->notice, sizeof live[i]->notice, "%s", ids[i]);
    }
    free(ids);
    free(states);
    free(refused);
    return rc;
}

int agency_send_batch_submit(sender *s, http_client *hub, send_row **pending, size_t n,
                             char *refused, size_t refused_len)
{
    send_row **live = calloc(n ? n : 1, sizeof *live);
    json_t *reply = NULL, *res;
    size_t k = 0;
    buf body;
    int rc = -1;

    if (s->test) {
        free(live);
        return agency_send_test_submit(s, pending, n);
    }
    if (!live)
        return -1;
    buf_init(&body, n * 600 + 32);
    buf_puts(&body, "{\"common\":{\"title\":");
    buf_json_string(&body, s->title);
    buf_puts(&body, ",\"deadline\":");
    buf_json_string(&body, s->deadline);
    buf_puts(&body, "},\"notices\":[");
    for (size_t i = 0; i < n; i++) {
        if (pending[i]->done)
            continue;
        if (k)
            buf_puts(&body, ",");
        notice_json(s, pending[i], &body);
        live[k++] = pending[i];
    }
    buf_puts(&body, "]}");
    if (!k)
        rc = 0;
    else if (!body.broken && post_with_retry(s, hub, "hub", "/v1/notices", &body, &reply, refused,
                                         refused_len) == 0 &&
             (res = results_of(reply, k, "hub")) != NULL) {
        agency_send_count(s, &s->n.submitted, (long)k);
        rc = apply_notice_results(s, res, live, k);
    }
    json_decref(reply);
    if (body.data) /* it holds CIs */
        secure_wipe(body.data, body.cap);
    buf_free(&body);
    free(live);
    return rc;
}

/* ---- one batch ---- */

/* Marks rows whose reference already has a notice (an earlier run went
 * through for them) and lists the others in b->pending. */
static int skip_known(sender *s, send_batch *b)
{
    size_t n = b->nrows ? b->nrows : 1;
    const char **refs = malloc(n * sizeof *refs);
    char (*notices)[AGENCY_NOTICE_MAX + 1] = malloc(n * sizeof *notices);
    int rc = -1;

    b->npending = 0;
    if (refs && notices) {
        for (size_t i = 0; i < b->nrows; i++)
            refs[i] = b->rows[i].reference;
        rc = agency_db_docs_known(s->db, refs, b->nrows, notices);
        for (size_t i = 0; rc == 0 && i < b->nrows; i++) {
            if (notices[i][0]) {
                agency_send_count(s, &s->n.duplicates, 1);
                b->rows[i].done = 1;
                snprintf(b->rows[i].notice, sizeof b->rows[i].notice, "%s", notices[i]);
            } else {
                b->pending[b->npending++] = &b->rows[i];
            }
        }
    }
    free(refs);
    free(notices);
    return rc;
}

/* Converts, renders and stores what the batch still needs: after this the
 * batch may go to the hub. -1: fatal. */
int agency_send_batch_prepare(sender *s, send_batch *b)
{
    size_t n;

    if (skip_known(s, b) != 0)
        return -1;
    n = b->npending;
    if (!n)
        return 0;
    if (convert_rrns(s, b->pending, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!b->pending[i]->done)
            render_row(s, b->pending[i]);
    return store_rows(s, b->pending, n);
}
