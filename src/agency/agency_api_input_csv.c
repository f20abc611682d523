/* agency_api_input_csv.c -- POST /v1/notices/bulk as text/csv (and the
 * console's upload): agency send's columns into the API's rows, each
 * field checked as the JSON forms check it (agency_api_input.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api_input.h"
#include "agency_api_input_internal.h"
#include "csv.h"
#include "letter_text.h"
#include "payment_ref.h"
#include "rrn.h"

/* The file's columns: ours (as many as the JSON forms take) and the
 * reference, which is not one of them. */
#define CSV_FILE_COLS (API_MAX_COLS + 1)

/* Maps the file's columns to ours: map[i] is our column for file column
 * i, -1 for reference. */
static int csv_columns(api_rows *rs, const csv_header *h, long map[CSV_FILE_COLS],
                       long *ref_col, api_errors *e)
{
    size_t n = csv_header_count(h);

    *ref_col = csv_header_index(h, "reference");
    if (csv_header_index(h, "rrn") < 0 || csv_header_index(h, "name") < 0 ||
        csv_header_index(h, "address") < 0 || *ref_col < 0)
        return api_errors_add(e, 1, "", "the header row must name the columns rrn, name, "
                              "address and reference"), API_IN_BAD;
    if (n > CSV_FILE_COLS)
        return api_errors_add(e, 1, "", "at most %d columns", CSV_FILE_COLS), API_IN_BAD;
    const char *why = payment_ref_columns(csv_header_index(h, PAYMENT_COL_AMOUNT) >= 0,
                                          csv_header_index(h, PAYMENT_COL_CODE) >= 0,
                                          csv_header_index(h, PAYMENT_COL_DUE) >= 0);
    if (why)
        return api_errors_add(e, 1, "payment", "%s", why), API_IN_BAD;
    for (size_t i = 0; i < n; i++) {
        const char *name = csv_header_name(h, i);
        long c = api_rows_col(rs, name);
        if ((long)i == *ref_col) {
            map[i] = -1;
            continue;
        }
        if (c < 0 && !api_in_col_name_ok(name))
            return api_errors_add(e, 1, "", "column %zu: a personalisation column is named "
                                  "1-64 of [A-Za-z0-9_-], no RRN, and not title or deadline", i + 1),
                   API_IN_BAD;
        if (c < 0) {
            if (api_in_add_col(rs, name) != 0)
                return API_IN_NO_MEMORY;
            c = (long)rs->ncols - 1;
        }
        map[i] = c;
    }
    return API_IN_OK;
}

/* The row's payment columns, when the file has them, judged as `agency
 * send` judges them: NULL, or why not with field naming the column. */
static const char *csv_payment_problem(const api_rows *rs, const char *const *vals,
                                       char field[API_FIELD_MAX + 1])
{
    long c[3];
    const char *why, *col;
    long long n;

    for (size_t i = 0; i < 3; i++)
        c[i] = api_rows_col(rs, api_in_payment_cols[i]);
    if (c[0] < 0)
        return NULL;
    why = payment_ref_check(vals[c[0]], vals[c[1]], c[2] >= 0 ? vals[c[2]] : NULL, &n, &col);
    if (why)
        api_field_name(field, col, strlen(col));
    return why;
}

/* One CSV record into a row. 1: refused (in e), -1: out of memory. */
static int csv_take(api_rows *rs, const csv_row *cr, const long *map, long ref_col,
                    api_errors *e)
{
    const char *vals[API_MAX_COLS] = {0}, *why;
    size_t lens[API_MAX_COLS] = {0};
    long line = csv_row_line(cr);
    const char *ref = csv_row_field(cr, (size_t)ref_col);

    if (!field_reference_ok(ref, csv_row_len(cr, (size_t)ref_col)))
        return api_errors_add(e, line, "reference", FIELD_RULE_REFERENCE) ? -1 : 1;
    if (rrn_find(ref, csv_row_len(cr, (size_t)ref_col), 0) >= 0)
        return api_errors_add(e, line, "reference", REFERENCE_NOT_RRN) ? -1 : 1;
    for (size_t i = 0; i < csv_row_count(cr); i++) {
        if (map[i] < 0)
            continue;
        vals[map[i]] = csv_row_field(cr, i);
        lens[map[i]] = csv_row_len(cr, i);
    }
    static const size_t max[] = {API_RRN_TEXT_MAX, API_NAME_MAX, API_ADDRESS_MAX};
    char field[API_FIELD_MAX + 1];
    for (size_t i = 0; i < rs->ncols; i++) {
        /* named as the JSON form and the documents name it */
        api_field_name(field, rs->cols[i], strlen(rs->cols[i]));
        why = api_in_text_problem(vals[i], lens[i], i < 3 ? max[i] : API_VALUE_MAX, i < 3);
        if (!why && (i == 1 || i == 2)) /* name, address: they are printed on paper */
            why = letter_field_problem(vals[i], lens[i]);
        else if (!why && i > 2 && vals[i]) /* values: printed within the document */
            why = letter_value_problem(vals[i], lens[i]);
        if (why)
            return api_errors_add(e, line, field, "%s %s", field, why) ? -1 : 1;
        if (i > 0 && vals[i] && api_in_value_has_rrn(rs, vals[i], lens[i]))
            return api_errors_add(e, line, field, VALUE_NOT_RRN, field) ? -1 : 1;
    }
    if ((why = csv_payment_problem(rs, vals, field)) != NULL)
        return api_errors_add(e, line, field, "%s", why) ? -1 : 1;
    return api_in_add_row(rs, line, ref, vals, lens) ? -1 : 0;
}

static int csv_rows(api_rows *rs, csv_reader *r, const long *map, long ref_col,
                    api_errors *e)
{
    char err[256];
    csv_row cr;
    size_t seen = 0;
    int k;

    while ((k = csv_next(r, &cr, err, sizeof err)) != CSV_EOF) {
        if (k == CSV_FATAL)
            return API_IN_NO_MEMORY;
        if (++seen > API_BULK_MAX_ROWS)
            return API_IN_TOO_MANY;
        if (k == CSV_BAD) {
            long line = strtol(err + strlen("line "), NULL, 10);
            if (api_errors_add(e, line, "", "%s", err) != 0)
                return API_IN_NO_MEMORY;
            continue;
        }
        if (csv_take(rs, &cr, map, ref_col, e) < 0)
            return API_IN_NO_MEMORY;
    }
    return API_IN_OK;
}

int api_input_bulk_csv(const char *body, size_t len, const api_common *common,
                       long long now_ms, api_rows *out, api_errors *errs)
{
    long map[CSV_FILE_COLS], ref_col;
    const csv_limits lim = {.max_fields = CSV_FILE_COLS};
    char err[256];
    csv_header *h = NULL;
    csv_reader *r = NULL;
    FILE *f;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = api_in_check_common(out, common, now_ms, errs)) != API_IN_OK)
        return rc;
    if (api_in_start_cols(out) != 0)
        return API_IN_NO_MEMORY;
    if (!len)
        return api_errors_add(errs, 0, "", "the CSV is empty"), API_IN_BAD;
    if (!(f = fmemopen((void *)body, len, "r")))
        return API_IN_NO_MEMORY;
    setvbuf(f, NULL, _IONBF, 0);
    if (!(r = csv_open(f, &lim))) {
        rc = API_IN_NO_MEMORY;
    } else if (!(h = csv_read_header(r, err, sizeof err))) {
        api_errors_add(errs, 1, "", "header: %s", err);
        rc = API_IN_BAD;
    } else if ((rc = csv_columns(out, h, map, &ref_col, errs)) == API_IN_OK) {
        rc = csv_rows(out, r, map, ref_col, errs);
        if (rc == API_IN_OK && !out->nrows && !errs->n) {
            api_errors_add(errs, 0, "", "the CSV has no rows");
            rc = API_IN_BAD;
        }
        if (rc == API_IN_OK && api_in_drop_repeats(out, errs) != 0)
            rc = API_IN_NO_MEMORY;
    }
    csv_header_free(h);
    csv_close(r);
    fclose(f);
    return rc;
}
