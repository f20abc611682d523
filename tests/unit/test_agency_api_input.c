/* Unit tests for agency_api_input.c (what the back-office API takes),
 * agency_problem.c (its error shape and RRN masking) and the pure rules
 * of agency_callback.c (URLs, backoff, retries, key ids). */
#include <stdarg.h>
#include <stddef.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agency_api_input.h"
#include "agency_callback.h"
#include "agency_problem.h"
#include "agency_ref.h"
#include "buf.h"
#include "crypto.h"
#include "json_wipe.h"

#define NOW 1795000000000LL /* 2026-11-18 */

static const char one[] =
    "{\"template\":\"tax\",\"reference\":\"r-1\",\"rrn\":\"971013-9019902\",\"name\":\"홍길동\","
    "\"address\":\"서울\",\"personalisation\":{\"amount\":\"125,000\"},\"title\":\"T\","
    "\"deadline\":\"2026-12-31\"}";

static int parse_one(const char *body, api_rows *rs, api_errors *e)
{
    memset(e, 0, sizeof *e);
    return api_input_notice(body, strlen(body), NOW, rs, e);
}

/* urgent is a boolean, false when left out; CSV bulks take it from the
 * query string as "true" or "false". */
static void urgent_is_read(void **state)
{
    char body[1024];
    api_rows rs;
    api_errors e;
    (void)state;

    assert_int_equal(parse_one(one, &rs, &e), API_IN_OK);
    assert_int_equal(rs.urgent, 0);
    api_rows_free(&rs);
    api_errors_free(&e);
    snprintf(body, sizeof body, "%.*s,\"urgent\":true}", (int)strlen(one) - 1, one);
    assert_int_equal(parse_one(body, &rs, &e), API_IN_OK);
    assert_int_equal(rs.urgent, 1);
    api_rows_free(&rs);
    api_errors_free(&e);

    static const char csv[] = "reference,rrn,name,address\nu-1,971013-9019902,홍,서울\n";
    api_common c = {"tax", "T", "2026-12-31", NULL, "true"};
    memset(&e, 0, sizeof e);
    assert_int_equal(api_input_bulk_csv(csv, strlen(csv), &c, NOW, &rs, &e), API_IN_OK);
    assert_int_equal(rs.urgent, 1);
    api_rows_free(&rs);
    api_errors_free(&e);
    c.urgent = "1";
    memset(&e, 0, sizeof e);
    assert_int_equal(api_input_bulk_csv(csv, strlen(csv), &c, NOW, &rs, &e), API_IN_BAD);
    assert_string_equal(e.v[0].field, "urgent");
    api_errors_free(&e);
}

static void a_notice_becomes_one_row(void **state)
{
    api_rows rs;
    api_errors e;
    (void)state;

    assert_int_equal(parse_one(one, &rs, &e), API_IN_OK);
    assert_int_equal(rs.nrows, 1);
    assert_string_equal(rs.tpl, "tax");
    assert_string_equal(rs.rows[0].ref, "r-1");
    assert_string_equal(api_row_field(&rs.rows[0], API_COL_RRN), "971013-9019902");
    assert_string_equal(api_row_field(&rs.rows[0], API_COL_NAME), "홍길동");
    long c = api_rows_col(&rs, "amount");
    assert_true(c >= 3);
    assert_string_equal(api_row_field(&rs.rows[0], (size_t)c), "125,000");
    assert_int_equal(rs.scheduled_ms, 0);
    api_rows_free(&rs);
    api_errors_free(&e);
}

/* jansson's memory as the roles run it (json_wipe.c), watched: each
 * block it releases is searched for an RRN's digits. */
static int rrn_freed;

static void watch_release(void *p)
{
    if (memmem(p, malloc_usable_size(p), "9019902", 7))
        rrn_freed = 1;
    free(p);
}

/* 1 when parsing body (one notice, or a JSON bulk) let jansson free an RRN. */
static int freed_an_rrn(const char *body, int bulk)
{
    api_rows rs;
    api_errors e;

    memset(&e, 0, sizeof e);
    rrn_freed = 0;
    json_wipe_on_free(watch_release);
    if (bulk)
        api_input_bulk_json(body, strlen(body), NOW, &rs, &e);
    else
        api_input_notice(body, strlen(body), NOW, &rs, &e);
    json_set_alloc_funcs(malloc, free);
    api_rows_free(&rs);
    api_errors_free(&e);
    return rrn_freed;
}

/* Wherever an RRN came in the body, no memory jansson frees holds it: as
 * "rrn", in a value refused for holding one, in an array where an object
 * was wanted; jansson's lexer keeps its own copies of each token. */
static void parsed_rrns_are_wiped(void **state)
{
    (void)state;
    assert_false(freed_an_rrn(one, 0));
    assert_false(freed_an_rrn("{\"template\":\"tax\",\"reference\":\"r-1\",\"rrn\":\"800101-1234567\","
                              "\"name\":\"A\",\"address\":\"B\",\"personalisation\":"
                              "{\"note\":\"971013-9019902\"},\"title\":\"T\",\"deadline\":\"2026-12-31\"}",
                              0));
    assert_false(freed_an_rrn("[{\"rrn\":\"971013-9019902\"}]", 0));
    assert_false(freed_an_rrn("{\"template\":\"tax\",\"notices\":[\"971013-9019902\","
                              "{\"reference\":\"r-2\",\"rrn\":\"971013-9019902\"}]}",
                              1));
}

/* An RRN in a value is judged on the day the notice is posted (NOW, in
 * Korea): a birth date after it is no RRN yet. */
static void values_are_judged_on_the_posting_day(void **state)
{
    api_rows rs;
    api_errors e;
    char body[1024];
    const char *at = strstr(one, "125,000");
    (void)state;

    snprintf(body, sizeof body, "%.*s%s%s", (int)(at - one), one, "261119-3000000", at + 7);
    assert_int_equal(parse_one(body, &rs, &e), API_IN_OK);
    api_rows_free(&rs);
    api_errors_free(&e);
    snprintf(body, sizeof body, "%.*s%s%s", (int)(at - one), one, "261118-3000000", at + 7);
    assert_int_equal(parse_one(body, &rs, &e), API_IN_BAD);
    assert_string_equal(e.v[0].field, "personalisation.amount");
    api_rows_free(&rs);
    api_errors_free(&e);
}

/* Each bad field is refused with its name. */
static void bad_fields_are_named(void **state)
{
    static const struct { const char *from, *to, *field; } cases[] = {
        {"\"deadline\":\"2026-12-31\"", "\"deadline\":\"2026-13-31\"", "deadline"},
        /* passed, or within the hour, as the hub would refuse it */
        {"\"deadline\":\"2026-12-31\"", "\"deadline\":\"2026-11-17\"", "deadline"},
        {"\"deadline\":\"2026-12-31\"", "\"deadline\":\"2026-11-18T11:30:00Z\"", "deadline"},
        {"\"template\":\"tax\"", "\"template\":\"../etc\"", "template"},
        {"\"reference\":\"r-1\"", "\"reference\":\"a b\"", "reference"},
        {"\"name\":\"홍길동\"", "\"name\":\"\"", "name"},
        {"\"name\":\"홍길동\"", "\"name\":7", "name"},
        {"\"title\":\"T\"", "\"title\":\"\"", "title"},
        {"\"amount\":\"125,000\"", "\"amount\":5", "personalisation.amount"},
        {"{\"amount\"", "{\"rrn\"", "personalisation"},
        {"\"title\":\"T\"", "\"title\":\"T\",\"urgent\":\"yes\"", "urgent"},
        {"\"title\":\"T\"", "\"title\":\"T\",\"urgent\":1", "urgent"},
        /* an RRN where the caller's id belongs, in either shape */
        {"\"reference\":\"r-1\"", "\"reference\":\"971013-9019902\"", "reference"},
        {"\"reference\":\"r-1\"", "\"reference\":\"tax:9710139019902\"", "reference"},
        /* an RRN in a value herald stores, or in the title it sends on */
        {"\"name\":\"홍길동\"", "\"name\":\"홍길동 8503151234566\"", "name"},
        {"\"address\":\"서울\"", "\"address\":\"서울 850315-1234566\"", "address"},
        {"\"amount\":\"125,000\"", "\"amount\":\"850315-1234566\"", "personalisation.amount"},
        {"\"title\":\"T\"", "\"title\":\"T 850315-1234566\"", "title"},
        /* or in characters a reader takes for its digits and hyphen */
        {"\"address\":\"서울\"", "\"address\":\"서울 ８５０３１５－１２３４５６６\"", "address"},
        {"\"name\":\"홍길동\"", "\"name\":\"홍길동 850315\u200b1234566\"", "name"},
        {"\"title\":\"T\"", "\"title\":\"T 850315\u20131234566\"", "title"},
        /* what prints an empty window: white space and invisible characters */
        {"\"name\":\"홍길동\"", "\"name\":\"\u3000\u3000\"", "name"},
        {"\"address\":\"서울\"", "\"address\":\"\u00a0\u200b\"", "address"},
        /* a direction control draws reversed digits as an RRN */
        {"\"name\":\"홍길동\"", "\"name\":\"\u202e6654321-513058\u202c\"", "name"},
        {"\"address\":\"서울\"", "\"address\":\"서울 \\u2067종로\"", "address"},
        {"\"amount\":\"125,000\"", "\"amount\":\"\u202e6654321-513058\u202c\"",
         "personalisation.amount"},
        /* a C1 control (NEL), written raw or as JSON's escape */
        {"\"address\":\"서울\"", "\"address\":\"서울\\u0085종로\"", "address"},
        {"\"amount\":\"125,000\"", "\"amount\":\"125\xc2\x85" "000\"", "personalisation.amount"},
    };
    api_rows rs;
    api_errors e;
    char body[1024];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *at = strstr(one, cases[i].from);
        assert_non_null(at);
        snprintf(body, sizeof body, "%.*s%s%s", (int)(at - one), one, cases[i].to,
                 at + strlen(cases[i].from));
        assert_int_equal(parse_one(body, &rs, &e), API_IN_BAD);
        assert_string_equal(e.v[0].field, cases[i].field);
        assert_null(strstr(e.v[0].detail, "1234566"));
        api_rows_free(&rs);
        api_errors_free(&e);
    }
    assert_int_equal(parse_one("[1]", &rs, &e), API_IN_BAD);
    api_rows_free(&rs);
    api_errors_free(&e);
}

/* jansson's own message quotes the text it stopped at: an RRN written
 * without quotes, or cut short, must not come back in the error. */
static void malformed_json_is_not_quoted(void **state)
{
    static const char *const bodies[] = {
        "{\"rrn\": 971013-9019902}",
        "{\"rrn\":\"971013-9019902",
        "{\"rrn\":\"971013 9019902\t\"}",
    };
    api_rows rs;
    api_errors e;
    (void)state;

    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        assert_int_equal(parse_one(bodies[i], &rs, &e), API_IN_BAD);
        assert_int_equal(e.n, 1);
        assert_null(strstr(e.v[0].detail, "019902"));
        assert_non_null(strstr(e.v[0].detail, "line 1 column"));
        api_rows_free(&rs);
        api_errors_free(&e);
    }
    /* A key given twice refuses the body saying so, without the key. */
    assert_int_equal(parse_one("{\"template\":\"tax\",\"971013-9019902\":1,\"971013-9019902\":2}",
                               &rs, &e), API_IN_BAD);
    assert_int_equal(e.n, 1);
    assert_null(strstr(e.v[0].detail, "019902"));
    assert_non_null(strstr(e.v[0].detail, "a key given twice in one object at line 1 column"));
    api_rows_free(&rs);
    api_errors_free(&e);
}

static void scheduled_for_is_bounded(void **state)
{
    api_rows rs;
    api_errors e;
    char body[1024];
    (void)state;

    snprintf(body, sizeof body, "%.*s,\"scheduled_for\":\"2026-11-20T00:00:00Z\"}",
             (int)strlen(one) - 1, one);
    assert_int_equal(parse_one(body, &rs, &e), API_IN_OK);
    assert_true(rs.scheduled_ms > NOW);
    api_rows_free(&rs);
    snprintf(body, sizeof body, "%.*s,\"scheduled_for\":\"2027-06-01T00:00:00Z\"}",
             (int)strlen(one) - 1, one);
    assert_int_equal(parse_one(body, &rs, &e), API_IN_BAD);
    assert_string_equal(e.v[0].field, "scheduled_for");
    api_rows_free(&rs);
    api_errors_free(&e);
}

/* A bulk keeps its good rows and names each bad one by row. */
static void bulk_json_refuses_rows_not_the_bulk(void **state)
{
    static const char body[] =
        "{\"template\":\"tax\",\"title\":\"T\",\"deadline\":\"2026-12-31\",\"notices\":["
        "{\"reference\":\"a\",\"rrn\":\"1\",\"name\":\"n\",\"address\":\"x\",\"personalisation\":{\"k\":\"1\"}},"
        "{\"reference\":\"b\",\"rrn\":\"2\",\"address\":\"x\"},"
        "{\"reference\":\"c\",\"rrn\":\"3\",\"name\":\"n\",\"address\":\"x\",\"personalisation\":{\"j\":\"2\"}},"
        "{\"reference\":\"a\",\"rrn\":\"4\",\"name\":\"n\",\"address\":\"x\"}]}";
    api_rows rs;
    api_errors e = {0};
    (void)state;

    assert_int_equal(api_input_bulk_json(body, strlen(body), NOW, &rs, &e), API_IN_OK);
    assert_int_equal(rs.nrows, 2);
    assert_string_equal(rs.rows[0].ref, "a");
    assert_string_equal(rs.rows[1].ref, "c");
    assert_int_equal(rs.ncols, 5); /* rrn, name, address, k, j */
    long k = api_rows_col(&rs, "k");
    assert_true(rs.rows[0].present & (1ull << k));
    assert_false(rs.rows[1].present & (1ull << k));
    assert_int_equal(e.n, 2);
    assert_int_equal(e.v[0].row, 2);
    assert_string_equal(e.v[0].field, "name");
    assert_int_equal(e.v[1].row, 4);
    assert_string_equal(e.v[1].field, "reference");
    api_rows_free(&rs);
    api_errors_free(&e);
}

static void bulk_over_the_limit(void **state)
{
    size_t n = API_BULK_MAX_ROWS + 1, cap = n * 4 + 128;
    char *body = malloc(cap);
    size_t at;
    api_rows rs;
    api_errors e = {0};
    (void)state;

    at = (size_t)snprintf(body, cap, "{\"template\":\"t\",\"title\":\"T\","
                                     "\"deadline\":\"2026-12-31\",\"notices\":[");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(body + at, cap - at, i ? ",{}" : "{}");
    at += (size_t)snprintf(body + at, cap - at, "]}");
    assert_int_equal(api_input_bulk_json(body, at, NOW, &rs, &e), API_IN_TOO_MANY);
    api_rows_free(&rs);
    api_errors_free(&e);
    free(body);
}

/* Few rows, but a swarm of empty objects beside them (each ~216 bytes of
 * jansson's tree for 3 of body): refused before the parse. */
static void bulk_json_swarm_is_refused_unparsed(void **state)
{
    size_t n = (size_t)(API_BULK_MAX_ROWS + 1) * 4 + 1, cap = n * 3 + 256;
    char *body = malloc(cap);
    size_t at;
    api_rows rs;
    api_errors e = {0};
    (void)state;

    at = (size_t)snprintf(body, cap, "{\"template\":\"t\",\"title\":\"T\","
                                     "\"deadline\":\"2026-12-31\",\"notices\":[{}],\"x\":[");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(body + at, cap - at, i ? ",{}" : "{}");
    at += (size_t)snprintf(body + at, cap - at, "]}");
    assert_int_equal(api_input_bulk_json(body, at, NOW, &rs, &e), API_IN_TOO_MANY);
    api_rows_free(&rs);
    api_errors_free(&e);
    free(body);
    /* brackets and commas inside strings are not values */
    static const char *const quoted = "{\"a\":\"{{{,,,[[[\\\"{{\"}", *nested = "{\"a\":[{}]}";
    assert_false(json_body_too_many(quoted, strlen(quoted), 1, 1));
    assert_true(json_body_too_many("{\"a\":[1,2]}", strlen("{\"a\":[1,2]}"), 2, 9));
    assert_true(json_body_too_many(nested, strlen(nested), 9, 2));
    assert_false(json_body_too_many(nested, strlen(nested), 3, 3));
}

static void bulk_csv(void **state)
{
    static const char csv[] = "reference,rrn,name,address,amount\n"
                              "c-1,971013-9019902,홍길동,\"서울, 종로\",100\n"
                              "c-2,850315-1234566,,부산,200\n"
                              "c-3,1,2\n"
                              "bad ref,1,n,a,1\n"
                              "c-5,761225-2987650,정,대전,300\n"
                              "761225-2987650,761225-2987650,정,대전,300\n"
                              "c-8,761225-2987650,정,대전 761225-2987650,300\n"
                              "c-9,761225-2987650,정,대전,12345678901234\n";
    api_common c = {"tax", "T", "2026-12-31", NULL, NULL};
    api_rows rs;
    api_errors e = {0};
    (void)state;

    assert_int_equal(api_input_bulk_csv(csv, strlen(csv), &c, NOW, &rs, &e), API_IN_OK);
    assert_int_equal(rs.nrows, 3);
    assert_string_equal(rs.rows[0].ref, "c-1");
    assert_int_equal(rs.rows[0].row, 2);
    assert_string_equal(api_row_field(&rs.rows[0], API_COL_ADDRESS), "서울, 종로");
    assert_string_equal(rs.rows[1].ref, "c-5");
    assert_string_equal(rs.rows[2].ref, "c-9"); /* a 14-digit account number is no RRN */
    assert_int_equal(e.n, 5);
    assert_int_equal(e.v[0].row, 3);
    assert_string_equal(e.v[0].field, "name");
    assert_int_equal(e.v[1].row, 4); /* too few fields */
    assert_int_equal(e.v[2].row, 5);
    assert_string_equal(e.v[2].field, "reference");
    assert_int_equal(e.v[3].row, 7); /* an RRN as the reference */
    assert_string_equal(e.v[3].field, "reference");
    assert_null(strstr(e.v[3].detail, "2987650"));
    assert_int_equal(e.v[4].row, 8); /* an RRN in the address */
    assert_string_equal(e.v[4].field, "address");
    assert_null(strstr(e.v[4].detail, "2987650"));
    api_rows_free(&rs);
    api_errors_free(&e);

    static const char no_ref[] = "rrn,name,address\n1,n,a\n";
    assert_int_equal(api_input_bulk_csv(no_ref, strlen(no_ref), &c, NOW, &rs, &e),
                     API_IN_BAD);
    api_rows_free(&rs);
    api_errors_free(&e);
}

/* A CSV bulk's rows are held to the rules the JSON forms' are: a blank
 * name of ideographic spaces, a direction control in a value or a C1
 * control in an address refuse their row, naming the field; the rest go. */
static void csv_rows_print_as_stored(void **state)
{
    static const char csv[] = "reference,rrn,name,address,amount\n"
                              "p-1,971013-9019902,\u3000\u3000,서울,100\n"
                              "p-2,971013-9019902,홍길동,서울,\u202e6654321-513058\u202c\n"
                              "p-3,971013-9019902,홍길동,서울\xc2\x85종로,100\n"
                              "p-4,971013-9019902,홍길동,\u3000서울\u3000,\u00a0\n";
    api_common c = {"tax", "T", "2026-12-31", NULL, NULL};
    api_rows rs;
    api_errors e = {0};
    (void)state;

    assert_int_equal(api_input_bulk_csv(csv, strlen(csv), &c, NOW, &rs, &e), API_IN_OK);
    assert_int_equal(rs.nrows, 1);
    assert_string_equal(rs.rows[0].ref, "p-4");
    assert_int_equal(e.n, 3);
    assert_int_equal(e.v[0].row, 2);
    assert_string_equal(e.v[0].field, "name");
    assert_string_equal(e.v[0].detail, "name must not be blank");
    assert_int_equal(e.v[1].row, 3);
    assert_string_equal(e.v[1].field, "personalisation.amount");
    assert_string_equal(e.v[1].detail, "personalisation.amount holds a direction control "
                                       "character (U+202E), which can change what is printed");
    assert_int_equal(e.v[2].row, 4);
    assert_string_equal(e.v[2].field, "address");
    assert_non_null(strstr(e.v[2].detail, "control characters"));
    api_rows_free(&rs);
    api_errors_free(&e);
}

/* A CSV file takes as many personalisation fields as the JSON forms (61),
 * the reference beside them; one more is refused. */
static void csv_takes_as_many_fields_as_json(void **state)
{
    api_common c = {"tax", "T", "2026-12-31", NULL, NULL};
    api_rows rs;
    api_errors e = {0};
    char csv[4096];
    (void)state;

    for (int extra = 61; extra <= 62; extra++) {
        size_t n = (size_t)snprintf(csv, sizeof csv, "reference,rrn,name,address");
        for (int i = 0; i < extra; i++)
            n += (size_t)snprintf(csv + n, sizeof csv - n, ",f%d", i);
        n += (size_t)snprintf(csv + n, sizeof csv - n, "\nr-1,971013-9019902,n,a");
        for (int i = 0; i < extra; i++)
            n += (size_t)snprintf(csv + n, sizeof csv - n, ",v%d", i);
        n += (size_t)snprintf(csv + n, sizeof csv - n, "\n");
        assert_int_equal(api_input_bulk_csv(csv, n, &c, NOW, &rs, &e),
                         extra == 61 ? API_IN_OK : API_IN_BAD);
        if (extra == 61) {
            assert_int_equal(rs.nrows, 1);
            assert_int_equal(rs.ncols, 64);
        }
        api_rows_free(&rs);
        api_errors_free(&e);
    }
}

/* The payment as the JSON form's payment object, the CSV's columns: the
 * same three columns either way, judged by payment_ref.c's one rule, a
 * bad member named as payment.X. */
static void payment_reference(void **state)
{
    char body[1024];
    api_rows rs;
    api_errors e;
    long c;
    (void)state;

    snprintf(body, sizeof body, "%.*s,\"payment\":{\"amount_krw\":98000,\"payment_code\":"
             "\"GIRO-B\",\"payment_due\":\"2026-12-20\"}}", (int)strlen(one) - 1, one);
    assert_int_equal(parse_one(body, &rs, &e), API_IN_OK);
    assert_true((c = api_rows_col(&rs, "amount_krw")) >= 0);
    assert_string_equal(api_row_field(&rs.rows[0], (size_t)c), "98000");
    assert_string_equal(api_row_field(&rs.rows[0], (size_t)api_rows_col(&rs, "payment_code")),
                        "GIRO-B");
    assert_string_equal(api_row_field(&rs.rows[0], (size_t)api_rows_col(&rs, "payment_due")),
                        "2026-12-20");
    api_rows_free(&rs);
    api_errors_free(&e);

    /* none asked: no columns at all */
    assert_int_equal(parse_one(one, &rs, &e), API_IN_OK);
    assert_int_equal(api_rows_col(&rs, "amount_krw"), -1);
    api_rows_free(&rs);
    api_errors_free(&e);

    static const struct {
        const char *payment, *field, *detail;
    } bad[] = {
        {"{\"amount_krw\":0,\"payment_code\":\"G\"}", "payment.amount_krw", "whole number"},
        {"{\"amount_krw\":\"98000\",\"payment_code\":\"G\"}", "payment.amount_krw", "whole number"},
        {"{\"amount_krw\":98000.5,\"payment_code\":\"G\"}", "payment.amount_krw", "whole number"},
        {"{\"amount_krw\":1000000000001,\"payment_code\":\"G\"}", "payment.amount_krw", "10^12"},
        {"{\"amount_krw\":98000}", "payment.payment_code", "payment_code must be"},
        {"{\"amount_krw\":98000,\"payment_code\":\"G B\"}", "payment.payment_code", "[A-Za-z0-9._:-]"},
        {"{\"amount_krw\":98000,\"payment_code\":\"VA-9710139019902\"}", "payment.payment_code",
         "resident registration number"},
        {"{\"amount_krw\":98000,\"payment_code\":\"G\",\"payment_due\":\"2026-13-01\"}",
         "payment.payment_due", "YYYY-MM-DD"},
        {"{\"amount_krw\":98000,\"payment_code\":\"G\",\"due\":\"2026-12-01\"}", "payment",
         "amount_krw, payment_code and payment_due only"},
        {"{\"payment_due\":null}", "payment", "or be left out"},
        {"\"98000\"", "payment", "must be an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "%.*s,\"payment\":%s}", (int)strlen(one) - 1, one,
                 bad[i].payment);
        assert_int_equal(parse_one(body, &rs, &e), API_IN_BAD);
        assert_string_equal(e.v[0].field, bad[i].field);
        assert_non_null(strstr(e.v[0].detail, bad[i].detail));
        api_rows_free(&rs);
        api_errors_free(&e);
    }
    /* the payment's names are not personalisation */
    static const char clash[] =
        "{\"template\":\"tax\",\"reference\":\"r-1\",\"rrn\":\"971013-9019902\",\"name\":\"홍\","
        "\"address\":\"서울\",\"personalisation\":{\"amount_krw\":\"98000\"},\"title\":\"T\","
        "\"deadline\":\"2026-12-31\"}";
    assert_int_equal(parse_one(clash, &rs, &e), API_IN_BAD);
    assert_non_null(strstr(e.v[0].detail, "payment object"));
    api_rows_free(&rs);
    api_errors_free(&e);

    /* A bulk: a row without a payment gives its columns blank, as a CSV
     * row does; the payment's columns come first, so a row of many
     * personalisation fields meets the limit whatever the rows' order. */
    {
        buf b;
        buf_init(&b, 8192);
        buf_puts(&b, "{\"template\":\"tax\",\"title\":\"T\",\"deadline\":\"2026-12-31\","
                     "\"notices\":[{\"reference\":\"m-1\",\"rrn\":\"x\",\"name\":\"n\","
                     "\"address\":\"a\",\"personalisation\":{");
        for (int i = 0; i < 60; i++)
            buf_printf(&b, "%s\"f%d\":\"v\"", i ? "," : "", i);
        buf_puts(&b, "}},{\"reference\":\"m-2\",\"rrn\":\"x\",\"name\":\"n\",\"address\":"
                     "\"a\",\"payment\":{\"amount_krw\":5,\"payment_code\":\"G\"}},"
                     "{\"reference\":\"m-3\",\"rrn\":\"x\",\"name\":\"n\",\"address\":\"a\"}]}");
        memset(&e, 0, sizeof e);
        assert_int_equal(api_input_bulk_json(b.data, b.len, NOW, &rs, &e), API_IN_OK);
        assert_true(rs.ncols <= API_MAX_COLS);
        assert_int_equal(api_rows_col(&rs, "amount_krw"), 3);
        assert_int_equal(api_rows_col(&rs, "payment_code"), 4);
        assert_int_equal(rs.nrows, 2);
        assert_int_equal(e.n, 1);
        assert_int_equal(e.v[0].row, 1);
        assert_non_null(strstr(e.v[0].detail, "at most 58 personalisation fields"));
        assert_string_equal(rs.rows[0].ref, "m-2");
        assert_string_equal(api_row_field(&rs.rows[0], 3), "5");
        assert_string_equal(rs.rows[1].ref, "m-3");
        assert_true(rs.rows[1].present & (1ull << 3));
        assert_string_equal(api_row_field(&rs.rows[1], 3), "");
        api_rows_free(&rs);
        api_errors_free(&e);
        buf_free(&b);
    }

    /* CSV: the columns of agency send's file; a bad row alone refused */
    static const char csv[] = "reference,rrn,name,address,amount_krw,payment_code,payment_due\n"
                              "p-1,971013-9019902,홍,서울,98000,GIRO-B,2026-12-20\n"
                              "p-2,971013-9019902,홍,서울,12x,GIRO-B,\n"
                              "p-3,971013-9019902,홍,서울,,,\n";
    api_common cm = {"tax", "T", "2026-12-31", NULL, NULL};
    memset(&e, 0, sizeof e);
    assert_int_equal(api_input_bulk_csv(csv, strlen(csv), &cm, NOW, &rs, &e), API_IN_OK);
    assert_int_equal(rs.nrows, 2);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.v[0].row, 3);
    assert_string_equal(e.v[0].field, "payment.amount_krw");
    api_rows_free(&rs);
    api_errors_free(&e);
    static const char half[] = "reference,rrn,name,address,amount_krw\n"
                               "p-1,971013-9019902,홍,서울,98000\n";
    memset(&e, 0, sizeof e);
    assert_int_equal(api_input_bulk_csv(half, strlen(half), &cm, NOW, &rs, &e), API_IN_BAD);
    assert_non_null(strstr(e.v[0].detail, "needs both columns"));
    api_rows_free(&rs);
    api_errors_free(&e);
}

static void problems_mask_rrns(void **state)
{
    char s[] = "RRN 9710139019902 and 971013-9019902, not 12345-1234567 nor 1234567";
    (void)state;

    agency_problem_mask(s);
    assert_string_equal(s, "RRN 971013******* and 971013-*******, not 12345-1234567 nor 1234567");
    json_t *o = agency_problem_json(400, "rrn", 3, "RRN 971013-9019902: bad");
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 400);
    assert_int_equal(json_integer_value(json_object_get(o, "row")), 3);
    assert_string_equal(json_string_value(json_object_get(o, "field")), "rrn");
    assert_string_equal(json_string_value(json_object_get(o, "detail")), "RRN 971013-*******: bad");
    assert_string_equal(json_string_value(json_object_get(o, "title")), "Bad Request");
    assert_non_null(json_string_value(json_object_get(o, "type")));
    json_decref(o);
}

static void callback_rules(void **state)
{
    const char *why;
    char id[CALLBACK_KEY_ID_LEN + 1];
    (void)state;

    assert_true(agency_callback_url_ok("https://backoffice.example/cb", &why));
    assert_true(agency_callback_url_ok("http://127.0.0.1:8080/cb", &why));
    assert_true(agency_callback_url_ok("http://localhost/cb", &why));
    assert_true(agency_callback_url_ok("http://[::1]:9/cb", &why));
    assert_false(agency_callback_url_ok("http://example.org/cb", &why));
    assert_non_null(why);
    assert_false(agency_callback_url_ok("http://127.0.0.1.evil.example/cb", &why));
    assert_false(agency_callback_url_ok("ftp://127.0.0.1/", &why));
    assert_false(agency_callback_url_ok("https://user@host/", &why));
    assert_false(agency_callback_url_ok("https:///x", &why));
    assert_int_equal(agency_callback_backoff_ms(1), 1000);
    assert_int_equal(agency_callback_backoff_ms(2), 2000);
    assert_int_equal(agency_callback_backoff_ms(5), 16000);
    assert_int_equal(agency_callback_backoff_ms(40), 300000);
    assert_true(agency_callback_retryable(0));
    assert_true(agency_callback_retryable(429));
    assert_true(agency_callback_retryable(503));
    assert_false(agency_callback_retryable(400));
    assert_false(agency_callback_retryable(200));
    agency_callback_key_id("abc", id);
    assert_int_equal(strlen(id), CALLBACK_KEY_ID_LEN);
    assert_int_equal(id[0], 'k');
}

static void api_references(void **state)
{
    char a[FIELD_REFERENCE_MAX + 1], b[FIELD_REFERENCE_MAX + 1];
    (void)state;

    agency_ref_api("tax-2026-000001", a);
    agency_ref_api("tax-2026-000001", b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 36);
    assert_memory_equal(a, "api-", 4);
    assert_true(field_reference_ok(a, strlen(a)));
    agency_ref_api("tax-2026-000002", b);
    assert_string_not_equal(a, b);

    /* A new notice's: the batch's time first, so later batches sort after. */
    char c[FIELD_REFERENCE_MAX + 1], d[FIELD_REFERENCE_MAX + 1];
    agency_ref_api_at("tax-2026-000001", 1764720000000LL, c);
    agency_ref_api_at("tax-2026-000001", 1764720000000LL, d);
    assert_string_equal(c, d);
    assert_int_equal(strlen(c), 36);
    assert_true(field_reference_ok(c, strlen(c)));
    assert_memory_equal(c, "api-019ae1823c00", 16);
    assert_memory_equal(c + 16, a + 4, 20);
    agency_ref_api_at("tax-2026-000001", 1764720000001LL, d);
    assert_true(strcmp(c, d) < 0);
    agency_ref_api_at("tax-2026-000000", 1764720000001LL, d);
    assert_true(strcmp(c, d) < 0);
}

static void template_ids(void **state)
{
    static const char *const ok[] = {"vehicle-tax", "a", "tax.2026_v2", "9710131234",
                                     "97101-31234567"};
    static const char *const bad[] = {"", "a b", "a/b", "971013-1234567", "x9710131234567",
                                      "tax-971013-1234567-v1"};
    char longest[API_TEMPLATE_ID_MAX + 2];
    (void)state;

    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_true(api_template_id_ok(ok[i], strlen(ok[i])));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(api_template_id_ok(bad[i], strlen(bad[i])));
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    assert_false(api_template_id_ok(longest, API_TEMPLATE_ID_MAX + 1));
    assert_true(api_template_id_ok(longest, API_TEMPLATE_ID_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_notice_becomes_one_row),
        cmocka_unit_test(parsed_rrns_are_wiped),
        cmocka_unit_test(urgent_is_read),
        cmocka_unit_test(bad_fields_are_named),
        cmocka_unit_test(values_are_judged_on_the_posting_day),
        cmocka_unit_test(malformed_json_is_not_quoted),
        cmocka_unit_test(scheduled_for_is_bounded),
        cmocka_unit_test(bulk_json_refuses_rows_not_the_bulk),
        cmocka_unit_test(bulk_over_the_limit),
        cmocka_unit_test(bulk_json_swarm_is_refused_unparsed),
        cmocka_unit_test(bulk_csv),
        cmocka_unit_test(csv_rows_print_as_stored),
        cmocka_unit_test(csv_takes_as_many_fields_as_json),
        cmocka_unit_test(payment_reference),
        cmocka_unit_test(problems_mask_rrns),
        cmocka_unit_test(callback_rules),
        cmocka_unit_test(api_references),
        cmocka_unit_test(template_ids),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
