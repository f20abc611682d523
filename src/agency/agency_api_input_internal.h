/* agency_api_input_internal.h -- what agency_api_input.c (the JSON
 * forms, the rows and the field checks) shares with
 * agency_api_input_csv.c (the CSV form). Not for other files. */
#ifndef HERALD_AGENCY_API_INPUT_INTERNAL_H
#define HERALD_AGENCY_API_INPUT_INTERNAL_H

#include "agency_api_input.h"

/* The caller's reference comes back in answers, callbacks and logs: one
 * that looks like a resident registration number is refused, lest an RRN
 * put in the reference column travel everywhere unmasked. */
#define REFERENCE_NOT_RRN "must not hold a resident registration number (6 digits," \
                          " a hyphen or not, 7 digits): use the caller's own id"

/* A name, an address or a personalisation value is stored with the
 * document and printed on the letter: one holding an RRN is refused (the
 * rrn field is the one place for it, and it is kept in memory only). */
#define VALUE_NOT_RRN "%s holds a resident registration number: only rrn may, as herald" \
                      " stores no RRN"

/* amount_krw, payment_code, payment_due (payment_ref.h's names). */
extern const char *const api_in_payment_cols[3];

int api_in_add_col(api_rows *rs, const char *name);
/* The first three columns: rrn, name, address. */
int api_in_start_cols(api_rows *rs);
/* Appends a row from one value per column (NULL: not given). */
int api_in_add_row(api_rows *rs, long rownum, const char *ref, const char *const *vals,
                   const size_t *lens);
/* NULL when s (len bytes, NULL: absent) is fine, else why not. */
const char *api_in_text_problem(const char *s, size_t len, size_t max, int required);
int api_in_value_has_rrn(const api_rows *rs, const char *s, size_t len);
/* A personalisation name quoted in errors: 1-64 of [A-Za-z0-9_-], no
 * RRN, not a reserved one. */
int api_in_col_name_ok(const char *k);
/* template, title, deadline, scheduled_for, urgent: row 0 errors. */
int api_in_check_common(api_rows *rs, const api_common *c, long long now_ms, api_errors *e);
/* Refuses every row whose reference an earlier row has, and drops it. */
int api_in_drop_repeats(api_rows *rs, api_errors *e);

#endif
