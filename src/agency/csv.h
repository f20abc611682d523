/* csv.h -- a streaming RFC 4180 reader for agency recipient files.
 *
 * A recipient file (rrn, name, address, personalisation fields) can hold
 * millions of rows, so it is read one record at a time into one buffer that
 * is reused for every row: memory stays constant whatever the file size.
 *
 * A bad row must never stop the run nor vanish: csv_next reports it with
 * the line where it started, skips to the end of that record and the next
 * call carries on with the following one. Error messages name lines and
 * field numbers but never quote field contents, because fields hold RRNs.
 * For the same reason the reader wipes its buffers when closed.
 *
 * What is accepted: RFC 4180 with LF or CRLF line ends, quoted fields
 * holding commas, doubled quotes and line breaks (kept verbatim), a UTF-8
 * byte order mark at the very start, a last record without a line end.
 * Blank lines between records are skipped, they hold no record. Every
 * field must be valid UTF-8 without NUL bytes, so field text can be used as
 * a C string. */
#ifndef HERALD_CSV_H
#define HERALD_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_DEFAULT_MAX_FIELD (4u << 10)   /* bytes in one field, unquoted */
#define CSV_DEFAULT_MAX_FIELDS 64u         /* fields in one record */
#define CSV_DEFAULT_MAX_RECORD (64u << 10) /* bytes of one record as written */

/* A zero member means its default. */
typedef struct csv_limits {
    size_t max_field;
    size_t max_fields;
    size_t max_record;
} csv_limits;

/* What csv_next returns. */
enum {
    CSV_ROW = 1,   /* a row was read into *row */
    CSV_EOF = 0,   /* no more records */
    CSV_BAD = -1,  /* a malformed record was skipped; err says why */
    CSV_FATAL = -2 /* read error or out of memory: stop reading */
};

typedef struct csv_reader csv_reader;

/* One record. Its fields point into the reader's buffer and stay valid
 * until the next csv_next or csv_close. Read it through the accessors. */
typedef struct csv_row {
    const char *data;
    const size_t *start, *len;
    size_t count;
    long line;
} csv_row;

/* Starts reading f, which stays the caller's to close. lim may be NULL.
 * The reader buffers on its own: calling setvbuf(f, NULL, _IONBF, 0) before
 * the first read keeps a second, unwipeable copy of the file out of stdio's
 * buffer. Returns NULL when out of memory. */
csv_reader *csv_open(FILE *f, const csv_limits *lim);

/* Reads the next record. On CSV_BAD and CSV_FATAL, err holds
 * "line N: reason", N being the line where the record started. */
int csv_next(csv_reader *r, csv_row *row, char *err, size_t errlen);

/* From now on a record with another number of fields is CSV_BAD. 0 turns
 * the check off. csv_read_header sets it to the header's width. */
void csv_expect_fields(csv_reader *r, size_t n);

/* Wipes and frees the reader's buffers. NULL is allowed. */
void csv_close(csv_reader *r);

size_t csv_row_count(const csv_row *row);
/* Field i as a NUL-terminated string, or NULL when i is out of range. */
const char *csv_row_field(const csv_row *row, size_t i);
/* Length in bytes of field i, 0 when out of range. */
size_t csv_row_len(const csv_row *row, size_t i);
/* The physical line (1-based) on which the record started. */
long csv_row_line(const csv_row *row);

/* The header row: column names, trimmed of spaces and tabs, compared
 * case-sensitively. Names may not be empty nor repeat. */
typedef struct csv_header csv_header;

/* Builds a header from a row already read. NULL with err set when a name
 * is empty or repeated (err gives column numbers, never the names, in case
 * the first row was data), or when out of memory. */
csv_header *csv_header_from_row(const csv_row *row, char *err, size_t errlen);

/* Reads the first record as the header and makes the reader expect its
 * number of fields in every later row. NULL with err set on an empty file,
 * a malformed first record or a bad header. */
csv_header *csv_read_header(csv_reader *r, char *err, size_t errlen);

size_t csv_header_count(const csv_header *h);
const char *csv_header_name(const csv_header *h, size_t i);
/* The index of column name, or -1 when there is none. */
long csv_header_index(const csv_header *h, const char *name);
void csv_header_free(csv_header *h);

#endif
