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
#include "agency_send.h"
#include "batch.h"
#include "buf.h"
#include "ci.h"
#include "cli.h"
#include "csv.h"
#include "http_client.h"
#include "log.h"
#include "payment_ref.h"
#include "rrn.h"
#include "letter_text.h"
#include "template.h"
#include "utf8.h"


static const char usage[] =
    "Usage: herald agency send --config agency.ini --template FILE --title TITLE\n"
    "                          --deadline DATE [--urgent] [--batch N] [--patience S]\n"
    "                          [--quiet] RECIPIENTS.csv\n\n"
    "Reads RECIPIENTS.csv (RFC 4180, UTF-8, a header row naming the columns: rrn,\n"
    "name and address, then any personalisation fields; amount_krw and\n"
    "payment_code together, with payment_due optional, give the notice a payment\n"
    "reference, which `agency paid` settles). For each batch of rows it\n"
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
    "  --urgent          mark every notice urgent (a summons, a benefit deadline):\n"
    "                    the hub relays it and the platform alerts it before bulk\n"
    "                    notices waiting there; the run id does not change\n"
    "  --batch N         rows per batch, 1 to 10000 (default 1000)\n"
    "  --patience S      while idsvc or the hub is away (no answer, 429 or 5xx),\n"
    "                    retry each call for up to S seconds, 1 to 86400 (default\n"
    "                    60), then stop with exit status 1\n"
    "  --quiet           no progress output\n";

/* ---- reporting ---- */

void agency_send_clear_bar(const sender *s)
{
    if (s->tty && !s->quiet)
        fputs("\r\033[K", stderr);
}

/* A skipped row: "FILE: line N: reason" on stderr, counted as failed. */
void agency_send_row_error(sender *s, long line, const char *column, const char *fmt, ...)
{
    va_list ap;

    if (s->row_error) {
        char msg[512];
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        pthread_mutex_lock(&s->out_lock);
        s->n.failed++;
        pthread_mutex_unlock(&s->out_lock);
        s->row_error(s->hook_ctx, line, column, msg);
        return;
    }
    pthread_mutex_lock(&s->out_lock);
    agency_send_clear_bar(s);
    fprintf(stderr, "%s: line %ld: ", s->csv_path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    s->n.failed++;
    pthread_mutex_unlock(&s->out_lock);
}

/* Adds to one of the counts, which both threads move. */
void agency_send_count(sender *s, long *field, long k)
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

/* ---- the hand-over ---- */

/* An empty batch for the preparing thread; NULL once the submitter broke. */
static send_batch *take_spare(handoff *q)
{
    send_batch *b = NULL;

    pthread_mutex_lock(&q->lock);
    while (!q->broken && !q->nspare)
        pthread_cond_wait(&q->changed, &q->lock);
    if (!q->broken)
        b = q->spare[--q->nspare];
    pthread_mutex_unlock(&q->lock);
    return b;
}

static void give_spare(handoff *q, send_batch *b)
{
    pthread_mutex_lock(&q->lock);
    q->spare[q->nspare++] = b;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* Queues a stored batch for the hub, in file order. */
static void give_ready(handoff *q, send_batch *b)
{
    pthread_mutex_lock(&q->lock);
    q->ready[(q->head + q->nready++) % SEND_IN_FLIGHT] = b;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* The next stored batch; NULL when none will come any more. */
static send_batch *take_ready(handoff *q)
{
    send_batch *b = NULL;

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
    send_batch *b;

    while ((b = take_ready(&s->q)) != NULL) {
        if (!is_broken(&s->q) && agency_send_batch_submit(s, me->hub, b->pending, b->npending, NULL, 0) != 0)
            set_flag(&s->q, &s->q.broken);
        agency_send_batch_clear(b);
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
        {"urgent", no_argument, 0, 'u'},
        {"patience", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *why;
    size_t len;
    int c;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'c': *config = optarg; break;
        case 't': *tpl_path = optarg; break;
        case 'T': s->title = optarg; break;
        case 'd': s->deadline = optarg; break;
        case 'b':
            if (cli_parse_long(optarg, 1, BATCH_MAX_ITEMS, &s->batch_max) != 0)
                return cli_usage_error(CMD, "--batch must be 1 to %d", BATCH_MAX_ITEMS);
            break;
        case 'q': s->quiet = 1; break;
        case 'u': s->urgent = 1; break;
        case 'p':
            if (cli_parse_long(optarg, 1, 86400, &s->patience_ms) != 0)
                return cli_usage_error(CMD, "--patience must be 1 to 86400 seconds");
            s->patience_ms *= 1000;
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option(CMD, c, argc, argv);
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
        return cli_usage_error(CMD, "%s", !utf8_valid(s->title, len)
                                              ? "--title must be valid UTF-8"
                                              : field_text_has_rrn(s->title, len)
                                              ? "--title must not hold a resident registration number"
                                              : "--title must not hold control characters");
    if ((why = agency_ref_deadline_check(s->deadline)) != NULL)
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
    if (letter_template_problem(s->tpl, err, sizeof err) != 0)
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
    const char *why;
    size_t nf;
    const char *const *fields = template_fields(s->tpl, &nf);

    s->ncols = csv_header_count(s->hdr);
    s->col_rrn = csv_header_index(s->hdr, "rrn");
    s->col_name = csv_header_index(s->hdr, "name");
    s->col_address = csv_header_index(s->hdr, "address");
    if (s->col_rrn < 0 || s->col_name < 0 || s->col_address < 0)
        return cli_fail(CMD, "%s: the header row must name the columns rrn, name and address",
                        s->csv_path);
    s->col_amount = csv_header_index(s->hdr, PAYMENT_COL_AMOUNT);
    s->col_code = csv_header_index(s->hdr, PAYMENT_COL_CODE);
    s->col_due = csv_header_index(s->hdr, PAYMENT_COL_DUE);
    if ((why = payment_ref_columns(s->col_amount >= 0, s->col_code >= 0, s->col_due >= 0)))
        return cli_fail(CMD, "%s: %s", s->csv_path, why);
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
    agency_ref_run_id(csum, tsum, s->title, s->deadline, s->run_id);
    if (!(s->db = agency_db_open(s->cfg.db_path, err, sizeof err)))
        return cli_fail(CMD, "%s", err);
    s->idsvc = http_client_new(s->cfg.idsvc_url, s->cfg.idsvc_key);
    if (!s->idsvc)
        return cli_fail(CMD, "out of memory");
    for (size_t i = 0; i < SEND_SUBMITTERS; i++)
        if (!(s->hub[i] = http_client_new(s->cfg.hub_url, s->cfg.hub_key)))
            return cli_fail(CMD, "out of memory");
    for (size_t i = 0; i < SEND_IN_FLIGHT; i++) {
        send_batch *b = &s->batches[i];
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
        agency_send_batch_clear(&s->batches[i]);
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
    send_batch *b;

    while (more > 0) {
        if (!(b = take_spare(&s->q)))
            return 0; /* the submitter broke: it said why */
        more = agency_send_batch_fill(s, b);
        if (more < 0 || agency_send_batch_prepare(s, b) != 0) {
            agency_send_batch_clear(b);
            give_spare(&s->q, b);
            return -1;
        }
        if (b->npending) {
            give_ready(&s->q, b);
        } else {
            agency_send_batch_clear(b);
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
