/* Unit tests for csv.c: RFC 4180 reading, every rejection, resynchronising
 * after a bad row, limits, the header helpers, and input that straddles
 * the reader's 64 KiB chunks. Input comes from fmemopen(). The RRN-like
 * SECRET is planted in bad fields to check that no message quotes it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csv.h"

#define SECRET "9710139019902"

typedef struct input {
    FILE *f;
    csv_reader *r;
} input;

static input open_len(const char *text, size_t len, const csv_limits *lim)
{
    input in;

    in.f = fmemopen((void *)text, len, "r");
    assert_non_null(in.f);
    in.r = csv_open(in.f, lim);
    assert_non_null(in.r);
    return in;
}

static input open_text(const char *text, const csv_limits *lim)
{
    return open_len(text, strlen(text), lim);
}

static void close_input(input *in)
{
    csv_close(in->r);
    fclose(in->f);
}

/* Expects a row starting on line with n fields given as varargs. */
static void expect_row(csv_reader *r, long line, size_t n, ...)
{
    csv_row row;
    char err[256] = "";
    va_list ap;
    int rc = csv_next(r, &row, err, sizeof err);

    if (rc != CSV_ROW)
        print_message("csv_next gave %d: %s\n", rc, err);
    assert_int_equal(rc, CSV_ROW);
    assert_int_equal(csv_row_line(&row), line);
    assert_int_equal(csv_row_count(&row), n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        assert_string_equal(csv_row_field(&row, i), want);
        assert_int_equal(csv_row_len(&row, i), strlen(want));
    }
    va_end(ap);
    assert_null(csv_row_field(&row, n));
    assert_int_equal(csv_row_len(&row, n), 0);
}

/* Expects a bad record reported as "line N: ..." holding reason. */
static void expect_bad(csv_reader *r, long line, const char *reason)
{
    csv_row row;
    char err[256] = "", prefix[32];
    int rc = csv_next(r, &row, err, sizeof err);

    if (rc != CSV_BAD || !strstr(err, reason))
        print_message("csv_next gave %d: %s\n", rc, err);
    assert_int_equal(rc, CSV_BAD);
    snprintf(prefix, sizeof prefix, "line %ld: ", line);
    assert_memory_equal(err, prefix, strlen(prefix));
    assert_non_null(strstr(err, reason));
    assert_null(strstr(err, SECRET));
    assert_null(strstr(err, "971013"));
}

static void expect_eof(csv_reader *r)
{
    csv_row row;
    char err[256];

    assert_int_equal(csv_next(r, &row, err, sizeof err), CSV_EOF);
    assert_int_equal(csv_next(r, &row, err, sizeof err), CSV_EOF);
}

static void plain_rows(void **state)
{
    input in = open_text("rrn,name,address\n" SECRET ",Kim,Seoul\n", NULL);
    (void)state;

    expect_row(in.r, 1, 3, "rrn", "name", "address");
    expect_row(in.r, 2, 3, SECRET, "Kim", "Seoul");
    expect_eof(in.r);
    close_input(&in);
}

static void korean_text(void **state)
{
    input in = open_text("rrn,name,address\n"
                         "971013-9019902,홍길동,서울특별시 종로구 세종대로 209\n"
                         "\"971013-9019902\",\"김, 철수\",\"부산광역시 \"\"해운대\"\"\"\n",
                         NULL);
    csv_row row;
    char err[256];
    (void)state;

    expect_row(in.r, 1, 3, "rrn", "name", "address");
    assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_ROW);
    assert_string_equal(csv_row_field(&row, 1), "홍길동");
    assert_int_equal(csv_row_len(&row, 1), 9); /* three 3-byte syllables */
    assert_string_equal(csv_row_field(&row, 2), "서울특별시 종로구 세종대로 209");
    expect_row(in.r, 3, 3, "971013-9019902", "김, 철수", "부산광역시 \"해운대\"");
    expect_eof(in.r);
    close_input(&in);
}

static void quoted_fields(void **state)
{
    input in = open_text("\"a,b\",\"say \"\"hi\"\"\",\"\"\n"
                         "\"\"\"\",\"\"\"\"\"\",x\n"
                         "\",\",\",,\",\",\"\n",
                         NULL);
    (void)state;

    expect_row(in.r, 1, 3, "a,b", "say \"hi\"", "");
    expect_row(in.r, 2, 3, "\"", "\"\"", "x");
    expect_row(in.r, 3, 3, ",", ",,", ",");
    expect_eof(in.r);
    close_input(&in);
}

static void embedded_line_breaks_keep_start_lines(void **state)
{
    input in = open_text("id,address\n"
                         "1,\"서울특별시\n종로구\n세종대로 209\"\n"
                         "2,\"line one\r\nline two\"\r\n"
                         "3,\"\n\n\"\n"
                         "4,plain\n",
                         NULL);
    (void)state;

    expect_row(in.r, 1, 2, "id", "address");
    expect_row(in.r, 2, 2, "1", "서울특별시\n종로구\n세종대로 209");
    expect_row(in.r, 5, 2, "2", "line one\r\nline two");
    expect_row(in.r, 7, 2, "3", "\n\n");
    expect_row(in.r, 10, 2, "4", "plain");
    expect_eof(in.r);
    close_input(&in);
}

static void byte_order_mark(void **state)
{
    input in = open_text("\xEF\xBB\xBFrrn,name\nx,\xEF\xBB\xBFy\n", NULL);
    (void)state;

    /* Stripped at the start of the file; elsewhere it is a character. */
    expect_row(in.r, 1, 2, "rrn", "name");
    expect_row(in.r, 2, 2, "x", "\xEF\xBB\xBFy");
    expect_eof(in.r);
    close_input(&in);

    in = open_text("\xEF\xBB\xBF", NULL);
    expect_eof(in.r);
    close_input(&in);
    in = open_text("\xEF\xBB\xBF\"q\"\n", NULL);
    expect_row(in.r, 1, 1, "q");
    close_input(&in);
}

static void crlf_line_ends(void **state)
{
    input in = open_text("a,b\r\nc,\"d\"\r\n,\r\n", NULL);
    (void)state;

    expect_row(in.r, 1, 2, "a", "b");
    expect_row(in.r, 2, 2, "c", "d");
    expect_row(in.r, 3, 2, "", "");
    expect_eof(in.r);
    close_input(&in);
}

static void last_record_without_line_end(void **state)
{
    static const char *const cases[] = {"a,b\nc,d", "a,b\nc,d\r", "a,b\n\"c\",\"d\""};
    input in;
    (void)state;

    for (size_t i = 0; i < 3; i++) {
        in = open_text(cases[i], NULL);
        expect_row(in.r, 1, 2, "a", "b");
        expect_row(in.r, 2, 2, "c", "d");
        expect_eof(in.r);
        close_input(&in);
    }
    in = open_text("a,", NULL);
    expect_row(in.r, 1, 2, "a", "");
    expect_eof(in.r);
    close_input(&in);
}

static void empty_fields(void **state)
{
    input in = open_text(",,\n\"\",,\"\"\nx\n,x,\n", NULL);
    (void)state;

    expect_row(in.r, 1, 3, "", "", "");
    expect_row(in.r, 2, 3, "", "", "");
    expect_row(in.r, 3, 1, "x");
    expect_row(in.r, 4, 3, "", "x", "");
    expect_eof(in.r);
    close_input(&in);
}

static void blank_lines_hold_no_record(void **state)
{
    input in = open_text("\n\na,b\n\r\n\nc,d\n\n", NULL);
    (void)state;

    expect_row(in.r, 3, 2, "a", "b");
    expect_row(in.r, 6, 2, "c", "d");
    expect_eof(in.r);
    close_input(&in);

    in = open_len("", 0, NULL);
    expect_eof(in.r);
    close_input(&in);
    /* A line of spaces is not blank: it is a record. */
    in = open_text(" \n", NULL);
    expect_row(in.r, 1, 1, " ");
    close_input(&in);
}

/* Each bad record sits between two good ones: it is reported with its
 * line, and the reader carries on with the next record. */
static void check_rejected(const char *bad, size_t badlen, long bad_lines, const char *reason)
{
    static const char head[] = "h1,h2\n";
    static const char tail[] = "ok,row\n";
    char text[512];
    size_t n = 0;
    input in;

    memcpy(text + n, head, sizeof head - 1);
    n += sizeof head - 1;
    memcpy(text + n, bad, badlen);
    n += badlen;
    memcpy(text + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    in = open_len(text, n, NULL);
    expect_row(in.r, 1, 2, "h1", "h2");
    expect_bad(in.r, 2, reason);
    expect_row(in.r, 2 + bad_lines, 2, "ok", "row");
    expect_eof(in.r);
    close_input(&in);
}

#define REJECTS(bad, lines, reason) check_rejected(bad, sizeof bad - 1, lines, reason)

static void rejects_invalid_utf8(void **state)
{
    (void)state;
    REJECTS(SECRET ",\x80" "abc\n", 1, "field 2 is not valid UTF-8");
    REJECTS(SECRET ",\xC0\x80\n", 1, "not valid UTF-8");         /* overlong NUL */
    REJECTS(SECRET ",\xE0\x80\xAF\n", 1, "not valid UTF-8");     /* overlong '/' */
    REJECTS(SECRET ",\xED\xA0\x80\n", 1, "not valid UTF-8");     /* surrogate */
    REJECTS(SECRET ",\xF4\x90\x80\x80\n", 1, "not valid UTF-8"); /* > U+10FFFF */
    REJECTS(SECRET ",\xF5\x80\x80\x80\n", 1, "not valid UTF-8");
    REJECTS("\xEA\xB9\n", 1, "field 1 is not valid UTF-8");       /* cut short */
    REJECTS("\xEA\xB9,\x80" SECRET "\n", 1, "field 1");            /* split by a comma */
    REJECTS("\"\xEA\xB9\"\"\x80\"," SECRET "\n", 1, "field 1");    /* split by a quote */
}

static void accepts_valid_utf8_edges(void **state)
{
    input in = open_text("\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,"
                         "\xF0\x90\x80\x80,\xF4\x8F\xBF\xBF,😀\n", NULL);
    (void)state;

    expect_row(in.r, 1, 8, "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
               "\xEE\x80\x80", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "😀");
    close_input(&in);
}

static void rejects_stray_quotes(void **state)
{
    (void)state;
    REJECTS(SECRET ",a\"b\n", 1, "field 2 has a quote but does not start with one");
    REJECTS(SECRET "\"\n", 1, "field 1 has a quote");
    REJECTS("\"" SECRET "\"x,y\n", 1, "field 1 has text after its closing quote");
    REJECTS("a,\"" SECRET "\" \n", 1, "field 2 has text after its closing quote");
    /* Leniency after the error must not treat the next line as quoted. */
    REJECTS("a,b\"c\"d\"e\n", 1, "field 2 has a quote");
    REJECTS("a,b\"\n", 1, "field 2 has a quote");
}

static void rejects_nul_bytes(void **state)
{
    (void)state;
    REJECTS(SECRET ",a\0b\n", 1, "field 2 holds a NUL byte");
    REJECTS("\"" SECRET "\0\"\n", 1, "field 1 holds a NUL byte");
}

static void rejects_bare_carriage_return(void **state)
{
    (void)state;
    REJECTS(SECRET ",a\rb\n", 1, "carriage return without a line feed");
    REJECTS("\"" SECRET "\"\rb\n", 1, "carriage return without a line feed");
    REJECTS("\rb\n", 1, "carriage return without a line feed");
    REJECTS("a,\rb\n", 1, "carriage return without a line feed");
}

static void rejects_unterminated_quote_at_eof(void **state)
{
    input in = open_text("a,b\n1,\"" SECRET "\n2,x\n3,y\n", NULL);
    (void)state;

    expect_row(in.r, 1, 2, "a", "b");
    /* Everything to the end is inside the quote: the error says how far
     * the damage runs, so the lost rows are not lost silently. */
    expect_bad(in.r, 2, "quoted field 2 opened on line 2 is never closed");
    close_input(&in);

    in = open_text("a,b\n1,\"" SECRET "\n2,x\n3,y\n", NULL);
    expect_row(in.r, 1, 2, "a", "b");
    {
        csv_row row;
        char err[256];
        assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_BAD);
        assert_non_null(strstr(err, "skipped through line 4"));
    }
    expect_eof(in.r);
    close_input(&in);
}

static void bad_row_in_the_middle(void **state)
{
    input in = open_text("rrn,name,address\n"
                         "971013-9019902,홍길동,서울특별시 종로구 세종대로 209\n"
                         "800101-1234567,이순신,\"부산광역시\n해운대구\"\n"
                         "800101-1234568,김\"철수,대구\n"
                         "800101-1234569,박영희,\"인천광역시\n남동구\"\n"
                         "800101-1234570,최민수,광주\n",
                         NULL);
    (void)state;

    expect_row(in.r, 1, 3, "rrn", "name", "address");
    expect_row(in.r, 2, 3, "971013-9019902", "홍길동", "서울특별시 종로구 세종대로 209");
    expect_row(in.r, 3, 3, "800101-1234567", "이순신", "부산광역시\n해운대구");
    expect_bad(in.r, 5, "field 2 has a quote");
    expect_row(in.r, 6, 3, "800101-1234569", "박영희", "인천광역시\n남동구");
    expect_row(in.r, 8, 3, "800101-1234570", "최민수", "광주");
    expect_eof(in.r);
    close_input(&in);
}

/* A bad byte inside a multi-line quoted field costs that record only: its
 * continuation lines never come back as rows. */
static void bad_multiline_record_skipped_whole(void **state)
{
    input in = open_text("a,b\n"
                         "1,\"first\n\xFF" SECRET "\nthird,x\"\n"
                         "2,\"fine\"\n",
                         NULL);
    csv_row row;
    char err[256];
    (void)state;

    expect_row(in.r, 1, 2, "a", "b");
    assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_BAD);
    assert_string_equal(err, "line 2: field 2 is not valid UTF-8 (record skipped through line 4)");
    expect_row(in.r, 5, 2, "2", "fine");
    expect_eof(in.r);
    close_input(&in);
}

static void several_bad_rows_each_reported(void **state)
{
    input in = open_text("\"x\"y\n\"\xFF\"\na\"b\nok\n\x80\n\"z\n", NULL);
    (void)state;

    expect_bad(in.r, 1, "text after its closing quote");
    expect_bad(in.r, 2, "not valid UTF-8");
    expect_bad(in.r, 3, "has a quote");
    expect_row(in.r, 4, 1, "ok");
    expect_bad(in.r, 5, "not valid UTF-8");
    expect_bad(in.r, 6, "never closed");
    expect_eof(in.r);
    close_input(&in);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void field_length_limit(void **state)
{
    csv_limits lim = {.max_field = 8};
    input in = open_text("12345678,\"1234,678\"\n123456789\n\"1\"\"345678\"\n\"12\"\"456789\"\nok\n", &lim);
    (void)state;

    expect_row(in.r, 1, 2, "12345678", "1234,678");
    expect_bad(in.r, 2, "field 1 longer than 8 bytes");
    expect_row(in.r, 3, 1, "1\"345678"); /* a doubled quote counts once */
    expect_bad(in.r, 4, "field 1 longer than 8 bytes");
    expect_row(in.r, 5, 1, "ok");
    close_input(&in);
}

static void default_field_limit_is_4k(void **state)
{
    char *ok = repeat('a', 4096), *big = repeat('b', 4097);
    size_t n = 4096 + 1 + 4097 + 1 + 3;
    char *text = malloc(n + 1);
    input in;
    (void)state;

    snprintf(text, n + 1, "%s\n%s\nok\n", ok, big);
    in = open_text(text, NULL);
    expect_row(in.r, 1, 1, ok);
    expect_bad(in.r, 2, "field 1 longer than 4096 bytes");
    expect_row(in.r, 3, 1, "ok");
    close_input(&in);
    free(ok);
    free(big);
    free(text);
}

static void field_count_limit(void **state)
{
    char text[1024];
    size_t n = 0;
    input in;
    (void)state;

    /* 64 fields, then 65 fields, then one. */
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, i ? ",%d" : "%d", i);
    n += (size_t)snprintf(text + n, sizeof text - n, "\n");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, i ? ",%d" : "%d", i);
    snprintf(text + n, sizeof text - n, "\nlast\n");
    in = open_text(text, NULL);
    {
        csv_row row;
        char err[256];
        assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_ROW);
        assert_int_equal(csv_row_count(&row), 64);
        assert_string_equal(csv_row_field(&row, 63), "63");
    }
    expect_bad(in.r, 2, "more than 64 fields");
    expect_row(in.r, 3, 1, "last");
    close_input(&in);

    csv_limits lim = {.max_fields = 2};
    in = open_text("a,b\na,b,c\n,,\nd,e\n", &lim);
    expect_row(in.r, 1, 2, "a", "b");
    expect_bad(in.r, 2, "more than 2 fields");
    expect_bad(in.r, 3, "more than 2 fields");
    expect_row(in.r, 4, 2, "d", "e");
    close_input(&in);
}

static void record_length_limit(void **state)
{
    csv_limits lim = {.max_record = 10};
    input in = open_text("1234,67890\r\n1234,678901\n\"12\n45\",78\n\"12\n456\",78\nok\n", &lim);
    (void)state;

    expect_row(in.r, 1, 2, "1234", "67890");      /* 10 bytes: CRLF not counted */
    expect_bad(in.r, 2, "record longer than 10 bytes");
    expect_row(in.r, 3, 2, "12\n45", "78");      /* 10 bytes, line break counted */
    expect_bad(in.r, 5, "record longer than 10 bytes");
    expect_row(in.r, 7, 1, "ok");
    close_input(&in);
}

static void default_record_limit_is_64k(void **state)
{
    char *field = repeat('x', 4095), *text = malloc(34 * 4096 + 64);
    size_t n = 0;
    input in;
    (void)state;

    /* 16 fields of 4095 bytes and 15 commas: 65535 bytes, accepted. */
    for (int i = 0; i < 16; i++)
        n += (size_t)sprintf(text + n, i ? ",%s" : "%s", field);
    n += (size_t)sprintf(text + n, "\n");
    /* 17 of them: 69631 bytes, rejected. */
    for (int i = 0; i < 17; i++)
        n += (size_t)sprintf(text + n, i ? ",%s" : "%s", field);
    sprintf(text + n, "\nok\n");
    in = open_text(text, NULL);
    {
        csv_row row;
        char err[256];
        assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_ROW);
        assert_int_equal(csv_row_count(&row), 16);
    }
    expect_bad(in.r, 2, "record longer than 65536 bytes");
    expect_row(in.r, 3, 1, "ok");
    close_input(&in);
    free(field);
    free(text);
}

/* A stray opening quote runs into the record limit; the hint says where. */
static void runaway_quote_hits_record_limit(void **state)
{
    csv_limits lim = {.max_record = 20};
    input in = open_text("a,\"b\nline\nline\nline\nline\nline\nline\nend\"\nok\n", &lim);
    csv_row row;
    char err[256];
    (void)state;

    assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_BAD);
    assert_string_equal(err, "line 1: record longer than 20 bytes (is the quote opened on "
                             "line 1 left unclosed?) (record skipped through line 8)");
    expect_row(in.r, 9, 1, "ok");
    close_input(&in);
}

static void header_helpers(void **state)
{
    input in = open_text(" rrn ,\tname,address , 세금\n1,2,3,4\n", NULL);
    char err[256];
    csv_header *h;
    (void)state;

    h = csv_read_header(in.r, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(csv_header_count(h), 4);
    assert_string_equal(csv_header_name(h, 0), "rrn");
    assert_string_equal(csv_header_name(h, 1), "name");
    assert_string_equal(csv_header_name(h, 2), "address");
    assert_string_equal(csv_header_name(h, 3), "세금");
    assert_null(csv_header_name(h, 4));
    assert_int_equal(csv_header_index(h, "rrn"), 0);
    assert_int_equal(csv_header_index(h, "address"), 2);
    assert_int_equal(csv_header_index(h, "세금"), 3);
    assert_int_equal(csv_header_index(h, "RRN"), -1); /* case-sensitive */
    assert_int_equal(csv_header_index(h, " rrn "), -1);
    assert_int_equal(csv_header_index(h, "phone"), -1);
    expect_row(in.r, 2, 4, "1", "2", "3", "4");
    csv_header_free(h);
    close_input(&in);
}

static void expect_header_error(const char *text, const char *reason)
{
    input in = open_text(text, NULL);
    char err[256] = "";

    assert_null(csv_read_header(in.r, err, sizeof err));
    if (!strstr(err, reason))
        print_message("err: %s\n", err);
    assert_non_null(strstr(err, reason));
    assert_null(strstr(err, SECRET));
    close_input(&in);
}

static void header_rejects(void **state)
{
    (void)state;
    expect_header_error("rrn,name,rrn\n", "line 1: header columns 1 and 3 have the same name");
    expect_header_error("\n\nrrn, name,name \n", "line 3: header columns 2 and 3 have the same name");
    expect_header_error(SECRET ",x," SECRET "\n", "columns 1 and 3 have the same name");
    expect_header_error("rrn,,name\n", "line 1: column 2 of the header has no name");
    expect_header_error("rrn,name, \n", "column 3 of the header has no name");
    expect_header_error("", "the file is empty");
    expect_header_error("\xEF\xBB\xBF\n\n", "the file is empty");
    expect_header_error("rrn,\"" SECRET "\x80\"\n", "line 1: field 2 is not valid UTF-8");
    /* Case differs: two distinct names. */
    {
        input in = open_text("Name,name\n", NULL);
        char err[256];
        csv_header *h = csv_read_header(in.r, err, sizeof err);
        assert_non_null(h);
        assert_int_equal(csv_header_index(h, "name"), 1);
        csv_header_free(h);
        close_input(&in);
    }
}

static void rows_must_match_header_width(void **state)
{
    input in = open_text("rrn,name,address\n1,2,3\n1,2\n1,2,3,4\n\"a\nb\",2,3\n", NULL);
    char err[256];
    csv_header *h = csv_read_header(in.r, err, sizeof err);
    (void)state;

    assert_non_null(h);
    expect_row(in.r, 2, 3, "1", "2", "3");
    expect_bad(in.r, 3, "2 fields, expected 3");
    expect_bad(in.r, 4, "4 fields, expected 3");
    expect_row(in.r, 5, 3, "a\nb", "2", "3");
    expect_eof(in.r);
    csv_expect_fields(in.r, 0);
    csv_header_free(h);
    close_input(&in);
}

static void header_from_row(void **state)
{
    input in = open_text("a,b\n", NULL);
    csv_row row;
    char err[256];
    csv_header *h;
    (void)state;

    assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_ROW);
    h = csv_header_from_row(&row, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(csv_header_index(h, "b"), 1);
    csv_header_free(h);
    csv_header_free(NULL);
    close_input(&in);
}

/* Appends n bytes of short padding rows ("p...p\n", none over 100 bytes). */
static size_t pad_rows(char *out, size_t n, size_t *rows)
{
    size_t done = 0;

    *rows = 0;
    while (done < n) {
        size_t len = n - done > 100 ? 100 : n - done;
        if (n - done - len == 1) /* never leave a lone newline */
            len--;
        memset(out + done, 'p', len - 1);
        out[done + len - 1] = '\n';
        done += len;
        (*rows)++;
    }
    return done;
}

/* Every tricky pair of bytes -- CRLF, a doubled quote, a quote and comma,
 * a Korean syllable -- is placed across the reader's 64 KiB chunk edge. */
static void records_straddle_chunk_edges(void **state)
{
    static const char tricky[] = "\"a\"\"b\",\"홍\r\n길\",c\r\n"
                                 "\"\",\"서울\"\r\n";
    size_t size = 70000;
    char *text = malloc(size);
    (void)state;

    for (size_t edge = 65536 - (sizeof tricky - 1); edge <= 65536; edge++) {
        size_t rows, n = pad_rows(text, edge, &rows);
        input in;
        csv_row row;
        char err[256];

        memcpy(text + n, tricky, sizeof tricky - 1);
        n += sizeof tricky - 1;
        in = open_len(text, n, NULL);
        for (size_t i = 0; i < rows; i++) {
            assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_ROW);
            assert_int_equal(csv_row_line(&row), (long)i + 1);
        }
        expect_row(in.r, (long)rows + 1, 3, "a\"b", "홍\r\n길", "c");
        expect_row(in.r, (long)rows + 3, 2, "", "서울");
        expect_eof(in.r);
        close_input(&in);
    }
    free(text);
}

/* A long file streams through one buffer: once warmed up by the longest
 * record, the row data never moves, so no row allocates. */
static void many_rows_reuse_one_buffer(void **state)
{
    const size_t rows = 100000;
    size_t cap = rows * 80, n = 0;
    char *text = malloc(cap);
    input in;
    csv_row row;
    char err[256], want[64];
    const char *data = NULL;
    (void)state;

    n += (size_t)sprintf(text, "rrn,name,address\n");
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(text + n, "%06zu-1234567,홍길동%zu,\"서울, %zu\"\n", i, i, i);
    in = open_len(text, n, NULL);
    for (size_t i = 0; i <= rows; i++) {
        assert_int_equal(csv_next(in.r, &row, err, sizeof err), CSV_ROW);
        assert_int_equal(csv_row_line(&row), (long)i + 1);
        if (i == 0)
            continue;
        if (!data)
            data = row.data;
        assert_ptr_equal(row.data, data);
        snprintf(want, sizeof want, "서울, %zu", i - 1);
        assert_string_equal(csv_row_field(&row, 2), want);
    }
    expect_eof(in.r);
    close_input(&in);
    free(text);
}

static void read_error_is_fatal(void **state)
{
    char space[16];
    FILE *f = fmemopen(space, sizeof space, "w"); /* not readable */
    csv_reader *r;
    csv_row row;
    char err[256];
    (void)state;

    assert_non_null(f);
    r = csv_open(f, NULL);
    assert_int_equal(csv_next(r, &row, err, sizeof err), CSV_FATAL);
    assert_non_null(strstr(err, "line 1: "));
    assert_int_equal(csv_next(r, &row, err, sizeof err), CSV_FATAL);
    csv_close(r);
    csv_close(NULL);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_rows),
        cmocka_unit_test(korean_text),
        cmocka_unit_test(quoted_fields),
        cmocka_unit_test(embedded_line_breaks_keep_start_lines),
        cmocka_unit_test(byte_order_mark),
        cmocka_unit_test(crlf_line_ends),
        cmocka_unit_test(last_record_without_line_end),
        cmocka_unit_test(empty_fields),
        cmocka_unit_test(blank_lines_hold_no_record),
        cmocka_unit_test(rejects_invalid_utf8),
        cmocka_unit_test(accepts_valid_utf8_edges),
        cmocka_unit_test(rejects_stray_quotes),
        cmocka_unit_test(rejects_nul_bytes),
        cmocka_unit_test(rejects_bare_carriage_return),
        cmocka_unit_test(rejects_unterminated_quote_at_eof),
        cmocka_unit_test(bad_row_in_the_middle),
        cmocka_unit_test(bad_multiline_record_skipped_whole),
        cmocka_unit_test(several_bad_rows_each_reported),
        cmocka_unit_test(field_length_limit),
        cmocka_unit_test(default_field_limit_is_4k),
        cmocka_unit_test(field_count_limit),
        cmocka_unit_test(record_length_limit),
        cmocka_unit_test(default_record_limit_is_64k),
        cmocka_unit_test(runaway_quote_hits_record_limit),
        cmocka_unit_test(header_helpers),
        cmocka_unit_test(header_rejects),
        cmocka_unit_test(rows_must_match_header_width),
        cmocka_unit_test(header_from_row),
        cmocka_unit_test(records_straddle_chunk_edges),
        cmocka_unit_test(many_rows_reuse_one_buffer),
        cmocka_unit_test(read_error_is_fatal),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
