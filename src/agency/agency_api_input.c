/* agency_api_input.c -- see agency_api_input.h. */
#include "agency_api_input.h"
#include "agency_api_input_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_ref.h"
#include "apikeys.h"
#include "batch.h"
#include "crypto.h"
#include "json_wipe.h"
#include "letter_text.h"
#include "payment_ref.h"
#include "rrn.h"
#include "seen_char.h"
#include "utf8.h"

/* scheduled_for may be at most this far ahead: the notice waits in the
 * server's memory until then. */
#define API_SCHEDULE_MAX_MS (30LL * 24 * 3600 * 1000)

static const char *const reserved_cols[] = {"rrn", "name", "address", "reference", "title",
                                            "deadline"};

/* ---- errors ---- */

int api_errors_add(api_errors *e, long row, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        api_error *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return -1;
        e->v = v;
        e->cap = cap;
    }
    api_error *x = &e->v[e->n++];
    x->row = row;
    snprintf(x->field, sizeof x->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(x->detail, sizeof x->detail, fmt, ap);
    va_end(ap);
    return 0;
}

void api_errors_free(api_errors *e)
{
    free(e->v);
    *e = (api_errors){0};
}

/* ---- rows ---- */

void api_row_free(api_row *r)
{
    if (r->data)
        secure_wipe(r->data, r->data_len);
    free(r->data);
    free(r->start);
    free(r->len);
    r->data = NULL;
    r->start = r->len = NULL;
}

void api_rows_free(api_rows *rs)
{
    for (size_t i = 0; i < rs->nrows; i++)
        api_row_free(&rs->rows[i]);
    free(rs->rows);
    for (size_t i = 0; i < rs->ncols; i++)
        free(rs->cols[i]);
    memset(rs, 0, sizeof *rs);
}

const char *api_row_field(const api_row *r, size_t i)
{
    return r->data + r->start[i];
}

static int is_named(const char *const *names, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], name, len))
            return 1;
    return 0;
}

const char *const api_in_payment_cols[] = {PAYMENT_COL_AMOUNT, PAYMENT_COL_CODE,
                                           PAYMENT_COL_DUE};

static int is_payment_col(const char *name, size_t len)
{
    return is_named(api_in_payment_cols, 3, name, len);
}

static int is_body_field(const char *name, size_t len)
{
    static const char *const own[] = {"rrn", "name", "address", "title", "deadline",
                                      "reference", "personalisation"};

    return is_named(own, sizeof own / sizeof own[0], name, len);
}

void api_field_name(char out[API_FIELD_MAX + 1], const char *name, size_t len)
{
    if (len > API_FIELD_MAX - (sizeof "personalisation." - 1))
        len = API_FIELD_MAX - (sizeof "personalisation." - 1);
    const char *prefix = is_body_field(name, len)    ? ""
                         : is_payment_col(name, len) ? "payment."
                                                     : "personalisation.";

    snprintf(out, API_FIELD_MAX + 1, "%s%.*s", prefix, (int)len, name);
}

long api_rows_col(const api_rows *rs, const char *name)
{
    for (size_t i = 0; i < rs->ncols; i++)
        if (!strcmp(rs->cols[i], name))
            return (long)i;
    return -1;
}

int api_in_add_col(api_rows *rs, const char *name)
{
    if (rs->ncols >= API_MAX_COLS || !(rs->cols[rs->ncols] = strdup(name)))
        return -1;
    rs->ncols++;
    return 0;
}

int api_in_start_cols(api_rows *rs)
{
    return api_in_add_col(rs, "rrn") || api_in_add_col(rs, "name") || api_in_add_col(rs, "address") ? -1 : 0;
}

/* Appends a row from one value per column (NULL: not given). */
int api_in_add_row(api_rows *rs, long rownum, const char *ref, const char *const *vals,
                   const size_t *lens)
{
    size_t total = 0;
    api_row *r;

    if (rs->nrows == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        api_row *v = realloc(rs->rows, cap * sizeof *v);
        if (!v)
            return -1;
        rs->rows = v;
        rs->cap = cap;
    }
    r = &rs->rows[rs->nrows];
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < rs->ncols; i++)
        total += (vals[i] ? lens[i] : 0) + 1;
    r->data = malloc(total);
    r->start = malloc(rs->ncols * sizeof *r->start);
    r->len = malloc(rs->ncols * sizeof *r->len);
    if (!r->data || !r->start || !r->len) {
        api_row_free(r);
        return -1;
    }
    r->data_len = total;
    for (size_t i = 0, off = 0; i < rs->ncols; i++) {
        size_t n = vals[i] ? lens[i] : 0;
        if (vals[i]) {
            memcpy(r->data + off, vals[i], n);
            r->present |= 1ull << i;
        }
        r->data[off + n] = '\0';
        r->start[i] = off;
        r->len[i] = n;
        off += n + 1;
    }
    r->row = rownum;
    snprintf(r->ref, sizeof r->ref, "%s", ref);
    rs->nrows++;
    return 0;
}

/* ---- field checks (NULL: fine, else why not) ---- */

const char *api_in_text_problem(const char *s, size_t len, size_t max, int required)
{
    /* Per thread: the server's threads check requests at once. */
    static _Thread_local char why[64];

    if (!s)
        return required ? "is required" : NULL;
    if (required && !len)
        return "must not be empty";
    if (len > max) {
        snprintf(why, sizeof why, "must be at most %zu bytes", max);
        return why;
    }
    if (strlen(s) != len)
        return "must not hold NUL characters";
    if (!utf8_valid(s, len))
        return "must be valid UTF-8";
    return NULL;
}



int api_in_value_has_rrn(const api_rows *rs, const char *s, size_t len)
{
    return seen_text_has_rrn(s, len, rs->today);
}

/* A column or personalisation name is quoted in errors: never an RRN. */
int api_in_col_name_ok(const char *k)
{
    size_t n = strlen(k);

    if (!n || n > 64 || rrn_find(k, n, 0) >= 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
              (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
            return 0;
    for (size_t i = 0; i < sizeof reserved_cols / sizeof reserved_cols[0]; i++)
        if (!strcmp(k, reserved_cols[i]))
            return 0;
    return 1;
}

/* A JSON string member, or NULL; *bad set when present but not a string. */
static const char *jstr(json_t *o, const char *key, size_t *len, int *bad)
{
    json_t *v = json_object_get(o, key);

    *len = 0;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

int api_template_id_ok(const char *id, size_t len)
{
    return len > 0 && len <= API_TEMPLATE_ID_MAX && apikeys_name_ok(id, len) &&
           rrn_find(id, len, 0) < 0;
}

/* template, title, deadline, scheduled_for, urgent: row 0 errors. */
int api_in_check_common(api_rows *rs, const api_common *c, long long now_ms, api_errors *e)
{
    const char *why;
    long long at;

    rs->today = rrn_day_of_ms(now_ms);
    if (!c->tpl || !api_template_id_ok(c->tpl, strlen(c->tpl)))
        return api_errors_add(e, 0, "template", "template must be a template id: "
                              API_TEMPLATE_ID_RULE), API_IN_BAD;
    if (!c->title || !field_title_ok(c->title, strlen(c->title)))
        return api_errors_add(e, 0, "title", "title must be 1-%d bytes of UTF-8 without "
                              "control characters or a resident registration number",
                              FIELD_TITLE_MAX), API_IN_BAD;
    if (!c->deadline)
        return api_errors_add(e, 0, "deadline", "deadline is required"), API_IN_BAD;
    if ((why = agency_ref_deadline_check(c->deadline)) != NULL)
        return api_errors_add(e, 0, "deadline", "deadline: %s", why), API_IN_BAD;
    rs->scheduled_ms = 0;
    if (c->scheduled_for) {
        if (field_time_parse(c->scheduled_for, strlen(c->scheduled_for), &at) != 0)
            return api_errors_add(e, 0, "scheduled_for", "scheduled_for must be an RFC 3339 "
                                  "time"), API_IN_BAD;
        if (at > now_ms + API_SCHEDULE_MAX_MS)
            return api_errors_add(e, 0, "scheduled_for", "scheduled_for must be at most 30 "
                                  "days ahead"), API_IN_BAD;
        rs->scheduled_ms = at > now_ms ? at : 0;
    }
    /* As the hub will judge it when the notice reaches it: refused now,
     * before idsvc, rendering and storing for rows it would refuse. */
    if (field_deadline_parse(c->deadline, strlen(c->deadline), &at) == 0 &&
        (why = field_deadline_refusal(at, rs->scheduled_ms > now_ms ? rs->scheduled_ms
                                                                    : now_ms)) != NULL)
        return api_errors_add(e, 0, "deadline", "%s%s", why,
                              rs->scheduled_ms ? " (at scheduled_for)" : ""), API_IN_BAD;
    if (c->urgent && strcmp(c->urgent, "true") && strcmp(c->urgent, "false"))
        return api_errors_add(e, 0, "urgent", FIELD_RULE_URGENT), API_IN_BAD;
    rs->urgent = c->urgent && !strcmp(c->urgent, "true");
    snprintf(rs->tpl, sizeof rs->tpl, "%s", c->tpl);
    snprintf(rs->title, sizeof rs->title, "%s", c->title);
    snprintf(rs->deadline, sizeof rs->deadline, "%s", c->deadline);
    return API_IN_OK;
}

/* The common members of a JSON body. */
static int json_common(json_t *o, api_rows *rs, long long now_ms, api_errors *e)
{
    static const char *const keys[] = {"template", "title", "deadline", "scheduled_for"};
    const char *v[4];
    size_t len;
    int bad = 0;

    for (size_t i = 0; i < 4; i++) {
        v[i] = jstr(o, keys[i], &len, &bad);
        if (bad || (v[i] && strlen(v[i]) != len))
            return api_errors_add(e, 0, keys[i], "%s must be a string", keys[i]), API_IN_BAD;
    }
    json_t *urgent = json_object_get(o, "urgent");
    if (urgent && !json_is_boolean(urgent))
        return api_errors_add(e, 0, "urgent", FIELD_RULE_URGENT), API_IN_BAD;
    api_common c = {v[0], v[1], v[2], v[3], json_is_true(urgent) ? "true" : NULL};
    return api_in_check_common(rs, &c, now_ms, e);
}

/* The payment's three columns, after rrn, name and address, when any of
 * the notices (a bulk's array of them, or the one) gives a payment: added
 * together and first, so that the column limit falls on personalisation
 * alike whatever the rows' order. */
static int payment_cols_for(api_rows *rs, json_t *notices)
{
    size_t n = json_is_array(notices) ? json_array_size(notices) : 1;

    for (size_t i = 0; i < n; i++) {
        json_t *one = json_is_array(notices) ? json_array_get(notices, i) : notices;
        json_t *pay = json_is_object(one) ? json_object_get(one, "payment") : NULL;
        if (pay && !json_is_null(pay)) {
            for (size_t c = 0; c < 3; c++)
                if (api_in_add_col(rs, api_in_payment_cols[c]) != 0)
                    return -1;
            return 0;
        }
    }
    return 0;
}

/* Adds the personalisation keys of one notice object to the columns.
 * A bad key is the row's error (returns 1); -1 out of memory. */
static int collect_cols(api_rows *rs, json_t *n, long row, api_errors *e)
{
    json_t *p = json_object_get(n, "personalisation"), *pay = json_object_get(n, "payment"), *v;
    int paid = api_rows_col(rs, PAYMENT_COL_AMOUNT) >= 0; /* 3 columns fewer */
    const char *k;

    /* (the payment's columns were added before any row's keys) */
    if (pay && !json_is_null(pay) && !json_is_object(pay))
        return api_errors_add(e, row, "payment", "payment must be an object: amount_krw, "
                              "payment_code and payment_due") ? -1 : 1;
    if (!p || json_is_null(p))
        return 0;
    if (!json_is_object(p))
        return api_errors_add(e, row, "personalisation", "personalisation must be an object "
                              "of strings") ? -1 : 1;
    json_object_foreach(p, k, v) {
        if (!api_in_col_name_ok(k))
            return api_errors_add(e, row, "personalisation", "personalisation: a field name is "
                                  "1-64 of [A-Za-z0-9_-], no RRN, and not rrn, name, address, "
                                  "reference, title or deadline") ? -1 : 1;
        if (is_payment_col(k, strlen(k)))
            return api_errors_add(e, row, "personalisation", "personalisation: %s is the "
                                  "payment's: give it in the notice's payment object", k) ? -1 : 1;
        if (api_rows_col(rs, k) >= 0)
            continue;
        if (rs->ncols >= API_MAX_COLS)
            return api_errors_add(e, row, "personalisation", "at most %d personalisation "
                                  "fields in one request%s", API_MAX_COLS - 3 - 3 * paid,
                                  paid ? " with a payment" : "") ? -1 : 1;
        if (api_in_add_col(rs, k) != 0)
            return -1;
    }
    return 0;
}

/* Puts one notice's payment object (NULL or null: none) into vals, its
 * amount written to amount. 0, 1 refused (in e), -1 out of memory. The
 * columns are there if any notice gives a payment (payment_cols_for). */
static int take_payment(api_rows *rs, json_t *pay, long row, char amount[24],
                        const char **vals, size_t *lens, api_errors *e)
{
    const char *text[3] = {NULL, NULL, NULL}, *k, *why, *col;
    char field[API_FIELD_MAX + 1];
    long c0 = api_rows_col(rs, PAYMENT_COL_AMOUNT);
    json_t *v;
    long long n;

    /* Where the request has a payment column, every notice gives it
     * (blank for none), as a CSV's column does: a template showing one
     * renders it empty, not "the template needs this field". */
    for (size_t i = 0; c0 >= 0 && i < 3; i++) {
        vals[c0 + (long)i] = "";
        lens[c0 + (long)i] = 0;
    }
    if (!pay || json_is_null(pay))
        return 0;
    json_object_foreach(pay, k, v) {
        if (!is_payment_col(k, strlen(k)))
            return api_errors_add(e, row, "payment", "payment has amount_krw, payment_code "
                                  "and payment_due only") ? -1 : 1;
    }
    v = json_object_get(pay, PAYMENT_COL_AMOUNT);
    if (v && !json_is_null(v) && !json_is_integer(v))
        return api_errors_add(e, row, "payment.amount_krw", FIELD_RULE_AMOUNT_KRW) ? -1 : 1;
    if (json_is_integer(v)) {
        snprintf(amount, 24, "%lld", (long long)json_integer_value(v));
        text[0] = amount;
    }
    for (size_t i = 1; i < 3; i++) {
        int bad = 0;
        size_t len;
        text[i] = jstr(pay, api_in_payment_cols[i], &len, &bad);
        if (bad || (text[i] && strlen(text[i]) != len))
            return api_errors_add(e, row, i == 1 ? "payment.payment_code" : "payment.payment_due",
                                  "%s must be a string", api_in_payment_cols[i]) ? -1 : 1;
    }
    if ((why = payment_ref_check(text[0], text[1], text[2], &n, &col)) != NULL) {
        api_field_name(field, col, strlen(col));
        return api_errors_add(e, row, field, "%s", why) ? -1 : 1;
    }
    if (!n)
        return api_errors_add(e, row, "payment", "payment must give amount_krw and "
                              "payment_code, or be left out") ? -1 : 1;
    for (size_t i = 0; i < 3; i++) {
        vals[c0 + (long)i] = text[i] ? text[i] : "";
        lens[c0 + (long)i] = text[i] ? strlen(text[i]) : 0;
    }
    return 0;
}

/* Checks one notice object and appends it. 1: refused (in e), -1: out
 * of memory. The keys were collected before. */
static int take_notice(api_rows *rs, json_t *n, long row, api_errors *e)
{
    static const char *const fixed[] = {"rrn", "name", "address"};
    static const size_t max[] = {API_RRN_TEXT_MAX, API_NAME_MAX, API_ADDRESS_MAX};
    const char *vals[API_MAX_COLS] = {0}, *ref, *why;
    size_t lens[API_MAX_COLS] = {0}, rlen;
    char field[API_FIELD_MAX + 1];
    int bad = 0;

    if (!json_is_object(n))
        return api_errors_add(e, row, "", "a notice must be an object") ? -1 : 1;
    ref = jstr(n, "reference", &rlen, &bad);
    if (bad || !ref || !field_reference_ok(ref, rlen) || strlen(ref) != rlen)
        return api_errors_add(e, row, "reference", FIELD_RULE_REFERENCE) ? -1 : 1;
    if (rrn_find(ref, rlen, 0) >= 0)
        return api_errors_add(e, row, "reference", REFERENCE_NOT_RRN) ? -1 : 1;
    for (size_t i = 0; i < 3; i++) {
        vals[i] = jstr(n, fixed[i], &lens[i], &bad);
        if (bad)
            return api_errors_add(e, row, fixed[i], "%s must be a string", fixed[i]) ? -1 : 1;
        if ((why = api_in_text_problem(vals[i], lens[i], max[i], 1)) != NULL ||
            (i > 0 && (why = letter_field_problem(vals[i], lens[i])) != NULL))
            return api_errors_add(e, row, fixed[i], "%s %s", fixed[i], why) ? -1 : 1;
        if (i > 0 && api_in_value_has_rrn(rs, vals[i], lens[i]))
            return api_errors_add(e, row, fixed[i], VALUE_NOT_RRN, fixed[i]) ? -1 : 1;
    }
    json_t *p = json_object_get(n, "personalisation"), *v;
    const char *k;
    json_object_foreach(p, k, v) {
        long c = api_rows_col(rs, k);
        snprintf(field, sizeof field, "personalisation.%.64s", k);
        if (c < 0 || !json_is_string(v))
            return api_errors_add(e, row, field, "%s must be a string", field) ? -1 : 1;
        vals[c] = json_string_value(v);
        lens[c] = json_string_length(v);
        if ((why = api_in_text_problem(vals[c], lens[c], API_VALUE_MAX, 0)) != NULL ||
            (why = letter_value_problem(vals[c], lens[c])) != NULL)
            return api_errors_add(e, row, field, "%s %s", field, why) ? -1 : 1;
        if (api_in_value_has_rrn(rs, vals[c], lens[c]))
            return api_errors_add(e, row, field, VALUE_NOT_RRN, field) ? -1 : 1;
    }
    char amount[24];
    int r = take_payment(rs, json_object_get(n, "payment"), row, amount, vals, lens, e);
    if (r != 0)
        return r;
    return api_in_add_row(rs, row, ref, vals, lens) ? -1 : 0;
}

static int parse_object(const char *body, size_t len, json_t **o, api_errors *e)
{
    json_body_error jerr;
    char why[128];

    *o = json_load_body(body, len, &jerr);
    if (!*o && jerr.no_memory)
        return API_IN_NO_MEMORY;
    if (!json_is_object(*o)) {
        int parsed = *o != NULL;

        json_decref(*o);
        *o = NULL;
        if (parsed)
            api_errors_add(e, 0, "", "the body must be a JSON object");
        else {
            json_body_error_text(&jerr, why, sizeof why);
            api_errors_add(e, 0, "", "the body must be a JSON object (%s)", why);
        }
        return API_IN_BAD;
    }
    return API_IN_OK;
}


int api_input_notice(const char *body, size_t len, long long now_ms, api_rows *out,
                     api_errors *errs)
{
    json_t *o;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = parse_object(body, len, &o, errs)) != API_IN_OK)
        return rc;
    rc = json_common(o, out, now_ms, errs);
    if (rc == API_IN_OK && (api_in_start_cols(out) != 0 || payment_cols_for(out, o) != 0))
        rc = API_IN_NO_MEMORY;
    if (rc == API_IN_OK) {
        int r = collect_cols(out, o, 0, errs);
        if (r == 0)
            r = take_notice(out, o, 0, errs);
        rc = r < 0 ? API_IN_NO_MEMORY : r > 0 ? API_IN_BAD : API_IN_OK;
    }
    /* freed memory keeps no RRN, wherever it came in the body: the agency
     * wipes every block jansson frees (json_wipe.c) */
    json_decref(o);
    return rc;
}

/* Finds repeated references in O(n log n) rather than row by row. */
typedef struct ref_at {
    const char *ref;
    size_t i;
} ref_at;

static int by_ref(const void *a, const void *b)
{
    const ref_at *x = a, *y = b;
    int c = strcmp(x->ref, y->ref);

    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Refuses every row whose reference an earlier row has, and drops it. */
int api_in_drop_repeats(api_rows *rs, api_errors *e)
{
    ref_at *v = malloc((rs->nrows ? rs->nrows : 1) * sizeof *v);
    unsigned char *gone = calloc(rs->nrows ? rs->nrows : 1, 1);
    size_t k = 0;

    if (!v || !gone) {
        free(v);
        free(gone);
        return -1;
    }
    for (size_t i = 0; i < rs->nrows; i++)
        v[i] = (ref_at){rs->rows[i].ref, i};
    qsort(v, rs->nrows, sizeof *v, by_ref);
    for (size_t i = 1; i < rs->nrows; i++)
        if (!strcmp(v[i].ref, v[i - 1].ref)) {
            size_t first = v[i - 1].i;
            while (i < rs->nrows && !strcmp(v[i].ref, rs->rows[first].ref)) {
                gone[v[i].i] = 1;
                if (api_errors_add(e, rs->rows[v[i].i].row, "reference", "reference repeats "
                                   "row %ld", rs->rows[first].row) != 0)
                    k = (size_t)-1;
                i++;
            }
        }
    free(v);
    if (k == (size_t)-1) {
        free(gone);
        return -1;
    }
    for (size_t i = 0; i < rs->nrows; i++) {
        if (gone[i])
            api_row_free(&rs->rows[i]);
        else
            rs->rows[k++] = rs->rows[i];
    }
    rs->nrows = k;
    free(gone);
    return 0;
}

/* JSON values a bulk row may hold: its own six fields, 61 of
 * personalisation and three of payment, with room; and its objects (the
 * row, its personalisation and payment), with room. Counted before the
 * parse: a 96 MiB body of empty objects would cost jansson 7 GB. */
#define API_VALUES_PER_ROW 80
#define API_OBJECTS_PER_ROW 4

int api_input_bulk_json(const char *body, size_t len, long long now_ms, api_rows *out,
                        api_errors *errs)
{
    json_t *o, *list, *n;
    unsigned char *refused = NULL;
    size_t i;
    int rc;

    memset(out, 0, sizeof *out);
    if (json_body_too_many(body, len, (size_t)(API_BULK_MAX_ROWS + 1) * API_VALUES_PER_ROW,
                           (size_t)(API_BULK_MAX_ROWS + 1) * API_OBJECTS_PER_ROW))
        return API_IN_TOO_MANY;
    if ((rc = parse_object(body, len, &o, errs)) != API_IN_OK)
        return rc;
    list = json_object_get(o, "notices");
    if ((rc = json_common(o, out, now_ms, errs)) != API_IN_OK)
        goto done;
    if (!json_is_array(list) || !json_array_size(list)) {
        api_errors_add(errs, 0, "notices", "notices must be a non-empty array");
        rc = API_IN_BAD;
        goto done;
    }
    if (json_array_size(list) > API_BULK_MAX_ROWS) {
        rc = API_IN_TOO_MANY;
        goto done;
    }
    rc = API_IN_NO_MEMORY;
    if (api_in_start_cols(out) != 0 || !(refused = calloc(json_array_size(list), 1)) ||
        payment_cols_for(out, list) != 0)
        goto done;
    json_array_foreach(list, i, n) {
        int r = json_is_object(n) ? collect_cols(out, n, (long)i + 1, errs) : 0;
        if (r < 0)
            goto done;
        refused[i] = (unsigned char)r;
    }
    json_array_foreach(list, i, n) {
        int r = refused[i] ? 1 : take_notice(out, n, (long)i + 1, errs);
        if (r < 0)
            goto done;
    }
    rc = api_in_drop_repeats(out, errs) ? API_IN_NO_MEMORY : API_IN_OK;
done:
    free(refused);
    /* freed memory keeps no RRN, wherever it came in the body: the agency
     * wipes every block jansson frees (json_wipe.c) */
    json_decref(o);
    return rc;
}
