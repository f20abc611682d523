/* agency_send.c -- `herald agency send`: recipient file to notices.
 *
 * Streams a recipient CSV in batches: RRNs become CIs at idsvc in one call
 * per batch and stay in memory only (wiped after use), each document is
 * rendered and stored here with its SHA-256 and the recipient's rk, then
 * the batch goes to the hub as notices. References derive from the run's
 * inputs and the row's line, so running the same send again resumes it
 * without creating a second notice. A bad row is reported with its line
 * and counted, never dropped silently, and the rest still go.
 *
 * Threads overlap the work so that neither idsvc nor the hub waits on
 * the other: the main thread reads, converts, renders and stores the next
 * batch while submitting threads have earlier ones at the hub. Only stored
 * batches are handed over (a small bounded queue), so a stop at any point
 * leaves stored documents that a re-run submits. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "agency_ref.h"
#include "buf.h"
#include "ci.h"
#include "cli.h"
#include "csv.h"
#include "http_client.h"
#include "log.h"
#include "rrn.h"
#include "template.h"
#include "utf8.h"

#define SEND_DEFAULT_BATCH 1000
#define SEND_MAX_BATCH 10000
#define SEND_ATTEMPTS 5
/* Batches at the hub at once: while the hub writes one, it reads and checks
 * the next. */
#define SEND_SUBMITTERS 2
/* Batches alive at once: one being prepared, one waiting, the ones at the hub. */
#define SEND_IN_FLIGHT (SEND_SUBMITTERS + 2)
#define CMD "agency send"

static const char usage[] =
    "Usage: herald agency send --config agency.ini --template FILE --title TITLE\n"
    "                          --deadline DATE [--batch N] [--quiet] RECIPIENTS.csv\n\n"
    "Reads RECIPIENTS.csv (RFC 4180, UTF-8, a header row naming the columns: rrn,\n"
    "name and address, then any personalisation fields). For each batch of rows it\n"
    "converts the RRNs to CIs at idsvc in one call, renders one HTML document per\n"
    "row from the template, stores documents, SHA-256, name, address and recipient\n"
    "key (rk) in the agency database (never the RRN or the CI), then submits the\n"
    "notices to the hub and records the notice ids it returns.\n\n"
    "The template's ((field)) placeholders may name any column but rrn, and title,\n"
    "reference and deadline; every one must exist before anything is sent.\n"
    "Each row's reference is RUNID-LINE, RUNID derived from the CSV's SHA-256, the\n"
    "template, the title and the deadline: running the same send again submits only\n"
    "what is missing and creates no duplicate notice. The link sent is\n"
    "[agency] public_url/documents/REFERENCE.\n\n"
    "A malformed row, a bad RRN (shown masked), a render error or a per-item\n"
    "refusal by idsvc or the hub is reported on stderr with its line number,\n"
    "skipped and counted. Progress goes to stderr; at the end one JSON line goes to\n"
    "stdout: {\"rows\":N,\"submitted\":N,\"accepted\":N,\"duplicates\":N,\"failed\":N}.\n"
    "Exit status: 0 when every row went through, 2 when some failed, 1 on a fatal\n"
    "error (idsvc or hub unreachable after retries, database error): what was\n"
    "stored stays, and a re-run completes it.\n\n"
    "  --config FILE     agency.ini ([agency], [idsvc] and [hub] url and key_file)\n"
    "  --template FILE   the HTML template (at most 1 MiB)\n"
    "  --title TEXT      the notice title, at most 200 bytes\n"
    "  --deadline DATE   YYYY-MM-DD (end of that day, Korean time) or RFC 3339 UTC\n"
    "  --batch N         rows per batch, 1 to 10000 (default 1000)\n"
    "  --quiet           no progress output\n";

/* One recipient row while its batch is in flight. */
typedef struct row {
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
    int done; /* failed or already a notice: no further step */
} row;

/* One batch of rows on its way from the file to the hub. */
typedef struct batch {
    row *rows;       /* batch_max slots */
    size_t nrows;
    row **pending;   /* the rows still to store and submit */
    size_t npending;
} batch;

typedef struct counts {
    long rows, submitted, accepted, duplicates, failed;
} counts;

/* Hands stored batches from the preparing thread to the submitting one,
 * and the emptied batches back: at most SEND_IN_FLIGHT exist. */
typedef struct handoff {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    batch *ready[SEND_IN_FLIGHT], *spare[SEND_IN_FLIGHT];
    size_t head, nready, nspare;
    int closed;  /* no more batches will come */
    int broken;  /* the submitter stopped on a fatal error */
} handoff;

typedef struct sender {
    agency_cfg cfg;
    const char *csv_path, *title, *deadline;
    long batch_max;
    int quiet, tty;
    FILE *f;
    long long file_size;
    template *tpl;
    csv_reader *csv;
    csv_header *hdr;
    size_t ncols;
    long col_rrn, col_name, col_address;
    char run_id[AGENCY_RUN_ID_LEN + 1];
    agency_db *db;          /* shared by the preparing and submitting threads */
    http_client *idsvc;     /* the preparing thread's */
    http_client *hub[SEND_SUBMITTERS]; /* one per submitting thread */
    batch batches[SEND_IN_FLIGHT];
    handoff q;
    pthread_mutex_t out_lock; /* guards n and what goes to stderr */
    counts n;
    time_t last_progress;
} sender;

/* ---- reporting ---- */

static void clear_bar(const sender *s)
{
    if (s->tty && !s->quiet)
        fputs("\r\033[K", stderr);
}

static void row_error(sender *s, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A skipped row: "FILE: line N: reason" on stderr, counted as failed. */
static void row_error(sender *s, long line, const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&s->out_lock);
    clear_bar(s);
    fprintf(stderr, "%s: line %ld: ", s->csv_path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    s->n.failed++;
    pthread_mutex_unlock(&s->out_lock);
}

/* Adds to one of the counts, which both threads move. */
static void count(sender *s, long *field, long k)
{
    pthread_mutex_lock(&s->out_lock);
    *field += k;
    pthread_mutex_unlock(&s->out_lock);
}

static void show_progress(sender *s, int final, int pct)
{
    time_t now = time(NULL);

    if (s->quiet || (!final && !s->tty && now - s->last_progress < 2))
        return;
    s->last_progress = now;
    if (final || pct > 100)
        pct = 100;
    if (s->tty) {
        char bar[31];
        int fill = pct * 30 / 100;
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(30 - fill));
        bar[30] = '\0';
        fprintf(stderr, "\r\033[K[%s] %3d%% %ld rows, %ld accepted, %ld duplicates, %ld failed%s",
                bar, pct, s->n.rows, s->n.accepted, s->n.duplicates, s->n.failed,
                final ? "\n" : "");
    } else {
        fprintf(stderr, "progress: %d%%, %ld rows, %ld accepted, %ld duplicates, %ld failed\n",
                pct, s->n.rows, s->n.accepted, s->n.duplicates, s->n.failed);
    }
}

/* Called by the preparing thread, which alone moves the file position. */
static void progress(sender *s, int final)
{
    long pos = ftell(s->f);
    int pct = s->file_size > 0 && pos >= 0 ? (int)(100.0 * (double)pos / (double)s->file_size) : 0;

    pthread_mutex_lock(&s->out_lock);
    show_progress(s, final, pct);
    pthread_mutex_unlock(&s->out_lock);
}

/* ---- rows ---- */

static void row_free(row *r)
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

static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->nrows; i++)
        row_free(&b->rows[i]);
    b->nrows = 0;
    b->npending = 0;
}

/* Copies the row's fields but the RRN, which goes to r->rrn as digits. */
static int row_copy(sender *s, const csv_row *cr, const rrn *parsed, row *r)
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
    agency_reference(s->run_id, r->line, r->reference);
    return 0;
}

/* Takes one CSV record into the batch, or reports why not. -1: fatal. */
static int take_row(sender *s, batch *b, const csv_row *cr)
{
    const char *rrn_text = csv_row_field(cr, (size_t)s->col_rrn), *why = NULL;
    size_t len = csv_row_len(cr, (size_t)s->col_rrn);
    char masked[RRN_MASKED_LEN + 1];
    rrn parsed;

    count(s, &s->n.rows, 1);
    if (rrn_parse(rrn_text, len, rrn_today(), 0, &parsed, &why) == RRN_INVALID) {
        rrn_mask(masked, rrn_text, len);
        row_error(s, csv_row_line(cr), "RRN %s: %s", masked, why);
        return 0;
    }
    row *r = &b->rows[b->nrows];
    memset(r, 0, sizeof *r);
    b->nrows++;
    int rc = row_copy(s, cr, &parsed, r);
    secure_wipe(&parsed, sizeof parsed);
    return rc;
}

/* Reads up to batch_max good rows. Returns 1 when more may follow, 0 at
 * the end of the file, -1 on a fatal read error. */
static int fill_batch(sender *s, batch *b)
{
    char err[256];
    csv_row cr;

    while (b->nrows < (size_t)s->batch_max) {
        int r = csv_next(s->csv, &cr, err, sizeof err);
        if (r == CSV_EOF)
            return 0;
        if (r == CSV_FATAL) {
            pthread_mutex_lock(&s->out_lock);
            clear_bar(s);
            fprintf(stderr, "herald %s: %s: %s\n", CMD, s->csv_path, err);
            pthread_mutex_unlock(&s->out_lock);
            return -1;
        }
        if (r == CSV_BAD) {
            pthread_mutex_lock(&s->out_lock);
            s->n.rows++;
            clear_bar(s);
            fprintf(stderr, "%s: %s\n", s->csv_path, err);
            s->n.failed++;
            pthread_mutex_unlock(&s->out_lock);
            continue;
        }
        if (take_row(s, b, &cr) != 0)
            return -1;
    }
    return 1;
}

/* ---- remote calls ---- */

/* POSTs body with retries while the peer is away or overloaded (no answer,
 * 429, 5xx), backing off 0.25 s, 0.5 s, 1 s, 2 s. Returns 0 with the
 * answer in *reply, or -1 after printing why. */
static int post_with_retry(http_client *c, const char *who, const char *path,
                           const buf *body, json_t **reply)
{
    char err[512];
    int status = 0;

    for (int attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
        if (attempt) {
            struct timespec ts = {0, 0};
            long ms = 250L << (attempt - 1);
            ts.tv_sec = ms / 1000;
            ts.tv_nsec = (ms % 1000) * 1000000L;
            nanosleep(&ts, NULL);
        }
        status = http_client_call(c, "POST", path, body->data, body->len, reply, err,
                                  sizeof err);
        if (status == 200 && json_is_object(*reply))
            return 0;
        if (status == 200)
            snprintf(err, sizeof err, "POST %s: answer is not JSON", path);
        json_decref(*reply);
        *reply = NULL;
        if (status != 0 && status != 429 && status < 500)
            break;
    }
    fprintf(stderr, "herald %s: %s: %s\n", CMD, who, err);
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

static void apply_ci_results(sender *s, json_t *res, row **pending, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(res, i);
        const char *ci = json_string_value(json_object_get(item, "ci"));
        const char *e = json_string_value(json_object_get(item, "error"));
        const char *w = json_string_value(json_object_get(item, "warning"));
        char masked[RRN_MASKED_LEN + 1];
        row *r = pending[i];

        rrn_mask(masked, r->rrn, RRN_DIGITS);
        if (!ci || !ci_is_well_formed(ci, strlen(ci))) {
            row_error(s, r->line, "RRN %s: idsvc: %s", masked, e ? e : "no CI in the answer");
            r->done = 1;
            continue;
        }
        if (w) {
            pthread_mutex_lock(&s->out_lock);
            clear_bar(s);
            fprintf(stderr, "%s: line %ld: warning: RRN %s: %s\n", s->csv_path, r->line,
                    masked, w);
            pthread_mutex_unlock(&s->out_lock);
        }
        memcpy(r->ci, ci, CI_LEN + 1);
    }
}

/* One idsvc call for the batch's pending rows. -1: fatal. */
static int convert_rrns(sender *s, row **pending, size_t n)
{
    json_t *reply = NULL, *res;
    buf body;
    int rc = -1;

    buf_init(&body, n * 20 + 32);
    buf_puts(&body, "{\"rrns\":[");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&body, i ? ",\"" : "\"");
        buf_append(&body, pending[i]->rrn, RRN_DIGITS);
        buf_puts(&body, "\"");
    }
    buf_puts(&body, "]}");
    if (!body.broken && post_with_retry(s->idsvc, "idsvc", "/v1/ci", &body, &reply) == 0 &&
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
    const row *r;
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

static void render_row(sender *s, row *r)
{
    lookup_ctx l = {s, r};
    uint8_t sum[SHA256_LEN];
    char err[256];
    buf out;

    buf_init(&out, 4096);
    if (template_render(s->tpl, lookup_field, &l, &out, err, sizeof err) != 0 || out.broken) {
        buf_free(&out);
        row_error(s, r->line, "cannot render the document: %s", err);
        r->done = 1;
        return;
    }
    r->doc = buf_take(&out, &r->doc_len);
    sha256(r->doc, r->doc_len, sum);
    hex_encode(r->sha, sum, sizeof sum);
    ci_rk(r->ci, r->rk);
}

static int store_rows(sender *s, row **pending, size_t n)
{
    agency_doc *docs = calloc(n ? n : 1, sizeof *docs);
    size_t k = 0;
    int rc;

    if (!docs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        row *r = pending[i];
        if (r->done)
            continue;
        docs[k++] = (agency_doc){
            .reference = r->reference, .name = r->field[s->col_name],
            .address = r->field[s->col_address], .title = s->title,
            .deadline = s->deadline, .rk = r->rk, .doc_sha256 = r->sha,
            .body = r->doc, .body_len = r->doc_len, .line = r->line,
        };
    }
    rc = agency_db_docs_store(s->db, docs, k);
    free(docs);
    if (rc != 0)
        fprintf(stderr, "herald %s: cannot store documents in %s\n", CMD, s->cfg.db_path);
    return rc;
}

/* ---- notices ---- */

/* One notice; its title and deadline go once, in the batch's "common". */
static void notice_json(const sender *s, const row *r, buf *b)
{
    char link[FIELD_LINK_MAX + 1];

    agency_link(s->cfg.public_url, r->reference, link);
    buf_puts(b, "{\"reference\":");
    buf_json_string(b, r->reference);
    buf_puts(b, ",\"ci\":\"");
    buf_append(b, r->ci, CI_LEN);
    buf_puts(b, "\",\"doc_sha256\":\"");
    buf_puts(b, r->sha);
    buf_puts(b, "\",\"link\":");
    buf_json_string(b, link);
    buf_puts(b, "}");
}

/* Records what the hub said of each notice. -1: database error. */
static int apply_notice_results(sender *s, json_t *res, row **live, size_t n)
{
    const char **refs = calloc(n, sizeof *refs), **ids = calloc(n, sizeof *ids),
               **states = calloc(n, sizeof *states);
    int rc = -1;

    if (refs && ids && states) {
        for (size_t i = 0; i < n; i++) {
            json_t *item = json_array_get(res, i);
            const char *id = json_string_value(json_object_get(item, "notice"));
            const char *ref = json_string_value(json_object_get(item, "reference"));
            const char *e = json_string_value(json_object_get(item, "error"));

            refs[i] = live[i]->reference;
            if (!id || !*id || strlen(id) > AGENCY_NOTICE_MAX ||
                (ref && strcmp(ref, live[i]->reference) != 0)) {
                row_error(s, live[i]->line, "hub refused the notice: %s",
                          e ? e : "no notice id in the answer");
                continue;
            }
            ids[i] = id;
            states[i] = json_string_value(json_object_get(item, "state"));
            if (!states[i])
                states[i] = "accepted";
            if (json_is_true(json_object_get(item, "duplicate")))
                count(s, &s->n.duplicates, 1);
            else
                count(s, &s->n.accepted, 1);
        }
        rc = agency_db_docs_answered(s->db, refs, ids, states, n);
        if (rc != 0)
            fprintf(stderr, "herald %s: cannot record notice ids in %s\n", CMD,
                    s->cfg.db_path);
    }
    free(refs);
    free(ids);
    free(states);
    return rc;
}

static int submit_rows(sender *s, http_client *hub, row **pending, size_t n)
{
    row **live = calloc(n ? n : 1, sizeof *live);
    json_t *reply = NULL, *res;
    size_t k = 0;
    buf body;
    int rc = -1;

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
    else if (!body.broken && post_with_retry(hub, "hub", "/v1/notices", &body, &reply) == 0 &&
             (res = results_of(reply, k, "hub")) != NULL) {
        count(s, &s->n.submitted, (long)k);
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
static int skip_known(sender *s, batch *b)
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
                count(s, &s->n.duplicates, 1);
                b->rows[i].done = 1;
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
static int prepare_batch(sender *s, batch *b)
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

/* ---- the hand-over ---- */

/* An empty batch for the preparing thread; NULL once the submitter broke. */
static batch *take_spare(handoff *q)
{
    batch *b = NULL;

    pthread_mutex_lock(&q->lock);
    while (!q->broken && !q->nspare)
        pthread_cond_wait(&q->changed, &q->lock);
    if (!q->broken)
        b = q->spare[--q->nspare];
    pthread_mutex_unlock(&q->lock);
    return b;
}

static void give_spare(handoff *q, batch *b)
{
    pthread_mutex_lock(&q->lock);
    q->spare[q->nspare++] = b;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* Queues a stored batch for the hub, in file order. */
static void give_ready(handoff *q, batch *b)
{
    pthread_mutex_lock(&q->lock);
    q->ready[(q->head + q->nready++) % SEND_IN_FLIGHT] = b;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* The next stored batch; NULL when none will come any more. */
static batch *take_ready(handoff *q)
{
    batch *b = NULL;

    pthread_mutex_lock(&q->lock);
    while (!q->nready && !q->closed)
        pthread_cond_wait(&q->changed, &q->lock);
    if (q->nready) {
        b = q->ready[q->head];
        q->head = (q->head + 1) % SEND_IN_FLIGHT;
        q->nready--;
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

static void set_flag(handoff *q, int *flag)
{
    pthread_mutex_lock(&q->lock);
    *flag = 1;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

static int is_broken(handoff *q)
{
    int broken;

    pthread_mutex_lock(&q->lock);
    broken = q->broken;
    pthread_mutex_unlock(&q->lock);
    return broken;
}

typedef struct submitter {
    sender *s;
    http_client *hub;
    pthread_t thread;
    int started;
} submitter;

/* A submitting thread: each stored batch it takes to the hub, then its
 * notice ids into the database. After a fatal error (its own or
 * another's) it stops submitting but still takes the batches queued
 * behind (their documents are stored; a re-run submits them). */
static void *submitter_main(void *arg)
{
    submitter *me = arg;
    sender *s = me->s;
    batch *b;

    while ((b = take_ready(&s->q)) != NULL) {
        if (!is_broken(&s->q) && submit_rows(s, me->hub, b->pending, b->npending) != 0)
            set_flag(&s->q, &s->q.broken);
        batch_clear(b);
        give_spare(&s->q, b);
    }
    return NULL;
}

/* ---- setup ---- */

static int parse_args(sender *s, int argc, char **argv, const char **config,
                      const char **tpl_path)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"template", required_argument, 0, 't'},
        {"title", required_argument, 0, 'T'},
        {"deadline", required_argument, 0, 'd'},
        {"batch", required_argument, 0, 'b'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *why;
    size_t len;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': *config = optarg; break;
        case 't': *tpl_path = optarg; break;
        case 'T': s->title = optarg; break;
        case 'd': s->deadline = optarg; break;
        case 'b':
            if (cli_parse_long(optarg, 1, SEND_MAX_BATCH, &s->batch_max) != 0)
                return cli_usage_error(CMD, "--batch must be 1 to %d", SEND_MAX_BATCH);
            break;
        case 'q': s->quiet = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (!*config || !*tpl_path || !s->title || !s->deadline)
        return cli_usage_error(CMD, "--config, --template, --title and --deadline are required");
    if (optind + 1 != argc)
        return cli_usage_error(CMD, "exactly one recipient CSV file is expected");
    s->csv_path = argv[optind];
    len = strlen(s->title);
    if (!len || len > FIELD_TITLE_MAX)
        return cli_usage_error(CMD, "--title must be 1 to %d bytes", FIELD_TITLE_MAX);
    if (!field_title_ok(s->title, len))
        return cli_usage_error(CMD, "%s", utf8_valid(s->title, len)
                                              ? "--title must not hold control characters"
                                              : "--title must be valid UTF-8");
    if ((why = agency_deadline_check(s->deadline)) != NULL)
        return cli_usage_error(CMD, "--deadline: %s", why);
    return 0;
}

/* Reads the whole template file (bounded) and compiles it; its SHA-256
 * goes into the run id. */
static int load_template(sender *s, const char *path, uint8_t sum[SHA256_LEN])
{
    FILE *f = fopen(path, "rb");
    char *text = malloc(TEMPLATE_MAX_BYTES + 1), err[256];
    size_t len = 0;

    if (!f || !text) {
        if (f)
            fclose(f);
        free(text);
        return cli_fail(CMD, "%s: %s", path, f ? "out of memory" : strerror(errno));
    }
    len = fread(text, 1, TEMPLATE_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || len > TEMPLATE_MAX_BYTES) {
        free(text);
        return cli_fail(CMD, "%s: %s", path, bad ? "read error" : "template over 1 MiB");
    }
    sha256(text, len, sum);
    s->tpl = template_compile(text, len, err, sizeof err);
    free(text);
    if (!s->tpl)
        return cli_fail(CMD, "%s: %s", path, err);
    return EXIT_OK;
}

/* Hashes the recipient file (for the run id) and leaves it open at its
 * start, unbuffered so that no stdio copy of the RRNs lingers. */
static int open_csv(sender *s, uint8_t sum[SHA256_LEN])
{
    static char block[1 << 16];
    sha256_stream h;
    struct stat st;
    size_t n;

    if (!(s->f = fopen(s->csv_path, "rb")))
        return cli_fail(CMD, "%s: %s", s->csv_path, strerror(errno));
    if (fstat(fileno(s->f), &st) == 0)
        s->file_size = st.st_size;
    sha256_stream_init(&h);
    while ((n = fread(block, 1, sizeof block, s->f)) > 0)
        sha256_stream_update(&h, block, n);
    secure_wipe(block, sizeof block);
    sha256_stream_final(&h, sum);
    if (ferror(s->f) || fseek(s->f, 0, SEEK_SET) != 0)
        return cli_fail(CMD, "%s: read error", s->csv_path);
    setvbuf(s->f, NULL, _IONBF, 0);
    if (!(s->csv = csv_open(s->f, NULL)))
        return cli_fail(CMD, "out of memory");
    return EXIT_OK;
}

static int check_columns(sender *s)
{
    static const char *const builtin[] = {"title", "reference", "deadline"};
    size_t nf;
    const char *const *fields = template_fields(s->tpl, &nf);

    s->ncols = csv_header_count(s->hdr);
    s->col_rrn = csv_header_index(s->hdr, "rrn");
    s->col_name = csv_header_index(s->hdr, "name");
    s->col_address = csv_header_index(s->hdr, "address");
    if (s->col_rrn < 0 || s->col_name < 0 || s->col_address < 0)
        return cli_fail(CMD, "%s: the header row must name the columns rrn, name and address",
                        s->csv_path);
    for (size_t i = 0; i < 3; i++)
        if (csv_header_index(s->hdr, builtin[i]) >= 0)
            return cli_fail(CMD, "%s: column '%s' clashes with the built-in template field",
                            s->csv_path, builtin[i]);
    for (size_t i = 0; i < nf; i++) {
        int known = !strcmp(fields[i], "title") || !strcmp(fields[i], "reference") ||
                    !strcmp(fields[i], "deadline");
        if (!strcmp(fields[i], "rrn"))
            return cli_fail(CMD, "the template must not show the rrn field");
        if (!known && csv_header_index(s->hdr, fields[i]) < 0)
            return cli_fail(CMD, "template field '%s' is not a column of %s", fields[i],
                            s->csv_path);
    }
    return EXIT_OK;
}

static int prepare(sender *s, const char *config, const char *tpl_path)
{
    uint8_t tsum[SHA256_LEN], csum[SHA256_LEN];
    char err[1024];

    if (agency_config_load(&s->cfg, config, AGENCY_NEED_IDSVC | AGENCY_NEED_HUB, err,
                           sizeof err) != 0)
        return cli_fail(CMD, "%s", err);
    if (load_template(s, tpl_path, tsum) != EXIT_OK || open_csv(s, csum) != EXIT_OK)
        return EXIT_FAIL;
    if (!(s->hdr = csv_read_header(s->csv, err, sizeof err)))
        return cli_fail(CMD, "%s: %s", s->csv_path, err);
    if (check_columns(s) != EXIT_OK)
        return EXIT_FAIL;
    agency_run_id(csum, tsum, s->title, s->deadline, s->run_id);
    if (!(s->db = agency_db_open(s->cfg.db_path, err, sizeof err)))
        return cli_fail(CMD, "%s", err);
    s->idsvc = http_client_new(s->cfg.idsvc_url, s->cfg.idsvc_key);
    if (!s->idsvc)
        return cli_fail(CMD, "out of memory");
    for (size_t i = 0; i < SEND_SUBMITTERS; i++)
        if (!(s->hub[i] = http_client_new(s->cfg.hub_url, s->cfg.hub_key)))
            return cli_fail(CMD, "out of memory");
    for (size_t i = 0; i < SEND_IN_FLIGHT; i++) {
        batch *b = &s->batches[i];
        b->rows = calloc((size_t)s->batch_max, sizeof *b->rows);
        b->pending = calloc((size_t)s->batch_max, sizeof *b->pending);
        if (!b->rows || !b->pending)
            return cli_fail(CMD, "out of memory");
        s->q.spare[s->q.nspare++] = b;
    }
    return EXIT_OK;
}

static void cleanup(sender *s)
{
    for (size_t i = 0; i < SEND_IN_FLIGHT; i++) {
        batch_clear(&s->batches[i]);
        free(s->batches[i].rows);
        free(s->batches[i].pending);
    }
    http_client_free(s->idsvc);
    for (size_t i = 0; i < SEND_SUBMITTERS; i++)
        http_client_free(s->hub[i]);
    agency_db_close(s->db);
    csv_header_free(s->hdr);
    csv_close(s->csv);
    if (s->f)
        fclose(s->f);
    template_free(s->tpl);
    agency_config_free(&s->cfg);
}

/* The preparing side: reads, converts, renders and stores batch after
 * batch and hands each over. 0, or -1 on a fatal error here. */
static int prepare_all(sender *s)
{
    int more = 1;
    batch *b;

    while (more > 0) {
        if (!(b = take_spare(&s->q)))
            return 0; /* the submitter broke: it said why */
        more = fill_batch(s, b);
        if (more < 0 || prepare_batch(s, b) != 0) {
            batch_clear(b);
            give_spare(&s->q, b);
            return -1;
        }
        if (b->npending) {
            give_ready(&s->q, b);
        } else {
            batch_clear(b);
            give_spare(&s->q, b);
        }
        progress(s, 0);
    }
    return 0;
}

static int run(sender *s)
{
    submitter subs[SEND_SUBMITTERS] = {{0}};
    int rc = 0;

    log_info("run %s: sending %s in batches of %ld", s->run_id, s->csv_path, s->batch_max);
    for (size_t i = 0; i < SEND_SUBMITTERS && rc == 0; i++) {
        subs[i] = (submitter){.s = s, .hub = s->hub[i]};
        subs[i].started = pthread_create(&subs[i].thread, NULL, submitter_main, &subs[i]) == 0;
        if (!subs[i].started)
            rc = cli_fail(CMD, "cannot start a submitting thread");
    }
    if (rc == 0)
        rc = prepare_all(s);
    set_flag(&s->q, &s->q.closed);
    for (size_t i = 0; i < SEND_SUBMITTERS; i++)
        if (subs[i].started)
            pthread_join(subs[i].thread, NULL);
    if (rc != 0 || s->q.broken)
        return EXIT_FAIL;
    progress(s, 1);
    return s->n.failed ? EXIT_USAGE : EXIT_OK;
}

int agency_send_main(int argc, char **argv)
{
    const char *config = NULL, *tpl_path = NULL;
    sender s = {.batch_max = SEND_DEFAULT_BATCH};
    int rc;

    pthread_mutex_init(&s.out_lock, NULL);
    pthread_mutex_init(&s.q.lock, NULL);
    pthread_cond_init(&s.q.changed, NULL);

    if ((rc = parse_args(&s, argc, argv, &config, &tpl_path)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    log_set_name("agency");
    s.tty = isatty(2);
    rc = prepare(&s, config, tpl_path);
    if (rc == EXIT_OK) {
        rc = run(&s);
        printf("{\"rows\":%ld,\"submitted\":%ld,\"accepted\":%ld,\"duplicates\":%ld,"
               "\"failed\":%ld}\n", s.n.rows, s.n.submitted, s.n.accepted, s.n.duplicates,
               s.n.failed);
        if (rc == EXIT_FAIL)
            fprintf(stderr, "herald %s: stopped; what was stored stays, run the same send "
                    "again to complete it\n", CMD);
    }
    cleanup(&s);
    pthread_cond_destroy(&s.q.changed);
    pthread_mutex_destroy(&s.q.lock);
    pthread_mutex_destroy(&s.out_lock);
    return rc;
}
