/* agency_letters_print.c -- see agency_letters_print.h. Each run of
 * letters has a bounded queue between the reading thread and its drawing
 * thread, so memory holds a few dozen letters whatever the batch's size.
 * Each letter's text is checked as printed before it is queued
 * (letter_rrn.h). */
#include "agency_letters_print.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agency_ref.h"
#include "buf.h"
#include "clock.h"
#include "field.h"
#include "letter_pdf.h"
#include "letter_rrn.h"
#include "letter_text.h"
#include "log.h"
#include "rrn.h"

#define QUEUE 32 /* letters waiting for each drawing thread */
#define PROGRESS_MS 5000 /* how often a long run says how far it is */

/* One letter handed to a drawing thread: its strings in one block. */
typedef struct job {
    const char *reference, *notice, *name, *address, *text;
} job;

typedef struct print print;

/* One PDF file and the thread that draws it. */
typedef struct part {
    print *pr;
    long first_letter, size; /* its letters' numbers in the batch: first … first+size-1 */
    const char *path, *file; /* file: the name in the manifest */
    FILE *out;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t more, room;
    job *q[QUEUE];
    size_t head, count;
    int closed, failed;
    FILE *rows; /* its manifest rows, in order (a temporary file: 140 bytes a letter) */
    long letters, pages, flagged;
    char err[256];
} part;

struct print {
    letters_batch *b;
    letter_sender sender;
    const char *postal_class, *verify_url;
    char verify[FIELD_LINK_MAX + 16], class_label[128];
    part parts[LETTERS_FILES_MAX];
    int nparts;
    buf text;
    size_t cap;
    int today; /* for rrn_find_valid */
    long total;              /* the letters of the batch */
    long long next_progress; /* clock_mono_ms of the next progress line */
};

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

/* ---- the drawing threads ---- */

static job *take(part *p)
{
    job *j = NULL;

    pthread_mutex_lock(&p->mu);
    while (!p->count && !p->closed)
        pthread_cond_wait(&p->more, &p->mu);
    if (p->count) {
        j = p->q[p->head];
        p->head = (p->head + 1) % QUEUE;
        p->count--;
        pthread_cond_signal(&p->room);
    }
    pthread_mutex_unlock(&p->mu);
    return j;
}

static void fail(part *p, const char *why)
{
    pthread_mutex_lock(&p->mu);
    if (!p->failed)
        snprintf(p->err, sizeof p->err, "%s", why);
    p->failed = 1;
    pthread_cond_signal(&p->room);
    pthread_mutex_unlock(&p->mu);
}

/* Draws one letter and adds its manifest row: 0, or -1 with err saying
 * which letter failed and why. */
static int draw(part *p, letter_pdf *pdf, const job *j, char *err, size_t errlen)
{
    print *pr = p->pr;
    char link[FIELD_LINK_MAX + 1], why[200];
    letter_fit fit;
    int pages;

    agency_ref_link(pr->b->cfg->public_url, j->reference, link);
    letter l = {j->reference, j->notice, j->name, j->address, j->text, link, pr->verify_url};
    if (letter_pdf_add(pdf, &l, &pages, &fit, why, sizeof why) != 0) {
        snprintf(err, errlen, "letter %ld (reference %s): %s", p->first_letter + p->letters,
                 j->reference, why);
        return -1;
    }
    fprintf(p->rows, "%ld,", p->first_letter + p->letters);
    csv_field(p->rows, j->reference);
    fprintf(p->rows, ",%s,", j->notice);
    csv_field(p->rows, p->file);
    fprintf(p->rows, ",%ld,%d,", p->pages + 1, pages);
    csv_field(p->rows, pr->postal_class);
    fprintf(p->rows, ",%s\r\n", letter_fit_name(fit));
    p->letters++;
    p->pages += pages;
    /* to be looked at by hand; a wrapped line is only a long address */
    if (fit == LETTER_FIT_SHRUNK || fit == LETTER_FIT_OVERFLOW || fit == LETTER_FIT_GLYPHS) {
        p->flagged++;
        if (fit == LETTER_FIT_GLYPHS)
            log_warn("letters: %s (letter %ld): its name or address holds a character no"
                     " installed font has, printed as a box", j->reference,
                     p->first_letter + p->letters - 1);
    }
    if (!ferror(p->rows))
        return 0;
    snprintf(err, errlen, "letter %ld (reference %s): writing its manifest row failed: %s",
             p->first_letter + p->letters - 1, j->reference,
             errno ? strerror(errno) : "a write error");
    return -1;
}

static int close_synced(FILE *f)
{
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;

    return fclose(f) != 0 || bad ? -1 : 0;
}

/* The thread: its own letter_pdf (so its own fonts), until the queue is
 * closed and empty; after a failure it only empties the queue. */
static void *drawing_thread(void *arg)
{
    part *p = arg;
    char err[256];
    letter_pdf *pdf = letter_pdf_start(p->out, &p->pr->sender, err, sizeof err);
    job *j;

    if (!pdf)
        fail(p, err);
    while ((j = take(p))) {
        if (!p->failed && draw(p, pdf, j, err, sizeof err) != 0)
            fail(p, err);
        free(j);
    }
    if (pdf && letter_pdf_finish(pdf, err, sizeof err) != 0)
        fail(p, err);
    if (close_synced(p->out) != 0) {
        snprintf(err, sizeof err, "writing the PDF failed: %s", strerror(errno));
        fail(p, err);
    }
    p->out = NULL;
    return NULL;
}

/* ---- the reading thread ---- */

/* 0, or -1 when the part's thread has failed. */
static int give(part *p, job *j)
{
    int ok;

    pthread_mutex_lock(&p->mu);
    while (p->count == QUEUE && !p->failed)
        pthread_cond_wait(&p->room, &p->mu);
    ok = !p->failed;
    if (ok) {
        p->q[(p->head + p->count) % QUEUE] = j;
        p->count++;
        pthread_cond_signal(&p->more);
    }
    pthread_mutex_unlock(&p->mu);
    return ok ? 0 : -1;
}

static job *new_job(const agency_letter_row *row, const char *text)
{
    const char *src[] = {row->reference, row->notice, row->name, row->address, text};
    size_t len[5], total = sizeof(job);
    job *j;
    char *at;

    for (int i = 0; i < 5; i++)
        total += (len[i] = strlen(src[i])) + 1;
    if (!(j = malloc(total)))
        return NULL;
    at = (char *)(j + 1);
    const char **dst[] = {&j->reference, &j->notice, &j->name, &j->address, &j->text};
    for (int i = 0; i < 5; i++) {
        memcpy(at, src[i], len[i] + 1);
        *dst[i] = at;
        at += len[i] + 1;
    }
    return j;
}

/* Refuses a row a letter cannot be made of, naming the line and field;
 * else leaves its document's text in pr->text. */
static int check_row(print *pr, const agency_letter_row *row)
{
    static const char *const names[] = {"name", "address"};
    const char *values[] = {row->name, row->address};
    char *err = pr->b->err, why[256];
    size_t cap = sizeof pr->b->err;

    for (int i = 0; i < 2; i++) {
        /* the rule notices were checked by when they came in */
        const char *problem = letter_field_problem(values[i], strlen(values[i]));
        if (problem) {
            snprintf(err, cap, "line %ld (reference %s): field %s %s", row->line, row->reference,
                     names[i], problem);
            return -1;
        }
    }
    if (!row->notice || !row->notice[0]) {
        snprintf(err, cap, "line %ld (reference %s): no notice id from the hub", row->line,
                 row->reference);
        return -1;
    }
    pr->text.len = 0;
    if (letter_text_from_html(row->body, row->body_len, &pr->text, why, sizeof why) != 0) {
        snprintf(err, cap, "line %ld (reference %s): field document: %s", row->line,
                 row->reference, why);
        return -1;
    }
    /* what goes on paper, as printed: the document was checked as a
     * browser shows it, and the letter reads markup its own way */
    if (letter_rrn_added(row->body, row->body_len, pr->text.data ? pr->text.data : "",
                         pr->text.len, pr->today)) {
        snprintf(err, cap, "line %ld (reference %s): field document: the letter would show"
                 " what may be a resident registration number", row->line, row->reference);
        return -1;
    }
    return 0;
}

static int keep_ref(print *pr, const char *ref)
{
    letters_batch *b = pr->b;

    if (b->n == pr->cap) {
        size_t cap = pr->cap ? pr->cap * 2 : 1024;
        char **refs = realloc(b->refs, cap * sizeof *refs);
        if (!refs)
            return -1;
        b->refs = refs, pr->cap = cap;
    }
    return (b->refs[b->n] = strdup(ref)) ? (int)(b->n++, 0) : -1;
}

/* Every few seconds, on stderr, how far the run is: a large batch takes
 * minutes, and a run that says nothing looks hung. Counted as handed to
 * the drawing threads, at most QUEUE a file ahead of the drawing. */
static void progress(print *pr)
{
    long long now = clock_mono_ms();

    if (now < pr->next_progress)
        return;
    log_info("letters: %zu of %ld letters", pr->b->n, pr->total);
    pr->next_progress = now + PROGRESS_MS;
}

static int read_letter(void *ctx, int k, const agency_letter_row *row)
{
    print *pr = ctx;
    part *p = &pr->parts[k];
    job *j;

    if (check_row(pr, row) != 0)
        return -1;
    if (keep_ref(pr, row->reference) != 0 || !(j = new_job(row, pr->text.data))) {
        snprintf(pr->b->err, sizeof pr->b->err, "out of memory at line %ld", row->line);
        return -1;
    }
    if (give(p, j) != 0) {
        free(j);
        /* p->err names the letter that failed, which need not be row's */
        snprintf(pr->b->err, sizeof pr->b->err, "%s: %s", p->file, p->err);
        return -1;
    }
    progress(pr);
    return 0;
}

/* path with LETTERS_PART_SUFFIX: the name a file has until its batch is
 * recorded. */
static void part_name(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "%s%s", path, LETTERS_PART_SUFFIX);
}

/* A new file, mode 0600, that must not exist yet, under its part name. */
static FILE *create_0600(const char *path)
{
    char tmp[LETTERS_PATH_MAX + sizeof LETTERS_PART_SUFFIX];
    int fd;

    part_name(tmp, sizeof tmp, path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    if (fd >= 0 && !f)
        close(fd);
    return f;
}

/* Told the parts: names and creates their files and starts their threads. */
static int start_parts(void *ctx, int parts, const long *sizes)
{
    print *pr = ctx;
    letters_batch *b = pr->b;
    long first = 1;

    for (int k = 0; k < parts; k++)
        pr->total += sizes[k];
    pr->next_progress = clock_mono_ms() + PROGRESS_MS;
    for (int k = 0; k < parts; k++) {
        part *p = &pr->parts[k];
        letters_file_path(b->pdf[k], sizeof b->pdf[k], b->dir, b->batch, k + 1, parts);
        p->pr = pr;
        p->path = b->pdf[k];
        p->file = strrchr(p->path, '/') + 1;
        p->first_letter = first;
        p->size = sizes[k];
        first += sizes[k];
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->more, NULL);
        pthread_cond_init(&p->room, NULL);
        pr->nparts = k + 1;
        if (!(p->rows = tmpfile())) {
            snprintf(b->err, sizeof b->err, "cannot make a temporary file: %s", strerror(errno));
            return -1;
        }
        if (!(p->out = create_0600(p->path))) {
            snprintf(b->err, sizeof b->err, "cannot create %s: %s", p->path, strerror(errno));
            return -1;
        }
        b->parts = k + 1;
        if (pthread_create(&p->thread, NULL, drawing_thread, p) != 0) {
            fclose(p->out);
            p->out = NULL;
            snprintf(b->err, sizeof b->err, "cannot start a thread to draw letters");
            return -1;
        }
        p->started = 1;
    }
    return 0;
}

/* Closes the queues, waits for the threads, and takes their counts; 0 or
 * -1 with b->err set (unless set already). */
static int join_parts(print *pr, int rc)
{
    letters_batch *b = pr->b;

    for (int k = 0; k < pr->nparts; k++) {
        part *p = &pr->parts[k];
        pthread_mutex_lock(&p->mu);
        p->closed = 1;
        pthread_cond_signal(&p->more);
        pthread_mutex_unlock(&p->mu);
    }
    for (int k = 0; k < pr->nparts; k++) {
        part *p = &pr->parts[k];
        if (p->started)
            pthread_join(p->thread, NULL);
        else if (p->out)
            fclose(p->out);
        if (rc == 0 && p->failed) {
            snprintf(b->err, sizeof b->err, "%s: %s", p->file, p->err);
            rc = -1;
        }
        if (rc == 0 && p->letters != p->size) {
            snprintf(b->err, sizeof b->err, "%s: %ld letters where %ld were counted", p->file,
                     p->letters, p->size);
            rc = -1;
        }
        b->pages += p->pages;
        b->flagged += p->flagged;
    }
    return rc;
}

/* Appends a part's rows to the manifest; 0, or -1. */
static int copy_rows(FILE *rows, FILE *out)
{
    char chunk[65536];
    size_t n;

    if (fflush(rows) != 0 || fseek(rows, 0, SEEK_SET) != 0)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, rows)) > 0)
        if (fwrite(chunk, 1, n, out) != n)
            return -1;
    return ferror(rows) ? -1 : 0;
}

static int write_manifest(print *pr)
{
    letters_batch *b = pr->b;
    FILE *f = create_0600(b->manifest);
    int bad = !f;

    b->has_manifest = !!f;
    if (f) {
        fputs("letter,reference,notice,file,first_page,pages,postal_class,address\r\n", f);
        for (int k = 0; k < pr->nparts && !bad; k++)
            bad = copy_rows(pr->parts[k].rows, f);
        bad = bad || ferror(f);
        bad = close_synced(f) != 0 || bad;
    }
    if (bad)
        snprintf(b->err, sizeof b->err, "cannot write %s: %s", b->manifest, strerror(errno));
    return bad ? -1 : 0;
}

static const char *letters_key(const agency_cfg *c, const char *key, const char *def)
{
    const char *v = config_get(&c->ini, "letters", key);

    return v ? v : def;
}

static void set_up(print *pr, letters_batch *b)
{
    const agency_cfg *c = b->cfg;

    pr->b = b;
    pr->today = rrn_today();
    pr->postal_class = letters_key(c, "postal_class", "standard");
    snprintf(pr->class_label, sizeof pr->class_label, "우편 구분 / Postal class: %s",
             pr->postal_class);
    pr->sender = (letter_sender){letters_key(c, "return_name", c->name),
                                 letters_key(c, "return_address", ""),
                                 letters_key(c, "return_contact", ""), pr->class_label, b->date};
    pr->verify_url = letters_key(c, "verify_url", NULL);
    const char *hub = config_get(&c->ini, "hub", "url"); /* read even when not needed */
    if (!pr->verify_url && hub) {
        size_t n = strlen(hub);
        snprintf(pr->verify, sizeof pr->verify, "%.*s/verify",
                 (int)(n && hub[n - 1] == '/' ? n - 1 : n), hub);
        pr->verify_url = pr->verify;
    }
    letters_file_path(b->manifest, sizeof b->manifest, b->dir, b->batch, 0, 0);
}

void letters_file_path(char *out, size_t cap, const char *dir, const char *batch, int k,
                       int parts)
{
    if (k == 0)
        snprintf(out, cap, "%s/letters-%s.csv", dir, batch);
    else if (parts == 1)
        snprintf(out, cap, "%s/letters-%s.pdf", dir, batch);
    else
        snprintf(out, cap, "%s/letters-%s-%d.pdf", dir, batch, k);
}

int letters_print(letters_batch *b, agency_db *db)
{
    print *pr = calloc(1, sizeof *pr);
    int rc;

    if (!pr) {
        snprintf(b->err, sizeof b->err, "out of memory");
        return -1;
    }
    set_up(pr, b);
    buf_init(&pr->text, 8192);
    rc = agency_db_letters_parts(db, b->files, b->file_min, start_parts, read_letter, pr);
    if (rc != 0 && !b->err[0])
        snprintf(b->err, sizeof b->err, "cannot read the postal notices");
    rc = join_parts(pr, rc);
    if (rc == 0 && b->n)
        rc = write_manifest(pr);
    for (int k = 0; k < pr->nparts; k++) {
        part *p = &pr->parts[k];
        if (p->rows)
            fclose(p->rows);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->more);
        pthread_cond_destroy(&p->room);
    }
    buf_free(&pr->text);
    free(pr);
    if (rc != 0 || !b->n)
        letters_unlink(b);
    return rc;
}

void letters_unlink(letters_batch *b)
{
    char tmp[LETTERS_PATH_MAX + sizeof LETTERS_PART_SUFFIX];

    for (int k = 0; k < b->parts; k++) {
        part_name(tmp, sizeof tmp, b->pdf[k]);
        unlink(tmp);
    }
    if (b->has_manifest) {
        part_name(tmp, sizeof tmp, b->manifest);
        unlink(tmp);
    }
}

/* Gives one file its name; 0, or -1 with b->err set. */
static int publish_one(letters_batch *b, const char *path)
{
    char tmp[LETTERS_PATH_MAX + sizeof LETTERS_PART_SUFFIX];

    part_name(tmp, sizeof tmp, path);
    if (rename(tmp, path) == 0)
        return 0;
    snprintf(b->err, sizeof b->err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    return -1;
}

int letters_publish(letters_batch *b)
{
    int rc = 0, dir;

    for (int k = 0; k < b->parts && rc == 0; k++)
        rc = publish_one(b, b->pdf[k]);
    if (rc == 0 && b->has_manifest)
        rc = publish_one(b, b->manifest); /* last: a manifest means its files are there */
    /* the new names as durable as the batch's row */
    if (rc != 0)
        return rc;
    if ((dir = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dir) != 0) {
        snprintf(b->err, sizeof b->err, "cannot sync %s: %s", b->dir, strerror(errno));
        rc = -1;
    }
    if (dir >= 0)
        close(dir);
    return rc;
}

void letters_batch_free(letters_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->refs[i]);
    free(b->refs);
    b->refs = NULL;
    b->n = 0;
}
