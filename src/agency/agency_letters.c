/* agency_letters.c -- `herald agency postal --letters` and
 * `--handed-over BATCH`: the paper fallback as something a print house can
 * take. One run prints every letter still to print into PDF files (one
 * per processor for a large batch, agency_letters_print.c) and a manifest
 * CSV (all mode 0600, in the agency's own folder: letters stay at the
 * agency), and records them in the agency database as one batch, so
 * a second run prints none of them again. When the print house has taken
 * the batch, --handed-over tells the hub, which records PrintHandover for
 * each of its notices (POST /v1/postal/handover). The two are apart
 * because printing is not handing over: the evidence says when the
 * letters left the agency, not when the file was made. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
#include "agency_letters_left_out.h"
#include "agency_letters_print.h"
#include "log.h"
#include "utf8.h"

#define CMD "agency postal"
/* Usage errors name this form, so that their "Try ... --help" shows this
 * help: `agency postal --help` shows the list's. */
#define USAGE_CMD "agency postal --letters"
#define HANDOVER_CHUNK 5000
#define LETTERS_FILE_MIN 1000 /* by default, a batch is split only into files this big */
#define LETTERS_FILES_DEFAULT 4 /* and into at most this many: each thread holds ~25 MiB */

static const char letters_usage[] =
    "Usage: herald agency postal --config agency.ini --letters [--out DIR] [--sync]\n"
    "                            [--jobs N]\n"
    "       herald agency postal --config agency.ini --handed-over BATCH\n\n"
    "--letters prints every postal notice not yet printed (nor listed by --new),\n"
    "nor cancelled or purged, as letters for DL window envelopes, in reference order,\n"
    "into PDF files with a manifest CSV beside them, all mode 0600:\n"
    "DIR/letters-BATCH.pdf, or for a batch split in K files DIR/letters-BATCH-1.pdf\n"
    "... DIR/letters-BATCH-K.pdf (each a run of consecutive letters, drawn side by\n"
    "side), and DIR/letters-BATCH.csv with one row per letter:\n"
    "letter,reference,notice,file,first_page,pages,postal_class,address (file: the\n"
    "PDF's name; first_page: the page in that file; address: how the name and\n"
    "address fit the window: ok, wrapped, shrunk (set smaller), overflow (past the\n"
    "window) or missing_glyphs (a character no installed font has, printed as a\n"
    "box); flagged counts the last three, to be looked at by hand). They are\n"
    "marked printed in the agency database under BATCH, so a second run prints none\n"
    "of them again; if a letter cannot be printed, nothing is written or marked.\n"
    "A letter whose notice is cancelled or paid while the run prints is left out\n"
    "of the batch: the run names it on standard error with its file and page, to\n"
    "be taken out of the printed pile.\n"
    "Prints one JSON line (pdfs: the files in order; pdf too when there is one;\n"
    "left_out: the letters to take out).\n\n"
    "--handed-over BATCH tells the hub that the batch went to the print house: the\n"
    "hub records PrintHandover, with the batch, for each of its notices but those\n"
    "cancelled since they were printed, which it names: take their letters out.\n\n"
    "  --config FILE  agency.ini ([letters] return_name, return_address,\n"
    "                 return_contact, postal_class, verify_url)\n"
    "  --out DIR      where the files go (default: the agency's dir/letters)\n"
    "  --jobs N       split the batch into N files (1-16), one thread each (default:\n"
    "                 one per processor, at most 4, each of at least 1,000 letters)\n"
    "  --sync         first pull the hub's changes feed once\n";

typedef struct letters_opts {
    const char *config, *out, *handed_over;
    int letters, sync, jobs; /* jobs: 0 for the default */
} letters_opts;

/* 0 to go on, -1 after --help, or a usage error's status. */
static int parse(int argc, char **argv, letters_opts *o)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"letters", no_argument, 0, 'l'},
        {"out", required_argument, 0, 'o'},    {"handed-over", required_argument, 0, 'b'},
        {"sync", no_argument, 0, 's'},         {"help", no_argument, 0, 'h'},
        {"jobs", required_argument, 0, 'j'},   {0, 0, 0, 0},
    };
    long jobs;
    int c;

    memset(o, 0, sizeof *o);
    optind = 1;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        if (c == 'c') o->config = optarg;
        else if (c == 'l') o->letters = 1;
        else if (c == 'o') o->out = optarg;
        else if (c == 'b') o->handed_over = optarg;
        else if (c == 's') o->sync = 1;
        else if (c == 'j') {
            if (cli_parse_long(optarg, 1, LETTERS_FILES_MAX, &jobs) != 0)
                return cli_usage_error(USAGE_CMD, "--jobs takes a number of files from 1 to %d",
                                       LETTERS_FILES_MAX);
            o->jobs = (int)jobs;
        }
        else if (c == 'h') { fputs(letters_usage, stdout); return -1; }
        else return cli_bad_option(USAGE_CMD, c, argc, argv);
    }
    if (optind != argc)
        return cli_usage_error(USAGE_CMD, "unexpected argument '%s'", argv[optind]);
    if (!o->config)
        return cli_usage_error(USAGE_CMD, "--config is required");
    if (o->letters == !!o->handed_over)
        return cli_usage_error(USAGE_CMD, "give one of --letters and --handed-over BATCH");
    if (o->handed_over && (o->out || o->sync || o->jobs))
        return cli_usage_error(USAGE_CMD, "--out, --sync and --jobs go with --letters");
    if (o->handed_over && !field_reference_ok(o->handed_over, strlen(o->handed_over)))
        return cli_usage_error(USAGE_CMD, "a batch id is 1-64 of [A-Za-z0-9._:-]");
    return 0;
}

/* ---- printing a batch ---- */

#define BATCH_ID_LEN 25
void agency_print_batch_id(char out[32], const char *at)
{
    uint8_t rnd[4];
    char hex[9];

    random_bytes(rnd, sizeof rnd);
    hex_encode(hex, rnd, sizeof rnd);
    snprintf(out, 32, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%s", at, at + 5, at + 8, at + 11, at + 14,
             at + 17, hex);
}

/* The default number of files: one per processor, as each is one thread,
 * up to LETTERS_FILES_DEFAULT. */
static int processors(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > LETTERS_FILES_DEFAULT ? LETTERS_FILES_DEFAULT : (int)n;
}

/* The run's JSON line, built with jansson: a folder's name may hold any
 * character JSON must escape. The names are UTF-8 (print_batch checks). */
static void print_result(const letters_batch *b, long left_out)
{
    json_t *o = json_object();
    char *text;

    json_object_set_new(o, "batch", b->n ? json_string(b->batch) : json_null());
    json_object_set_new(o, "letters", json_integer((json_int_t)b->n));
    json_object_set_new(o, "pages", json_integer(b->n ? b->pages : 0));
    json_object_set_new(o, "flagged", json_integer(b->n ? b->flagged : 0));
    if (b->n) {
        json_t *pdfs = json_array();
        if (b->parts == 1)
            json_object_set_new(o, "pdf", json_string(b->pdf[0]));
        for (int k = 0; k < b->parts; k++)
            json_array_append_new(pdfs, json_string(b->pdf[k]));
        json_object_set_new(o, "pdfs", pdfs);
        json_object_set_new(o, "manifest", json_string(b->manifest));
        json_object_set_new(o, "left_out", json_integer(left_out));
    }
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text)
        puts(text);
    free(text);
    json_decref(o);
}

/* Takes DIR's lock, waiting for a run that holds it: one run at a time
 * prints, and the one that holds the lock knows that every part file
 * there is a dead run's. The lock goes with the process. -1 on error. */
static int lock_dir(const char *dir)
{
    char path[AGENCY_PATH_MAX + 16];
    int fd;

    snprintf(path, sizeof path, "%s/.letters.lock", dir);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    log_info("letters: waiting for another run printing into %s", dir);
    if (flock(fd, LOCK_EX) == 0)
        return 0;
    close(fd);
    return -1;
}

static int any_notice(void *ctx, const char *notice, const char *reference, int cancelled)
{
    (void)ctx, (void)notice, (void)reference, (void)cancelled;
    return 1;
}

/* 1 when the part file name (letters-BATCH....part) belongs to a batch the
 * database holds, 0 when not, -1 on error. */
static int part_recorded(agency_db *db, const char *name)
{
    char batch[BATCH_ID_LEN + 1], handed_over[64];
    size_t n = strlen("letters-");

    if (strlen(name) < n + BATCH_ID_LEN + 1 ||
        (name[n + BATCH_ID_LEN] != '.' && name[n + BATCH_ID_LEN] != '-'))
        return 0;
    memcpy(batch, name + n, BATCH_ID_LEN);
    batch[BATCH_ID_LEN] = '\0';
    int rc = agency_db_letters_batch(db, batch, any_notice, NULL, handed_over,
                                     sizeof handed_over);
    return rc < 0 ? -1 : rc > 0;
}

/* One part file a run that died midway left (letters-...part): named, for
 * a batch the database recorded (the run died between its mark and its
 * renames); removed, for one it never did, when only this agency prints
 * into the folder (own); else left, with a warning. 0, or -1 with err. */
static int sweep_one(agency_db *db, DIR *d, const char *dir, const char *name, int own,
                     char *err, size_t errlen)
{
    char final[NAME_MAX + 1];
    int recorded = part_recorded(db, name);

    snprintf(final, sizeof final, "%.*s", (int)(strlen(name) - strlen(LETTERS_PART_SUFFIX)),
             name);
    if (recorded < 0) {
        snprintf(err, errlen, "cannot read the agency database");
        return -1;
    }
    if (recorded) {
        if (renameat(dirfd(d), name, dirfd(d), final) != 0) {
            snprintf(err, errlen, "cannot rename %s to %s: %s", name, final, strerror(errno));
            return -1;
        }
        log_warn("letters: %s/%s named %s: its batch was recorded by a run that did not finish",
                 dir, name, final);
    } else if (!own) {
        log_warn("letters: %s/%s left: no batch of this agency's, and the folder was given"
                 " with --out", dir, name);
    } else if (unlinkat(dirfd(d), name, 0) == 0) {
        log_warn("letters: removed %s/%s, left by a run that did not finish", dir, name);
    }
    return 0;
}

/* Every part file in dir, the PDFs first and the manifests after them (a
 * manifest named means its files are there), then the folder synced. 0,
 * or -1 with err. */
static int sweep_parts(agency_db *db, const char *dir, int own, char *err, size_t errlen)
{
    static const char *const last[] = {".pdf" LETTERS_PART_SUFFIX, ".csv" LETTERS_PART_SUFFIX};
    int rc = 0;

    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        DIR *d = opendir(dir);
        struct dirent *e;
        if (!d) {
            snprintf(err, errlen, "cannot read the folder: %s", strerror(errno));
            return -1;
        }
        while (rc == 0 && (e = readdir(d))) {
            size_t n = strlen(e->d_name), m = strlen(last[pass]);
            if (strncmp(e->d_name, "letters-", 8) == 0 && n > m &&
                strcmp(e->d_name + n - m, last[pass]) == 0)
                rc = sweep_one(db, d, dir, e->d_name, own, err, errlen);
        }
        if (rc == 0 && pass == 1 && fsync(dirfd(d)) != 0) {
            snprintf(err, errlen, "cannot sync the folder: %s", strerror(errno));
            rc = -1;
        }
        closedir(d);
    }
    return rc;
}

/* Records the printed batch. A letter whose notice was cancelled or paid
 * while the run drew it is left out and named, so that a long run is not
 * thrown away for one cancellation; *left_out counts them. 0, or -1 with
 * b->err set and the files removed. */
static int record_batch(letters_batch *b, agency_db *db, const char *at, long *left_out)
{
    unsigned char *out = calloc(b->n, 1);
    int rc = out ? agency_db_letters_mark(db, b->batch, at, (const char *const *)b->refs, b->n,
                                          b->pages, out)
                 : -1;

    if (rc == 0)
        *left_out = letters_name_left_out(b, out);
    else {
        snprintf(b->err, sizeof b->err, "%s", rc == 1 ? "some of these letters were printed by"
                 " another run meanwhile: run again" : !out ? "out of memory"
                 : "cannot record the batch in the agency database");
        letters_unlink(b);
    }
    free(out);
    return rc == 0 ? 0 : -1;
}

static int print_batch(const agency_cfg *c, agency_db *db, const letters_opts *o)
{
    char at[25], batch[32], dir[AGENCY_PATH_MAX], date[11], kst[32];
    letters_batch b = {.cfg = c, .dir = dir, .batch = batch, .date = date};
    long left_out = 0;
    int rc;

    snprintf(dir, sizeof dir, "%s", o->out ? o->out : c->dir);
    if (!o->out)
        strncat(dir, "/letters", sizeof dir - strlen(dir) - 1);
    if (!utf8_valid(dir, strlen(dir))) /* JSON names the files: UTF-8 only */
        return cli_fail(CMD, "the letters' folder's name is not UTF-8");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail(CMD, "%s: cannot create: %s", dir, strerror(errno));
    if (lock_dir(dir) != 0)
        return cli_fail(CMD, "%s: cannot lock: %s", dir, strerror(errno));
    if (sweep_parts(db, dir, !o->out, b.err, sizeof b.err) != 0)
        return cli_fail(CMD, "%s: what an unfinished run left: %s", dir, b.err);
    /* the time once the lock is ours: a run that waited prints now */
    clock_rfc3339_ms(at, clock_now_ms());
    /* the letter's date is the reader's day, as all a citizen sees is in
     * Korean time; the batch id and the database keep UTC */
    clock_kst_text(kst, at);
    snprintf(date, sizeof date, "%.10s", kst);
    agency_print_batch_id(batch, at);
    b.files = o->jobs ? o->jobs : processors();
    b.file_min = o->jobs ? 1 : LETTERS_FILE_MIN;
    rc = letters_print(&b, db);
    if (rc == 0 && b.n)
        rc = record_batch(&b, db, at, &left_out);
    if (rc != 0) {
        letters_batch_free(&b);
        return cli_fail(CMD, "%s; nothing was printed or marked", b.err);
    }
    if (b.n && letters_publish(&b) != 0) {
        letters_batch_free(&b);
        return cli_fail(CMD, "batch %s is recorded, but %s (the next run names any file left"
                        " with its %s name)", batch, b.err, LETTERS_PART_SUFFIX);
    }
    print_result(&b, left_out);
    log_info("letters: batch %s, %zu letters in %d file%s, %ld pages, %ld addresses flagged",
             b.n ? batch : "-", b.n, b.n ? b.parts : 0, b.parts == 1 ? "" : "s", b.pages,
             b.flagged);
    letters_batch_free(&b);
    return EXIT_OK;
}

/* ---- reporting a hand-over ---- */

typedef struct handover {
    http_client *hub;
    const char *batch;
    json_t *items;
    long sent, recorded, duplicate, failed, cancelled;
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

static int add_notice(void *ctx, const char *notice, const char *reference, int cancelled)
{
    handover *h = ctx;

    if (cancelled) { /* its letter is in the files: paper must not carry it */
        log_warn("hand-over of %s: %s was cancelled after its letter was printed: take that"
                 " letter out (a printed batch's manifest names its file and page); not"
                 " reported handed over", h->batch, reference);
        h->cancelled++;
        return 0;
    }
    json_array_append_new(h->items, json_pack("{s:s}", "notice", notice ? notice : ""));
    return json_array_size(h->items) >= HANDOVER_CHUNK ? send_chunk(h) : 0;
}

static int report_handover(const agency_cfg *c, agency_db *db, const char *batch)
{
    handover h = {http_client_new(c->hub_url, c->hub_key), batch, json_array(), 0, 0, 0, 0, 0,
                  ""};
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
           "\"failed\":%ld,\"cancelled\":%ld}\n", batch, h.sent, h.recorded, h.duplicate,
           h.failed, h.cancelled);
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
        rc = o.handed_over ? report_handover(&c, db, o.handed_over) : print_batch(&c, db, &o);
    agency_db_close(db);
    agency_config_free(&c);
    return rc;
}
