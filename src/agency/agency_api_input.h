/* agency_api_input.h -- what a back-office system posts to `agency serve`
 * (POST /v1/notices, POST /v1/notices/bulk as JSON or CSV), checked and
 * turned into rows of the shape `agency send` reads from its CSV.
 *
 * Every field is checked here with a message naming it (and the row, in a
 * bulk), so a caller learns every mistake of a bulk in one answer and the
 * good rows still go. The RRN is only checked to be a short string here;
 * its rules run in the send pipeline, which reports a bad one masked. No
 * I/O: unit-tested in tests/unit/test_agency_api_input.c. */
#ifndef HERALD_AGENCY_API_INPUT_H
#define HERALD_AGENCY_API_INPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "field.h"

#define API_BULK_MAX_ROWS 50000
/* A bulk body as sent: 50,000 rows of about 1 KiB each, with room. */
#define API_BULK_MAX_BODY ((size_t)96 << 20)
#define API_NOTICE_MAX_BODY ((size_t)64 << 10)
#define API_TEMPLATE_ID_MAX 64
/* The longest field name an error gives: "personalisation." and a name. */
#define API_FIELD_MAX (sizeof "personalisation." - 1 + 64)
#define API_DEADLINE_MAX 32
#define API_NAME_MAX 200
#define API_ADDRESS_MAX 500
#define API_VALUE_MAX 4096
/* rrn, name, address and the personalisation fields. */
#define API_MAX_COLS 64
#define API_COL_RRN 0
#define API_COL_NAME 1
#define API_COL_ADDRESS 2
#define API_RRN_TEXT_MAX 20

/* One notice as a row: fields NUL-separated in data (the csv_row shape,
 * so the send pipeline takes it as it is). data holds the RRN: wiped when
 * freed. */
typedef struct api_row {
    long row; /* 1-based place in the request */
    char ref[FIELD_REFERENCE_MAX + 1]; /* the caller's reference */
    char *data;
    size_t data_len;
    size_t *start, *len;
    uint64_t present; /* bit i: column i was given */
} api_row;

/* Rows that share a template, a title and a deadline: one notice, or one
 * bulk. cols[0..2] are rrn, name, address. */
typedef struct api_rows {
    char tpl[API_TEMPLATE_ID_MAX + 1];
    char title[FIELD_TITLE_MAX + 1];
    char deadline[API_DEADLINE_MAX + 1];
    long long scheduled_ms; /* 0: at once */
    int urgent;             /* before bulk notices, at every role */
    int today;              /* YYYYMMDD in Korea when posted: RRN dates are checked against it */
    char *cols[API_MAX_COLS];
    size_t ncols;
    api_row *rows;
    size_t nrows, cap;
} api_rows;

/* A refusal: which row (0 for the request as a whole), which field. */
typedef struct api_error {
    long row;
    char field[API_FIELD_MAX + 1];
    char detail[256];
} api_error;

typedef struct api_errors {
    api_error *v;
    size_t n, cap;
} api_errors;

/* Outcomes of the parsers. */
enum {
    API_IN_OK = 0,
    API_IN_BAD = -1,       /* the request as a whole is refused: errs->v[0] */
    API_IN_TOO_MANY = -2,  /* over API_BULK_MAX_ROWS */
    API_IN_NO_MEMORY = -3,
};

/* POST /v1/notices: {"template","reference","rrn","name","address",
 * "personalisation":{...},"title","deadline","scheduled_for"?,"urgent"?}. On
 * API_IN_BAD the one error names the field. now_ms bounds scheduled_for. */
int api_input_notice(const char *body, size_t len, long long now_ms, api_rows *out,
                     api_errors *errs);

/* POST /v1/notices/bulk as JSON: {"template","title","deadline",
 * "scheduled_for"?,"urgent"?,"notices":[{"reference","rrn","name","address",
 * "personalisation"},...]}. A bad row goes to errs with its number and
 * is left out; API_IN_BAD only when the request as a whole is wrong. */
int api_input_bulk_json(const char *body, size_t len, long long now_ms, api_rows *out,
                        api_errors *errs);

/* The common part of a CSV bulk, from the query string. */
typedef struct api_common {
    const char *tpl, *title, *deadline, *scheduled_for; /* scheduled_for may be NULL */
    const char *urgent; /* "true", "false" or NULL (false) */
} api_common;

/* POST /v1/notices/bulk as text/csv: the columns of `agency send`'s
 * file (rrn, name, address, personalisation) and reference; rows are
 * numbered from 1 after the header. */
int api_input_bulk_csv(const char *body, size_t len, const api_common *common,
                       long long now_ms, api_rows *out, api_errors *errs);

/* The API's name for a field: the body's own (rrn, name, address, title,
 * deadline, reference, personalisation) as it is, any other
 * "personalisation.NAME" (at most API_FIELD_MAX bytes, above). Names are
 * at most 64 bytes (template fields and columns alike); a longer one is
 * cut. */
void api_field_name(char out[API_FIELD_MAX + 1], const char *name, size_t len);

/* Column i of a row as a C string. */
const char *api_row_field(const api_row *r, size_t i);
/* The column named name, or -1. */
long api_rows_col(const api_rows *rs, const char *name);

/* Adds an error; -1 when out of memory. */
/* A template id: 1-API_TEMPLATE_ID_MAX characters of [A-Za-z0-9._-] with
 * no resident registration number in it (an id reaches a file's name,
 * a job's refused rows and the log). */
int api_template_id_ok(const char *id, size_t len);
#define API_TEMPLATE_ID_RULE                                                                \
    "1-64 characters of [A-Za-z0-9._-], with no resident registration number in it"
int api_errors_add(api_errors *e, long row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void api_errors_free(api_errors *e);

/* Wipes and frees every row (and the columns). */
void api_rows_free(api_rows *rs);
/* Frees one row's data after wiping it. */
void api_row_free(api_row *r);

#endif
