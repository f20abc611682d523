/* Unit tests for template.c: compiling, every rejection, HTML escaping,
 * missing fields, and many documents rendered from one compiled template
 * with values read by csv.c, as the agency does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "csv.h"
#include "template.h"

/* A lookup over NULL-terminated name/value pairs. */
static const char *pairs_lookup(void *ctx, const char *name)
{
    const char *const *kv = ctx;

    for (; kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

static template *compile(const char *text)
{
    char err[256] = "";
    template *t = template_compile(text, strlen(text), err, sizeof err);

    if (!t)
        print_message("compile failed: %s\n", err);
    assert_non_null(t);
    return t;
}

/* Renders text with the pairs and compares with want. */
static void expect_render(const char *text, const char *const *kv, const char *want)
{
    template *t = compile(text);
    char err[256] = "";
    buf out;

    buf_init(&out, 0);
    assert_int_equal(template_render(t, pairs_lookup, (void *)kv, &out, err, sizeof err), 0);
    assert_string_equal(out.data, want);
    assert_int_equal(out.len, strlen(want));
    buf_free(&out);
    template_free(t);
}

static void expect_compile_error(const char *text, size_t len, const char *reason)
{
    char err[256] = "";

    assert_null(template_compile(text, len, err, sizeof err));
    if (!strstr(err, reason))
        print_message("err: %s\n", err);
    assert_non_null(strstr(err, reason));
}

#define REJECTS(text, reason) expect_compile_error(text, strlen(text), reason)

static void renders_korean_fields(void **state)
{
    static const char *const kv[] = {
        "name", "홍길동", "address", "서울특별시 종로구 세종대로 209", NULL,
    };
    (void)state;

    expect_render("<p>((name))님 귀하</p>\n<p>주소: ((address))</p>\n", kv,
                  "<p>홍길동님 귀하</p>\n<p>주소: 서울특별시 종로구 세종대로 209</p>\n");
}

static void text_outside_is_verbatim(void **state)
{
    static const char *const kv[] = {"x", "v", "amount_2024", "1,000원", NULL};
    (void)state;

    /* Markup and entities in the template are the agency's: not escaped. */
    expect_render("<b class=\"a\">&amp; 'q' </b>((x))", kv, "<b class=\"a\">&amp; 'q' </b>v");
    expect_render("(a) ( (x)) )) (x) ((x))((x))", kv, "(a) ( (x)) )) (x) vv");
    expect_render("(((x))) ((((x))))", kv, "(v) ((v))");
    expect_render("((amount_2024))", kv, "1,000원");
    expect_render("no placeholders at all", kv, "no placeholders at all");
    expect_render("", kv, "");
    expect_render("((x))", kv, "v");
    expect_render("end (", kv, "end (");
    expect_render("end ((x)) )", kv, "end v )");
}

static void values_are_html_escaped(void **state)
{
    static const char *const kv[] = {
        "v", "<script>alert(\"x\") & 'y'</script>", "empty", "", NULL,
    };
    (void)state;

    expect_render("<a title=\"((v))\">((v))</a>[((empty))]", kv,
                  "<a title=\"&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;\">"
                  "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;</a>[]");
}

static void values_are_not_reparsed(void **state)
{
    static const char *const kv[] = {"a", "((b))", "b", "secret", NULL};
    (void)state;

    /* A value that looks like a placeholder stays text. */
    expect_render("((a))", kv, "((b))");
}

static void missing_field_is_named_and_output_untouched(void **state)
{
    static const char *const kv[] = {"name", "홍길동", NULL};
    template *t = compile("<p>((name))</p><p>((tax_due))</p>");
    char err[256] = "";
    buf out;
    (void)state;

    buf_init(&out, 0);
    memset(out.data, 0, out.cap);
    buf_puts(&out, "previous;");
    const char *at = NULL;
    assert_int_equal(template_render_at(t, pairs_lookup, (void *)kv, &out, err, sizeof err, &at),
                     -1);
    assert_string_equal(err, "missing field 'tax_due'");
    assert_string_equal(at, "tax_due");
    /* The partial document (which held the name) is gone. */
    assert_string_equal(out.data, "previous;");
    assert_int_equal(out.len, strlen("previous;"));
    assert_null(memmem(out.data, out.cap, "홍길동", strlen("홍길동")));
    buf_free(&out);
    template_free(t);
}

static void fields_are_listed_once_in_order(void **state)
{
    template *t = compile("((b)) ((a)) ((b)) ((c_1)) ((a))");
    const char *const *names;
    size_t n;
    (void)state;

    names = template_fields(t, &n);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "b");
    assert_string_equal(names[1], "a");
    assert_string_equal(names[2], "c_1");
    template_free(t);

    t = compile("plain");
    template_fields(t, &n);
    assert_int_equal(n, 0);
    template_free(t);
}

static void rejects_bad_placeholders(void **state)
{
    (void)state;
    REJECTS("Dear ((name", "line 1: \"((\" is never closed by \"))\"");
    REJECTS("((", "line 1: \"((\" is never closed");
    REJECTS("a\nb\n((name)", "line 3: \"((\" is never closed");
    REJECTS("((name) )", "never closed");
    REJECTS("(())", "line 1: empty placeholder");
    REJECTS("x\n(())", "line 2: empty placeholder");
    REJECTS("((first name))", "line 1: placeholder names may only hold letters, digits and '_'");
    REJECTS("((name-2))", "may only hold letters");
    REJECTS("(( name ))", "may only hold letters");
    REJECTS("((이름))", "may only hold letters");
    REJECTS("((name)) ((name", "never closed");
    REJECTS("ok ((a)) then\n\n\n((b.c)) ))", "line 4: placeholder names");
    REJECTS("((\n))", "may only hold letters");
    REJECTS("((x)((x))", "may only hold letters");
}

static void name_length_limit(void **state)
{
    char text[200];
    template *t;
    (void)state;

    memset(text, 0, sizeof text);
    memcpy(text, "((", 2);
    memset(text + 2, 'n', 64);
    memcpy(text + 66, "))", 2);
    t = compile(text);
    template_free(t);

    memset(text, 0, sizeof text);
    memcpy(text, "((", 2);
    memset(text + 2, 'n', 65);
    memcpy(text + 67, "))", 2);
    REJECTS(text, "placeholder name longer than 64 characters");
}

/* A literal RRN would be copied into every document: refused with its
 * line and without its digits; other long numbers pass. */
static void literal_rrn_refused(void **state)
{
    static const char bad[] = "<p>Dear ((name)),</p>\n<p>Ref 800101-1234567</p>";
    static const char bad13[] = "<p>\n\n8001011234567</p>";
    char err[256];
    template *t;
    (void)state;

    expect_compile_error(bad, sizeof bad - 1, "line 2: the text holds what may be a resident"
                                              " registration number");
    assert_null(template_compile(bad, sizeof bad - 1, err, sizeof err));
    assert_null(strstr(err, "800101"));
    assert_null(strstr(err, "1234567"));
    expect_compile_error(bad13, sizeof bad13 - 1, "line 3:");
    /* as it is seen: markup inside the number hides nothing */
    static const char tagged[] = "<p>Ref 8001<b>01</b>-1234567</p>";
    expect_compile_error(tagged, sizeof tagged - 1, "line 1: the text holds what may be");
    static const char coded[] = "<p>Ref\n800101&#45;1234567</p>";
    expect_compile_error(coded, sizeof coded - 1, "line 2: the text holds what may be");
    static const char hidden[] = "<p>Ref</p><!-- 800101-1234567 -->";
    expect_compile_error(hidden, sizeof hidden - 1, "line 1: the text holds what may be");
    static const char shy[] = "<p>Ref\n\n800101&shy1234567</p>";
    expect_compile_error(shy, sizeof shy - 1, "line 3: the text holds what may be");
    static const char zwsp[] = "<p>Ref 800101\xE2\x80\x8B" "1234567</p>";
    expect_compile_error(zwsp, sizeof zwsp - 1, "line 1: the text holds what may be");
    /* 14 digits (an account), and 13 with no possible birth date */
    static const char good[] = "<p>12345678901234 8013451234567 ((a))</p>";
    t = template_compile(good, sizeof good - 1, err, sizeof err);
    assert_non_null(t);
    template_free(t);
}

/* Renders text with the pairs, expecting the RRN refusal naming field:
 * out is left as it was, and the error holds none of the digits. */
static void expect_seam_refused(const char *text, const char *const *kv, const char *field)
{
    template *t = compile(text);
    char err[256] = "", want[128];
    buf out;

    buf_init(&out, 0);
    buf_puts(&out, "kept");
    const char *at = NULL;
    assert_int_equal(template_render_at(t, pairs_lookup, (void *)kv, &out, err, sizeof err, &at),
                     -1);
    assert_non_null(at);
    assert_string_equal(at, field);
    snprintf(want, sizeof want, "field '%s' and the text beside it would show what may be a"
             " resident registration number", field);
    if (!strstr(err, want))
        print_message("err: %s\n", err);
    assert_non_null(strstr(err, want));
    assert_null(strstr(err, "800101"));
    assert_null(strstr(err, "1234567"));
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "kept", 4);
    buf_free(&out);
    template_free(t);
}

/* Each piece alone holds no RRN, but where a value meets the text (or
 * another value) one may be made: refused, on either side, across both
 * ends of a short value, with or without the hyphen. Runs that do not
 * cross a seam, or that are not RRNs, render. */
static void rrn_made_at_a_seam_refused(void **state)
{
    const char *const rest[] = {"rest", "1234567", NULL};
    const char *const front[] = {"front", "800101", NULL};
    const char *const mid[] = {"mid", "0101-123", NULL};
    const char *const two[] = {"a", "800101", "b", "1234567", NULL};
    const char *const long14[] = {"rest", "12345678", NULL};
    const char *const alone[] = {"v", "9001011234567", NULL};
    (void)state;

    expect_seam_refused("<p>No. 800101-((rest))</p>", rest, "rest");
    expect_seam_refused("<p>No. ((front))-1234567</p>", front, "front");
    expect_seam_refused("<p>No. ((front))1234567 issued</p>", front, "front");
    expect_seam_refused("<p>No. 80((mid))4567</p>", mid, "mid");
    expect_seam_refused("((a))((b))", two, "a");
    expect_seam_refused("((a))-((b))", two, "a");
    expect_seam_refused("800101-((rest))", rest, "rest");
    /* 14 digits across the seam: an account number, not an RRN */
    expect_render("<p>800101-((rest))</p>", long14, "<p>800101-12345678</p>");
    /* judged before the end, with more text and fields after it */
    const char *const later[] = {"rest", "1234567", "name", "Hong", NULL};
    expect_seam_refused("<p>800101-((rest)) and then a good deal more text, ((name)).</p>", later,
                        "rest");
    /* many short values in a row keep many seams open at once */
    const char *const digits[] = {"d", "1", NULL};
    expect_seam_refused("<p>800101-((d))((d))((d))((d))((d))((d))((d)) on file</p>", digits, "d");
    expect_render("<p>800101-((d))((d))((d))((d))((d))((d))((d))((d)) on file</p>", digits,
                  "<p>800101-11111111 on file</p>");
    /* a space at the seam, no possible date, a digit just before the run */
    expect_render("<p>800101 ((rest))</p>", rest, "<p>800101 1234567</p>");
    expect_render("<p>801301-((rest))</p>", rest, "<p>801301-1234567</p>");
    expect_render("<p>5800101-((rest))</p>", rest, "<p>5800101-1234567</p>");
    /* a value of its own is its supplier's to judge (a date to come may
     * be a reference): the seams are not there */
    expect_render("<p>No. ((v)) on file</p>", alone, "<p>No. 9001011234567 on file</p>");
    /* what is seen, not the bytes: markup or a reference at the seam */
    expect_seam_refused("<b>((a))</b>-((b))", two, "a");
    expect_seam_refused("((a))&#45;((b))", two, "a");
    expect_seam_refused("800101-<b>((rest))</b>", rest, "rest");
    expect_seam_refused("<p>No. <span class=\"num\">((front))</span><span>-1234567</span></p>",
                        front, "front");
    /* apart on the screen and the letter, or not shown at all: rendered */
    expect_render("<td>((a))</td><td>((b))</td>", two, "<td>800101</td><td>1234567</td>");
    expect_render("((a))<br>((b))", two, "800101<br>1234567");
    /* the bytes too: an attribute is stored and served, if not seen */
    expect_seam_refused("<a href=\"/x/800101-((rest))\">here</a>", rest, "rest");
    /* a reference the value ends: its character is the value's */
    const char *const ref_tail[] = {"d", "#55", NULL};
    expect_seam_refused("<p>800101-123456&((d));</p>", ref_tail, "d");
    /* ... ended as a browser ends it: at its last digit, ';' or not */
    expect_seam_refused("<p>800101-123456&((d))</p>", ref_tail, "d");
    expect_seam_refused("((a))&#45<i></i>((b))", two, "a");
    /* a comment a browser closes at once hides nothing */
    expect_seam_refused("((a))<!-->&#45;((b))<!-- -->", two, "a");
    /* what shows nothing, or shows a digit or a dash, is read so */
    const char *const shy[] = {"front", "800101\xC2\xAD", NULL};
    const char *const wide[] = {"rest", "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94"
                                        "\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97", NULL};
    expect_seam_refused("<p>No. ((front))1234567</p>", shy, "front");
    expect_seam_refused("<p>No. 800101&shy;((rest))</p>", rest, "rest");
    expect_seam_refused("<p>No. 800101&#8211;((rest))</p>", rest, "rest");
    expect_seam_refused("<p>No. 800101-((rest))</p>", wide, "rest");
    /* a value that only shows one, all by itself: its supplier read bytes */
    const char *const wide_all[] = {"v", "\xEF\xBC\x98" "00101-1234567", NULL};
    const char *const shy_in[] = {"v", "800101\xC2\xAD" "1234567", NULL};
    expect_seam_refused("<p>No. ((v)) on file</p>", wide_all, "v");
    expect_seam_refused("<p>No. ((v)) on file</p>", shy_in, "v");
    /* ... judged as its supplier would, on the day: a date to come passes */
    const char *const wide_later[] = {"v", "\xEF\xBC\x93" "01231-3234567", NULL};
    expect_render("<p>No. ((v)) on file</p>", wide_later,
                  "<p>No. \xEF\xBC\x93" "01231-3234567 on file</p>");
    /* a legacy reference's name ends where it ends, ';' after or not */
    expect_seam_refused("<p>No. 800101&shy((rest));</p>", rest, "rest");
    /* a hidden element between: not seen */
    expect_seam_refused("<p>No. ((front))<title>x</title>-1234567</p>", front, "front");
    /* ... but a title shows in the tab, on its own */
    expect_seam_refused("<title>No. 800101&#45;((rest))</title><p>x</p>", rest, "rest");
}

static void size_limit(void **state)
{
    size_t n = TEMPLATE_MAX_BYTES + 1;
    char *text = malloc(n), err[256];
    template *t;
    (void)state;

    memset(text, 'x', n);
    memcpy(text, "((a))", 5);
    t = template_compile(text, n - 1, err, sizeof err);
    assert_non_null(t);
    template_free(t);
    expect_compile_error(text, n, "template larger than 1048576 bytes");
    free(text);
}

static void placeholder_count_limit(void **state)
{
    size_t n = 1001 * 6 + 1;
    char *text = malloc(n), err[256];
    template *t;
    size_t count;
    (void)state;

    for (size_t i = 0; i < 1001; i++)
        memcpy(text + i * 6, "((a)) ", 6);
    text[n - 1] = '\0';
    t = template_compile(text, 1000 * 6, err, sizeof err);
    assert_non_null(t);
    template_fields(t, &count);
    assert_int_equal(count, 1);
    template_free(t);
    expect_compile_error(text, 1001 * 6, "line 1: more than 1000 placeholders");
    free(text);
}

static void text_with_nul_is_copied(void **state)
{
    static const char text[] = "a\0b((x))c";
    static const char *const kv[] = {"x", "v", NULL};
    char err[256];
    template *t = template_compile(text, sizeof text - 1, err, sizeof err);
    buf out;
    (void)state;

    assert_non_null(t);
    buf_init(&out, 0);
    assert_int_equal(template_render(t, pairs_lookup, (void *)kv, &out, err, sizeof err), 0);
    assert_int_equal(out.len, 5);
    assert_memory_equal(out.data, "a\0bvc", 5);
    buf_free(&out);
    template_free(t);
}

/* The agency's loop: one compiled template, a header checked against
 * template_fields before the first row, then a document per CSV row. */
typedef struct row_ctx {
    const csv_header *h;
    const csv_row *row;
} row_ctx;

static const char *row_lookup(void *ctx, const char *name)
{
    const row_ctx *c = ctx;
    long i = csv_header_index(c->h, name);

    return i < 0 ? NULL : csv_row_field(c->row, (size_t)i);
}

static void many_rows_one_template(void **state)
{
    const size_t rows = 20000;
    static const char tpl[] = "<h1>((name))님</h1><p>((address))</p><p>납부액: ((amount))원 "
                              "(((name)))</p>";
    char *csv = malloc(rows * 100), err[256], want[512];
    size_t n = 0, count;
    template *t = compile(tpl);
    const char *const *fields = template_fields(t, &count);
    FILE *f;
    csv_reader *r;
    csv_header *h;
    csv_row row;
    row_ctx ctx;
    buf out;
    (void)state;

    n += (size_t)sprintf(csv, "rrn,name,address,amount\n");
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(csv + n, "971013-9019902,홍길동%zu,\"서울 <%zu> & \"\"종로\"\"\",%zu\n",
                             i, i, i * 10);
    f = fmemopen(csv, n, "r");
    r = csv_open(f, NULL);
    h = csv_read_header(r, err, sizeof err);
    assert_non_null(h);
    for (size_t i = 0; i < count; i++)
        assert_true(csv_header_index(h, fields[i]) >= 0);
    ctx.h = h;
    ctx.row = &row;
    buf_init(&out, 0);
    for (size_t i = 0; i < rows; i++) {
        assert_int_equal(csv_next(r, &row, err, sizeof err), CSV_ROW);
        out.len = 0;
        assert_int_equal(template_render(t, row_lookup, &ctx, &out, err, sizeof err), 0);
        snprintf(want, sizeof want,
                 "<h1>홍길동%zu님</h1><p>서울 &lt;%zu&gt; &amp; &quot;종로&quot;</p>"
                 "<p>납부액: %zu원 (홍길동%zu)</p>", i, i, i * 10, i);
        assert_string_equal(out.data, want);
    }
    assert_int_equal(csv_next(r, &row, err, sizeof err), CSV_EOF);
    buf_free(&out);
    csv_header_free(h);
    csv_close(r);
    fclose(f);
    template_free(t);
    free(csv);
}

static void render_appends(void **state)
{
    static const char *const kv[] = {"n", "1", NULL};
    template *t = compile("[((n))]");
    char err[256];
    buf out;
    (void)state;

    buf_init(&out, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(template_render(t, pairs_lookup, (void *)kv, &out, err, sizeof err), 0);
    assert_string_equal(out.data, "[1][1][1]");
    buf_free(&out);
    template_free(t);
    template_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_korean_fields),
        cmocka_unit_test(text_outside_is_verbatim),
        cmocka_unit_test(values_are_html_escaped),
        cmocka_unit_test(values_are_not_reparsed),
        cmocka_unit_test(missing_field_is_named_and_output_untouched),
        cmocka_unit_test(fields_are_listed_once_in_order),
        cmocka_unit_test(rejects_bad_placeholders),
        cmocka_unit_test(name_length_limit),
        cmocka_unit_test(size_limit),
        cmocka_unit_test(literal_rrn_refused),
        cmocka_unit_test(rrn_made_at_a_seam_refused),
        cmocka_unit_test(placeholder_count_limit),
        cmocka_unit_test(text_with_nul_is_copied),
        cmocka_unit_test(many_rows_one_template),
        cmocka_unit_test(render_appends),
    };
    return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
