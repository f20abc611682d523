/* agency_letters.c -- `herald agency postal --letters` and
 * `--handed-over BATCH`: the paper fallback as something a print house can
 * take. One run prints every letter still to print into one PDF and a
 * manifest CSV (both mode 0600, in the agency's own folder: letters stay
 * at the agency), and records them in the agency database as one batch, so
 * a second run prints none of them again. When the print house has taken
 * the batch, --handed-over tells the hub, which records PrintHandover for
 * each of its notices (POST /v1/postal/handover). The two are apart
 * because printing is not handing over: the evidence says when the
 * letters left the agency, not when the file was made. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "agency_feed.h"
#include "agency_ref.h"
#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "crypto.h"
#include "field.h"
#include "http_client.h"
#include "letter_pdf.h"
#include "letter_text.h"
#include "log.h"

#define CMD "agency postal"
#define HANDOVER_CHUNK 5000

static const char letters_usage[] =
    "Usage: herald agency postal --config agency.ini --letters [--out DIR] [--sync]\n"
    "       herald agency postal --config agency.ini --handed-over BATCH\n\n"
    "--letters prints every postal notice not yet printed (nor listed by --new) as\n"
    "letters for DL window envelopes into one PDF, with a manifest CSV beside it\n"
    "(letter,reference,notice,first_page,pages,postal_class,address), both mode 0600:\n"
    "DIR/letters-BATCH.pdf and DIR/letters-BATCH.csv. They are marked printed in the\n"
    "agency database under BATCH, so a second run prints none of them again; if a\n"
    "letter cannot be printed, nothing is written or marked. Prints one JSON line.\n\n"
    "--handed-over BATCH tells the hub that the batch went to the print house: the\n"
    "hub records PrintHandover, with the batch, for each of its notices.\n\n"
    "  --config FILE  agency.ini ([letters] return_name, return_address,\n"
    "                 return_contact, postal_class, read_url, verify_url)\n"
    "  --out DIR      where the files go (default: the agency's dir/letters)\n"
    "  --sync         first pull the hub's changes feed once\n";

typedef struct letters_opts {
    const char *config, *out, *handed_over;
    int letters, sync;
} letters_opts;

/* 0 to go on, -1 after --help, or a usage error's status. */
static int parse(int argc, char **argv, letters_opts *o)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"letters", no_argument, 0, 'l'},
        {"out", required_argument, 0, 'o'},    {"handed-over", required_argument, 0, 'b'},
        {"sync", no_argument, 0, 's'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;

    memset(o, 0, sizeof *o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'c') o->config = optarg;
        else if (c == 'l') o->letters = 1;
        else if (c == 'o') o->out = optarg;
        else if (c == 'b') o->handed_over = optarg;
        else if (c == 's') o->sync = 1;
        else if (c == 'h') { fputs(letters_usage, stdout); return -1; }
        else return cli_usage_error(CMD, "unknown option");
    }
    if (optind != argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!o->config)
        return cli_usage_error(CMD, "--config is required");
    if (o->letters == !!o->handed_over)
        return cli_usage_error(CMD, "give one of --letters and --handed-over BATCH");
    if (o->handed_over && (o->out || o->sync))
        return cli_usage_error(CMD, "--out and --sync go with --letters");
    if (o->handed_over && !field_reference_ok(o->handed_over, strlen(o->handed_over)))
        return cli_usage_error(CMD, "a batch id is 1-64 of [A-Za-z0-9._:-]");
    return 0;
}

/* ---- printing a batch ---- */

typedef struct run {
    const agency_cfg *cfg;
    letter_sender sender;
    const char *postal_class, *verify_url;
    char verify[FIELD_LINK_MAX + 16], class_label[128];
    letter_pdf *pdf;
    FILE *manifest;
    buf text;
    char **refs;
    size_t n, cap;
    long pages, flagged;
    char err[512];
} run;

/* RFC 4180 quoting, as the postal list does. */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Refuses a row a letter cannot be made of, naming the line and field. */
static int check_row(run *r, const agency_letter_row *row)
{
    static const char *const names[] = {"name", "address"};
    const char *values[] = {row->name, row->address};
    char why[256];

    for (int i = 0; i < 2; i++)
        if (!values[i][0] || letter_text_unprintable(values[i])) {
            snprintf(r->err, sizeof r->err, "line %ld (reference %s): field %s %s", row->line,
                     row->reference, names[i],
                     values[i][0] ? "holds control characters or invalid UTF-8" : "is empty");
            return -1;
        }
    if (!row->notice || !row->notice[0]) {
        snprintf(r->err, sizeof r->err, "line %ld (reference %s): no notice id from the hub",
                 row->line, row->reference);
        return -1;
    }
    r->text.len = 0;
    if (letter_text_from_html(row->body, row->body_len, &r->text, why, sizeof why) != 0) {
        snprintf(r->err, sizeof r->err, "line %ld (reference %s): field document: %s",
                 row->line, row->reference, why);
        return -1;
    }
    return 0;
}

static int keep_ref(run *r, const char *ref)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char **refs = realloc(r->refs, cap * sizeof *refs);
        if (!refs)
            return -1;
        r->refs = refs, r->cap = cap;
    }
    return (r->refs[r->n] = strdup(ref)) ? (int)(r->n++, 0) : -1;
}

static int print_letter(void *ctx, const agency_letter_row *row)
{
    run *r = ctx;
    char link[FIELD_LINK_MAX + 1];
    int pages;
    letter_fit fit;

    if (check_row(r, row) != 0)
        return -1;
    agency_ref_link(r->cfg->public_url, row->reference, link);
    letter l = {row->reference, row->notice, row->name, row->address, r->text.data, link,
                r->verify_url};
    if (letter_pdf_add(r->pdf, &l, &pages, &fit) != 0 || keep_ref(r, row->reference) != 0) {
        snprintf(r->err, sizeof r->err, "writing the PDF failed at line %ld", row->line);
        return -1;
    }
    fprintf(r->manifest, "%zu,", r->n);
    csv_field(r->manifest, row->reference);
    fprintf(r->manifest, ",%s,%ld,%d,", row->notice, r->pages + 1, pages);
    csv_field(r->manifest, r->postal_class);
    fprintf(r->manifest, ",%s\r\n", letter_fit_name(fit));
    r->pages += pages;
    r->flagged += fit != LETTER_FIT_OK;
    return ferror(r->manifest) ? (snprintf(r->err, sizeof r->err, "writing the manifest failed"), -1) : 0;
}

/* A new file, mode 0600, that must not exist yet. */
static FILE *create_0600(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    if (fd >= 0 && !f)
        close(fd);
    return f;
}

static int close_synced(FILE *f)
{
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;

    return fclose(f) != 0 || bad ? -1 : 0;
}

static const char *letters_key(const agency_cfg *c, const char *key, const char *def)
{
    const char *v = config_get(&c->ini, "letters", key);

    return v ? v : def;
}

static void set_up(run *r, const agency_cfg *c, const char *date)
{
    r->cfg = c;
    r->postal_class = letters_key(c, "postal_class", "standard");
    snprintf(r->class_label, sizeof r->class_label, "우편 구분 / Postal class: %s",
             r->postal_class);
    r->sender = (letter_sender){letters_key(c, "return_name", c->name),
                                letters_key(c, "return_address", ""),
                                letters_key(c, "return_contact", ""), r->class_label, date};
    r->verify_url = letters_key(c, "verify_url", NULL);
    const char *hub = config_get(&c->ini, "hub", "url"); /* read even when not needed */
    if (!r->verify_url && hub) {
        size_t n = strlen(hub);
        snprintf(r->verify, sizeof r->verify, "%.*s/verify",
                 (int)(n && hub[n - 1] == '/' ? n - 1 : n), hub);
        r->verify_url = r->verify;
    }
}

/* YYYYMMDDTHHMMSSZ-8 hex: sorts by time, unique without a counter. */
static void new_batch_id(char out[32], const char *at)
{
    uint8_t rnd[4];
    char hex[9];

    random_bytes(rnd, sizeof rnd);
    hex_encode(hex, rnd, sizeof rnd);
    snprintf(out, 32, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%s", at, at + 5, at + 8, at + 11, at + 14,
             at + 17, hex);
}

static void free_run(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->refs[i]);
    free(r->refs);
    buf_free(&r->text);
}

/* Writes both files; 0, or -1 with r->err set (the caller removes them). */
static int write_batch(run *r, agency_db *db, const char *pdf_path, const char *csv_path)
{
    FILE *pdf = create_0600(pdf_path);
    int rc;

    r->manifest = pdf ? create_0600(csv_path) : NULL;
    if (!pdf || !r->manifest) {
        snprintf(r->err, sizeof r->err, "cannot create %s: %s", pdf ? csv_path : pdf_path,
                 strerror(errno));
        if (pdf)
            fclose(pdf);
        return -1;
    }
    fputs("letter,reference,notice,first_page,pages,postal_class,address\r\n", r->manifest);
    r->pdf = letter_pdf_start(pdf, &r->sender, r->err, sizeof r->err);
    rc = r->pdf ? agency_db_letters_each(db, print_letter, r) : -1;
    if (rc != 0 && !r->err[0])
        snprintf(r->err, sizeof r->err, "cannot read the postal notices");
    if (r->pdf && letter_pdf_finish(r->pdf, rc ? NULL : r->err, rc ? 0 : sizeof r->err) != 0)
        rc = -1;
    if (close_synced(pdf) != 0 || close_synced(r->manifest) != 0) {
        if (!rc)
            snprintf(r->err, sizeof r->err, "writing the files failed");
        rc = -1;
    }
    return rc;
}

static int print_batch(const agency_cfg *c, agency_db *db, const char *out_dir)
{
    char at[25], batch[32], dir[AGENCY_PATH_MAX], pdf_path[AGENCY_PATH_MAX + 64],
        csv_path[AGENCY_PATH_MAX + 64], date[11];
    run r = {0};
    int rc;

    clock_rfc3339_ms(at, clock_now_ms());
    snprintf(date, sizeof date, "%.10s", at);
    new_batch_id(batch, at);
    snprintf(dir, sizeof dir, "%s", out_dir ? out_dir : c->dir);
    if (!out_dir)
        strncat(dir, "/letters", sizeof dir - strlen(dir) - 1);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail(CMD, "%s: cannot create: %s", dir, strerror(errno));
    snprintf(pdf_path, sizeof pdf_path, "%s/letters-%s.pdf", dir, batch);
    snprintf(csv_path, sizeof csv_path, "%s/letters-%s.csv", dir, batch);
    set_up(&r, c, date);
    buf_init(&r.text, 8192);
    rc = write_batch(&r, db, pdf_path, csv_path);
    if (rc == 0 && r.n) {
        rc = agency_db_letters_mark(db, batch, at, (const char *const *)r.refs, r.n, r.pages);
        if (rc != 0)
            snprintf(r.err, sizeof r.err, "%s", rc == 1 ? "another run printed some of these "
                     "letters meanwhile" : "cannot record the batch in the agency database");
    }
    if (rc != 0 || !r.n) {
        unlink(pdf_path);
        unlink(csv_path);
    }
    if (rc != 0) {
        free_run(&r);
        return cli_fail(CMD, "%s; nothing was printed or marked", r.err);
    }
    if (r.n)
        printf("{\"batch\":\"%s\",\"letters\":%zu,\"pages\":%ld,\"flagged\":%ld,"
               "\"pdf\":\"%s\",\"manifest\":\"%s\"}\n", batch, r.n, r.pages, r.flagged,
               pdf_path, csv_path);
    else
        printf("{\"batch\":null,\"letters\":0,\"pages\":0,\"flagged\":0}\n");
    log_info("letters: batch %s, %zu letters, %ld pages, %ld addresses flagged", r.n ? batch : "-",
             r.n, r.pages, r.flagged);
    free_run(&r);
    return EXIT_OK;
}

/* ---- reporting a hand-over ---- */

typedef struct handover {
    http_client *hub;
    const char *batch;
    json_t *items;
    long sent, recorded, duplicate, failed;
    char err[512];
} handover;

static int send_chunk(handover *h)
{
    json_t *body = json_pack("{s:{s:s},s:O}", "common", "batch", h->batch, "notices", h->items);
    json_t *reply = NULL, *results, *o;
    int status = http_client_json(h->hub, "POST", "/v1/postal/handover", body, &reply, h->err,
                                  sizeof h->err);
    size_t i;

    json_decref(body);
    results = json_object_get(reply, "results");
    if (status != 200 || !json_is_array(results) ||
        json_array_size(results) != json_array_size(h->items)) {
        if (status)
            snprintf(h->err, sizeof h->err, "the hub answered %d", status);
        json_decref(reply);
        return -1;
    }
    json_array_foreach(results, i, o) {
        const char *st = json_string_value(json_object_get(o, "status"));
        if (st && !strcmp(st, "recorded"))
            h->recorded++;
        else if (st && !strcmp(st, "duplicate"))
            h->duplicate++;
        else {
            h->failed++;
            log_warn("hand-over of %s: %s", json_string_value(json_object_get(o, "notice")),
                     json_string_value(json_object_get(o, "error")));
        }
    }
    h->sent += (long)json_array_size(h->items);
    json_array_clear(h->items);
    json_decref(reply);
    return 0;
}

static int add_notice(void *ctx, const char *notice, const char *reference)
{
    handover *h = ctx;

    (void)reference;
    json_array_append_new(h->items, json_pack("{s:s}", "notice", notice ? notice : ""));
    return json_array_size(h->items) >= HANDOVER_CHUNK ? send_chunk(h) : 0;
}

static int report_handover(const agency_cfg *c, agency_db *db, const char *batch)
{
    handover h = {http_client_new(c->hub_url, c->hub_key), batch, json_array(), 0, 0, 0, 0, ""};
    char was[32] = "", at[25];
    int found = h.hub && h.items ? agency_db_letters_batch(db, batch, add_notice, &h, was,
                                                           sizeof was) : -1;

    if (found == 1 && json_array_size(h.items) && send_chunk(&h) != 0)
        found = -1;
    json_decref(h.items);
    http_client_free(h.hub);
    if (found == 0)
        return cli_fail(CMD, "unknown batch %s", batch);
    if (found != 1)
        return cli_fail(CMD, "hand-over of %s: %s", batch, h.err[0] ? h.err : "database error");
    clock_rfc3339_ms(at, clock_now_ms());
    if (!h.failed && agency_db_letters_handed_over(db, batch, at) != 0)
        return cli_fail(CMD, "the hub recorded it, but the agency database could not");
    printf("{\"batch\":\"%s\",\"notices\":%ld,\"recorded\":%ld,\"duplicate\":%ld,"
           "\"failed\":%ld}\n", batch, h.sent, h.recorded, h.duplicate, h.failed);
    return h.failed ? EXIT_FAIL : EXIT_OK;
}

int agency_letters_main(int argc, char **argv)
{
    letters_opts o;
    agency_cfg c;
    agency_db *db;
    char err[1024];
    int rc = parse(argc, argv, &o);

    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    log_set_name("agency");
    if (agency_config_load(&c, o.config, o.handed_over || o.sync ? AGENCY_NEED_HUB : 0, err,
                           sizeof err) != 0)
        return cli_fail(CMD, "%s", err);
    if (!(db = agency_db_open(c.db_path, err, sizeof err))) {
        agency_config_free(&c);
        return cli_fail(CMD, "%s", err);
    }
    rc = EXIT_OK;
    if (o.sync) {
        http_client *hub = http_client_new(c.hub_url, c.hub_key);
        long n = hub ? agency_feed_pull(db, hub, err, sizeof err) : -1;
        http_client_free(hub);
        if (n < 0)
            rc = cli_fail(CMD, "changes feed: %s", hub ? err : "cannot make an HTTP client");
    }
    if (rc == EXIT_OK)
        rc = o.handed_over ? report_handover(&c, db, o.handed_over)
                           : print_batch(&c, db, o.out);
    agency_db_close(db);
    agency_config_free(&c);
    if (o.letters)
        letter_pdf_release_fonts();
    return rc;
}
