/* csv.c -- see csv.h.
 *
 * The reader is a state machine over a fixed input chunk: bytes with a
 * meaning (quotes, commas, line ends) go through it one at a time, runs of
 * plain text are copied in bulk. Field text, unquoted, lands in one record
 * buffer, each field NUL-terminated, so a row costs no allocation once the
 * buffer has grown to the longest record seen (never past the record
 * limit).
 *
 * Resynchronising after a bad byte: the first problem in a record is
 * remembered and storing stops, but the machine keeps running on the same
 * grammar, read leniently (a stray quote counts as text, text after a
 * closing quote continues the field), until the record's own line end. So
 * a line break inside a well-formed quoted field never starts a bogus row,
 * and a broken row costs that row only. The error says which lines were
 * skipped, so even a runaway quote cannot swallow rows unnoticed. */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "utf8.h"

#define CHUNK (64u << 10)

enum state {
    AT_RECORD_START, /* nothing of a record yet: blank lines are skipped */
    AT_BLANK_CR,     /* a CR at record start: a blank line if LF follows */
    AT_FIELD_START,  /* at the start of a record or after a comma */
    IN_UNQUOTED,
    IN_QUOTED,
    AT_QUOTE,        /* a quote inside quotes: doubled, or the closing one */
    AT_CR,           /* a CR outside quotes, which only LF may follow */
};

struct csv_reader {
    FILE *f;
    csv_limits lim;
    size_t expect;           /* fields each record must have; 0: any */

    unsigned char *in;       /* CHUNK bytes of raw input */
    size_t in_len, in_pos;
    size_t in_used;          /* the most of in ever filled: what to wipe */
    int eof, bom_checked;
    unsigned char last;      /* the last byte read */

    char *rec;               /* the record's unquoted fields */
    size_t rec_len, rec_cap, rec_max;
    size_t *start, *len;     /* max_fields entries each */
    size_t nfields;          /* fields finished in this record */
    size_t field_start;      /* offset in rec of the current field */
    size_t raw_len;          /* bytes of the record as written */

    enum state state;
    long line;               /* the physical line being read */
    long record_line;        /* where the current record started */
    long end_line;           /* where it ended */
    long quote_line;         /* where the current quoted field opened */

    int failed;              /* a problem was found in this record */
    char why[128];           /* the first one */
    int fatal;               /* read error or out of memory: sticky */
    char fatal_why[128];
};

static size_t or_default(size_t v, size_t def)
{
    return v ? v : def;
}

csv_reader *csv_open(FILE *f, const csv_limits *lim)
{
    csv_reader *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->f = f;
    r->lim.max_field = or_default(lim ? lim->max_field : 0, CSV_DEFAULT_MAX_FIELD);
    r->lim.max_fields = or_default(lim ? lim->max_fields : 0, CSV_DEFAULT_MAX_FIELDS);
    r->lim.max_record = or_default(lim ? lim->max_record : 0, CSV_DEFAULT_MAX_RECORD);
    /* Every stored byte was a raw byte, plus one NUL per field. */
    r->rec_max = r->lim.max_record + r->lim.max_fields + 1;
    r->rec_cap = r->rec_max < 4096 ? r->rec_max : 4096;
    r->in = malloc(CHUNK);
    r->rec = malloc(r->rec_cap);
    r->start = calloc(r->lim.max_fields, sizeof *r->start);
    r->len = calloc(r->lim.max_fields, sizeof *r->len);
    r->line = 1;
    if (!r->in || !r->rec || !r->start || !r->len) {
        csv_close(r);
        return NULL;
    }
    return r;
}

void csv_expect_fields(csv_reader *r, size_t n)
{
    r->expect = n;
}

void csv_close(csv_reader *r)
{
    if (!r)
        return;
    if (r->in)
        secure_wipe(r->in, r->in_used);
    if (r->rec)
        secure_wipe(r->rec, r->rec_cap);
    free(r->in);
    free(r->rec);
    free(r->start);
    free(r->len);
    secure_wipe(r, sizeof *r);
    free(r);
}

/* Records the first problem of the record. Messages carry numbers only. */
static void fail(csv_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(csv_reader *r, const char *fmt, ...)
{
    va_list ap;

    if (r->failed)
        return;
    r->failed = 1;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
}

static void fatal(csv_reader *r, const char *what)
{
    if (!r->fatal)
        snprintf(r->fatal_why, sizeof r->fatal_why, "line %ld: %s", r->line, what);
    r->fatal = 1;
    r->failed = 1; /* stop storing; the record is abandoned */
}

/* Grows the record buffer to hold extra more bytes. The old block is wiped
 * before it is freed: realloc would leave a copy of the fields behind. */
static int reserve(csv_reader *r, size_t extra)
{
    size_t need = r->rec_len + extra, cap = r->rec_cap;
    char *p;

    if (need <= cap)
        return 0;
    while (cap < need)
        cap *= 2;
    if (cap > r->rec_max)
        cap = r->rec_max;
    p = need <= cap ? malloc(cap) : NULL;
    if (!p) {
        fatal(r, "out of memory");
        return -1;
    }
    memcpy(p, r->rec, r->rec_len);
    secure_wipe(r->rec, r->rec_cap);
    free(r->rec);
    r->rec = p;
    r->rec_cap = cap;
    return 0;
}

/* Counts one byte of the record as written, line ends inside quotes
 * included, the record's own line end not. */
static void count_raw(csv_reader *r)
{
    if (++r->raw_len <= r->lim.max_record)
        return;
    if (r->state == IN_QUOTED)
        fail(r, "record longer than %zu bytes (is the quote opened on line %ld "
             "left unclosed?)", r->lim.max_record, r->quote_line);
    else
        fail(r, "record longer than %zu bytes", r->lim.max_record);
}

/* Appends one byte of field text. */
static void store(csv_reader *r, unsigned char c)
{
    count_raw(r);
    if (r->failed)
        return;
    if (c == '\0') {
        fail(r, "field %zu holds a NUL byte", r->nfields + 1);
        return;
    }
    if (r->rec_len - r->field_start >= r->lim.max_field) {
        fail(r, "field %zu longer than %zu bytes", r->nfields + 1, r->lim.max_field);
        return;
    }
    if (r->rec_len < r->rec_cap || reserve(r, 1) == 0)
        r->rec[r->rec_len++] = (char)c;
}

/* Bytes that end a run of plain field text, inside and outside quotes. */
enum { STOP_UNQUOTED = 1, STOP_QUOTED = 2 };
static const unsigned char stops[256] = {
    ['\0'] = STOP_UNQUOTED | STOP_QUOTED,
    ['\n'] = STOP_UNQUOTED | STOP_QUOTED,
    ['"'] = STOP_UNQUOTED | STOP_QUOTED,
    ['\r'] = STOP_UNQUOTED,
    [','] = STOP_UNQUOTED,
};

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Copies a run of plain field text in one go, so the byte-at-a-time
 * machine only sees the bytes that mean something: this makes reading a
 * typical recipient file three times faster. The run stops short of any
 * limit, so that step is the one to report it. */
static void take_run(csv_reader *r)
{
    unsigned char stop = r->state == IN_QUOTED ? STOP_QUOTED : STOP_UNQUOTED;
    const unsigned char *p = r->in + r->in_pos;
    size_t max = min3(r->in_len - r->in_pos,
                      r->lim.max_field - (r->rec_len - r->field_start),
                      r->lim.max_record - r->raw_len);
    size_t n = 0;

    while (n < max && !(stops[p[n]] & stop))
        n++;
    if (n == 0 || reserve(r, n) != 0)
        return;
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    r->raw_len += n;
    r->in_pos += n;
    r->last = p[n - 1];
}

static void end_field(csv_reader *r)
{
    size_t n = r->nfields++, len = r->rec_len - r->field_start;

    r->state = AT_FIELD_START;
    if (r->failed)
        return;
    if (n >= r->lim.max_fields) {
        fail(r, "more than %zu fields", r->lim.max_fields);
        return;
    }
    if (!utf8_valid(r->rec + r->field_start, len)) {
        fail(r, "field %zu is not valid UTF-8", n + 1);
        return;
    }
    if (reserve(r, 1) != 0)
        return;
    r->rec[r->rec_len++] = '\0';
    r->start[n] = r->field_start;
    r->len[n] = len;
    r->field_start = r->rec_len;
}

/* Ends the record on the current line; returns 1 for step's caller. */
static int end_record(csv_reader *r)
{
    end_field(r);
    if (!r->failed && r->expect && r->nfields != r->expect)
        fail(r, "%zu fields, expected %zu", r->nfields, r->expect);
    r->end_line = r->line;
    return 1;
}

static int end_line(csv_reader *r)
{
    end_record(r);
    r->line++;
    return 1;
}

static int step(csv_reader *r, unsigned char c);

static int step_record_start(csv_reader *r, unsigned char c)
{
    if (c == '\n') {
        r->line++;
        return 0;
    }
    if (c == '\r') {
        r->state = AT_BLANK_CR;
        return 0;
    }
    r->record_line = r->line;
    r->state = AT_FIELD_START;
    return step(r, c);
}

/* A CR outside quotes that LF does not follow: an error, after which the
 * CR counts as text and c is read again as part of the field. */
static int step_bare_cr(csv_reader *r, unsigned char c)
{
    if (r->state == AT_BLANK_CR)
        r->record_line = r->line;
    count_raw(r);
    fail(r, "carriage return without a line feed");
    r->state = IN_UNQUOTED;
    return step(r, c);
}

static int step_field_start(csv_reader *r, unsigned char c)
{
    switch (c) {
    case '"':
        count_raw(r);
        r->state = IN_QUOTED;
        r->quote_line = r->line;
        return 0;
    case ',':
        count_raw(r);
        end_field(r);
        return 0;
    case '\n':
        return end_line(r);
    case '\r':
        r->state = AT_CR;
        return 0;
    default:
        r->state = IN_UNQUOTED;
        store(r, c);
        return 0;
    }
}

static int step_unquoted(csv_reader *r, unsigned char c)
{
    switch (c) {
    case ',':
        count_raw(r);
        end_field(r);
        return 0;
    case '\n':
        return end_line(r);
    case '\r':
        r->state = AT_CR;
        return 0;
    case '"':
        fail(r, "field %zu has a quote but does not start with one", r->nfields + 1);
        store(r, c);
        return 0;
    default:
        store(r, c);
        return 0;
    }
}

static int step_quoted(csv_reader *r, unsigned char c)
{
    if (c == '"') {
        count_raw(r);
        r->state = AT_QUOTE;
        return 0;
    }
    store(r, c);
    if (c == '\n')
        r->line++;
    return 0;
}

static int step_after_quote(csv_reader *r, unsigned char c)
{
    switch (c) {
    case '"': /* a doubled quote stands for one */
        r->state = IN_QUOTED;
        store(r, c);
        return 0;
    case ',':
        count_raw(r);
        end_field(r);
        return 0;
    case '\n':
        return end_line(r);
    case '\r':
        r->state = AT_CR;
        return 0;
    default:
        fail(r, "field %zu has text after its closing quote", r->nfields + 1);
        r->state = IN_UNQUOTED;
        store(r, c);
        return 0;
    }
}

/* Feeds one byte; returns 1 when it ended a record. */
static int step(csv_reader *r, unsigned char c)
{
    switch (r->state) {
    case AT_RECORD_START:
        return step_record_start(r, c);
    case AT_BLANK_CR:
        if (c != '\n')
            return step_bare_cr(r, c);
        r->line++;
        r->state = AT_RECORD_START;
        return 0;
    case AT_FIELD_START:
        return step_field_start(r, c);
    case IN_UNQUOTED:
        return step_unquoted(r, c);
    case IN_QUOTED:
        return step_quoted(r, c);
    case AT_QUOTE:
        return step_after_quote(r, c);
    case AT_CR:
        return c == '\n' ? end_line(r) : step_bare_cr(r, c);
    }
    return 0;
}

/* Ends input; returns 1 if a record was in progress, 0 if none was. */
static int step_eof(csv_reader *r)
{
    switch (r->state) {
    case AT_RECORD_START:
    case AT_BLANK_CR:
        return 0;
    case IN_QUOTED:
        fail(r, "quoted field %zu opened on line %ld is never closed",
             r->nfields + 1, r->quote_line);
        end_record(r);
        /* A line break just before the end counted a line with no bytes. */
        if (r->last == '\n' && r->end_line > r->record_line)
            r->end_line--;
        return 1;
    default:
        return end_record(r);
    }
}

/* Refills the input chunk. A short read means the end of the file. */
static void fill(csv_reader *r)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

    r->in_pos = 0;
    r->in_len = fread(r->in, 1, CHUNK, r->f);
    if (r->in_len > r->in_used)
        r->in_used = r->in_len;
    if (r->in_len < CHUNK) {
        r->eof = 1;
        if (ferror(r->f)) {
            fatal(r, strerror(errno ? errno : EIO));
            r->in_len = 0;
        }
    }
    if (!r->bom_checked) {
        r->bom_checked = 1;
        if (r->in_len >= 3 && memcmp(r->in, bom, 3) == 0)
            r->in_pos = 3;
    }
}

static void begin_record(csv_reader *r)
{
    r->rec_len = 0;
    r->nfields = 0;
    r->field_start = 0;
    r->raw_len = 0;
    r->failed = 0;
    r->why[0] = '\0';
    r->state = AT_RECORD_START;
}

/* Reads bytes up to the end of one record; 0 when there was none. */
static int read_record(csv_reader *r)
{
    for (;;) {
        while (r->in_pos == r->in_len) {
            if (r->eof)
                return step_eof(r);
            fill(r);
            if (r->fatal)
                return 1;
        }
        if (!r->failed && (r->state == IN_UNQUOTED || r->state == IN_QUOTED)) {
            take_run(r);
            if (r->in_pos == r->in_len)
                continue;
        }
        r->last = r->in[r->in_pos++];
        if (step(r, r->last))
            return 1;
    }
}

int csv_next(csv_reader *r, csv_row *row, char *err, size_t errlen)
{
    int found = 0;

    memset(row, 0, sizeof *row);
    if (!r->fatal) {
        begin_record(r);
        found = read_record(r);
    }
    if (r->fatal) {
        snprintf(err, errlen, "%s", r->fatal_why);
        return CSV_FATAL;
    }
    if (!found)
        return CSV_EOF;
    if (r->failed) {
        if (r->end_line > r->record_line)
            snprintf(err, errlen, "line %ld: %s (record skipped through line %ld)",
                     r->record_line, r->why, r->end_line);
        else
            snprintf(err, errlen, "line %ld: %s", r->record_line, r->why);
        return CSV_BAD;
    }
    row->data = r->rec;
    row->start = r->start;
    row->len = r->len;
    row->count = r->nfields;
    row->line = r->record_line;
    return CSV_ROW;
}

size_t csv_row_count(const csv_row *row)
{
    return row->count;
}

const char *csv_row_field(const csv_row *row, size_t i)
{
    return i < row->count ? row->data + row->start[i] : NULL;
}

size_t csv_row_len(const csv_row *row, size_t i)
{
    return i < row->count ? row->len[i] : 0;
}

long csv_row_line(const csv_row *row)
{
    return row->line;
}

/* The header row. Names live in one block, each NUL-terminated. */
struct csv_header {
    size_t count;
    char **name;
    char *text;
    size_t text_len;
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies field i of row, trimmed, into h's block at *at. */
static void copy_trimmed(csv_header *h, const csv_row *row, size_t i, size_t *at)
{
    const char *s = csv_row_field(row, i);
    size_t len = csv_row_len(row, i);

    while (len && is_blank(*s)) {
        s++;
        len--;
    }
    while (len && is_blank(s[len - 1]))
        len--;
    h->name[i] = h->text + *at;
    memcpy(h->name[i], s, len);
    h->name[i][len] = '\0';
    *at += len + 1;
}

/* Checks names: none empty, none repeated. Names a column, never a value. */
static int check_names(const csv_header *h, long line, char *err, size_t errlen)
{
    for (size_t i = 0; i < h->count; i++) {
        if (h->name[i][0] == '\0') {
            snprintf(err, errlen, "line %ld: column %zu of the header has no name", line, i + 1);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(h->name[i], h->name[j]) == 0) {
                snprintf(err, errlen, "line %ld: header columns %zu and %zu have the same name",
                         line, j + 1, i + 1);
                return -1;
            }
        }
    }
    return 0;
}

csv_header *csv_header_from_row(const csv_row *row, char *err, size_t errlen)
{
    size_t n = csv_row_count(row), bytes = 0, at = 0;
    csv_header *h;

    for (size_t i = 0; i < n; i++)
        bytes += csv_row_len(row, i) + 1;
    h = calloc(1, sizeof *h);
    if (h) {
        h->name = calloc(n ? n : 1, sizeof *h->name);
        h->text = malloc(bytes ? bytes : 1);
        h->text_len = bytes;
        h->count = n;
    }
    if (!h || !h->name || !h->text) {
        snprintf(err, errlen, "out of memory");
        csv_header_free(h);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        copy_trimmed(h, row, i, &at);
    if (check_names(h, csv_row_line(row), err, errlen) != 0) {
        csv_header_free(h);
        return NULL;
    }
    return h;
}

csv_header *csv_read_header(csv_reader *r, char *err, size_t errlen)
{
    csv_row row;
    csv_header *h;
    int rc = csv_next(r, &row, err, errlen);

    if (rc == CSV_EOF) {
        snprintf(err, errlen, "the file is empty: expected a header row");
        return NULL;
    }
    if (rc != CSV_ROW)
        return NULL;
    h = csv_header_from_row(&row, err, errlen);
    if (h)
        csv_expect_fields(r, h->count);
    return h;
}

size_t csv_header_count(const csv_header *h)
{
    return h->count;
}

const char *csv_header_name(const csv_header *h, size_t i)
{
    return i < h->count ? h->name[i] : NULL;
}

long csv_header_index(const csv_header *h, const char *name)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcmp(h->name[i], name) == 0)
            return (long)i;
    return -1;
}

/* The block is wiped: when a file lacks its header, this held a record. */
void csv_header_free(csv_header *h)
{
    if (!h)
        return;
    if (h->text)
        secure_wipe(h->text, h->text_len);
    free(h->text);
    free(h->name);
    free(h);
}
