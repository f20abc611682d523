/* Unit tests for push_answer.c: a gateway's answer is read only when
 * every result fits the batch (count, order, ids, statuses, message ids);
 * otherwise NULL with what was wrong; an answer cut at every length, or
 * with any byte changed, is read or refused, never crashes; a refusal's
 * body is shown printable and short. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "push_answer.h"

static const long long IDS[] = {17, 18, 1000000000001LL};
#define N 3
static const char GOOD[] =
    "{\"results\":[{\"id\":\"17\",\"message_id\":\"gw-1\",\"status\":\"accepted\"},"
    "{\"id\":\"18\",\"status\":\"rejected\",\"reason\":\"unknown recipient\"},"
    "{\"id\":\"1000000000001\",\"message_id\":\"gw-2\",\"status\":\"accepted\"}]}";

static json_t *read_text(const char *body, push_result *out, char *why)
{
    return push_answer_read(body, strlen(body), IDS, N, out, why, 320);
}

static void test_good(void **state)
{
    push_result r[N];
    char why[320];
    json_t *root = read_text(GOOD, r, why);

    (void)state;
    assert_non_null(root);
    assert_true(r[0].accepted);
    assert_string_equal(r[0].message_id, "gw-1");
    assert_false(r[1].accepted);
    assert_string_equal(r[1].reason, "unknown recipient");
    assert_true(r[2].accepted);
    assert_string_equal(r[2].message_id, "gw-2");
    json_decref(root);
}

static void test_rejected_without_reason(void **state)
{
    push_result r[1];
    char why[320];
    const char *body = "{\"results\":[{\"id\":\"17\",\"status\":\"rejected\",\"reason\":null}]}";
    json_t *root = push_answer_read(body, strlen(body), IDS, 1, r, why, sizeof why);

    (void)state;
    assert_non_null(root);
    assert_string_equal(r[0].reason, "rejected by the push gateway");
    json_decref(root);
}

typedef struct bad_case {
    const char *body, *why;
} bad_case;

static void test_refused(void **state)
{
    static const bad_case bad[] = {
        {"", "empty body"},
        {"<html>502</html>", "not JSON"},
        {"{\"results\":", "not JSON"},
        {"[]", "no \"results\" array"},
        {"{\"results\":{}}", "no \"results\" array"},
        {"{\"results\":[]}", "0 results for 3 alerts"},
        {"{\"results\":[{\"id\":\"18\",\"status\":\"rejected\"},{\"id\":\"17\",\"status\":\"rejected\"},"
         "{\"id\":\"1000000000001\",\"status\":\"rejected\"}]}",
         "result 0 is for id \"18\", not \"17\""},
        {"{\"results\":[{\"id\":17,\"status\":\"rejected\"},{},{}]}", "result 0 is for id (none)"},
        {"{\"results\":[{\"id\":\"17\",\"status\":\"accepted\"},{},{}]}", "message_id"},
        {"{\"results\":[{\"id\":\"17\",\"status\":\"accepted\",\"message_id\":\"\"},{},{}]}",
         "message_id"},
        {"{\"results\":[{\"id\":\"17\",\"status\":\"accepted\",\"message_id\":\"gw 1\"},{},{}]}",
         "message_id"},
        {"{\"results\":[{\"id\":\"17\",\"status\":\"accepted\",\"message_id\":7},{},{}]}",
         "message_id"},
        {"{\"results\":[{\"id\":\"17\",\"status\":\"delivered\"},{},{}]}", "status is not"},
        {"{\"results\":[{\"id\":\"17\"},{},{}]}", "status is not"},
        {"{\"results\":[{\"id\":\"17\",\"status\":\"rejected\",\"reason\":5},{},{}]}",
         "reason is not a string"},
        {"{\"results\":[1,2,3]}", "result 0 is for id (none)"},
    };
    push_result r[N];
    char why[320];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (read_text(bad[i].body, r, why))
            fail_msg("accepted: %s", bad[i].body);
        if (!strstr(why, bad[i].why))
            fail_msg("%s: said \"%s\", want \"%s\"", bad[i].body, why, bad[i].why);
    }
}

/* A message id of 129 characters is one too many. */
static void test_long_message_id(void **state)
{
    char body[512], mid[130];
    push_result r[1];
    char why[320];
    json_t *root;

    (void)state;
    memset(mid, 'a', 128);
    mid[128] = '\0';
    snprintf(body, sizeof body,
             "{\"results\":[{\"id\":\"17\",\"status\":\"accepted\",\"message_id\":\"%s\"}]}", mid);
    root = push_answer_read(body, strlen(body), IDS, 1, r, why, sizeof why);
    assert_non_null(root);
    json_decref(root);
    mid[128] = 'a';
    mid[129] = '\0';
    snprintf(body, sizeof body,
             "{\"results\":[{\"id\":\"17\",\"status\":\"accepted\",\"message_id\":\"%s\"}]}", mid);
    assert_null(push_answer_read(body, strlen(body), IDS, 1, r, why, sizeof why));
}

/* The answer shown for a body not JSON is printable and short. */
static void test_shown(void **state)
{
    char body[400], why[320];
    push_result r[N];

    (void)state;
    memset(body, 'x', sizeof body);
    body[0] = '\n';
    body[1] = '\x01';
    assert_null(push_answer_read(body, sizeof body, IDS, N, r, why, sizeof why));
    for (const char *p = why; *p; p++)
        assert_true(*p >= ' ' && *p <= '~');
    assert_non_null(strstr(why, "\"??xxx"));
    assert_true(strlen(why) < 200);
}

/* A refusal's body as logged: printable, its last line break left out,
 * a phone in it masked, at most 120 bytes, and empty for no body. */
static void test_refusal_shown(void **state)
{
    static const char said[] = "{\"error\":\"alert 7: phone\t01012345678 is refused\"}\r\n";
    char out[200], big[300];

    (void)state;
    push_answer_shown(said, strlen(said), out, sizeof out);
    assert_string_equal(out, "{\"error\":\"alert 7: phone?010****5678 is refused\"}");
    push_answer_shown("1234567 12345678 123456789012", 29, out, sizeof out);
    assert_string_equal(out, "1234567 123*5678 123*****9012");
    memset(big, 'y', sizeof big);
    push_answer_shown(big, sizeof big, out, sizeof out);
    assert_int_equal(strlen(out), 120);
    push_answer_shown(said, strlen(said), out, 8);
    assert_string_equal(out, "{\"error");
    push_answer_shown(NULL, 0, out, sizeof out);
    assert_string_equal(out, "");
}

/* Cut at every length and every byte changed to a few others: read or
 * refused, within the buffer (the sanitizer build checks that). */
static void test_mutations(void **state)
{
    static const char swaps[] = {'\0', '"', '}', ']', ',', '1', 'x', '\\', (char)0xff};
    size_t len = strlen(GOOD);
    char *copy = malloc(len);
    push_result r[N];
    char why[320];
    json_t *root;

    (void)state;
    assert_non_null(copy);
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(copy, GOOD, cut);
        assert_null(push_answer_read(copy, cut, IDS, N, r, why, sizeof why));
    }
    for (size_t i = 0; i < len; i++) {
        for (size_t s = 0; s < sizeof swaps; s++) {
            memcpy(copy, GOOD, len);
            copy[i] = swaps[s];
            root = push_answer_read(copy, len, IDS, N, r, why, sizeof why);
            json_decref(root);
        }
    }
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_rejected_without_reason),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_long_message_id),
        cmocka_unit_test(test_shown),
        cmocka_unit_test(test_refusal_shown),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
