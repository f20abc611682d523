/* Unit tests for evidence.c: the exact leaf bytes, escaping, null reason,
 * and that every leaf parses back as the JSON it claims to be. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "evidence.h"

static const char rk[] = "8f3b1c0e9a7d6b5c4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b";
static const char doc[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static char *encode(const evidence_rec *r)
{
    buf b;

    buf_init(&b, 64);
    evidence_encode(&b, r);
    return buf_take(&b, NULL);
}

static void exact_bytes_with_null_reason(void **state)
{
    evidence_rec r = {"SubmissionAcceptance", "0193a1b2-c3d4-7000-8000-000000000001",
                      1795766038123LL, "nts", "hub", rk, doc, NULL, NULL, NULL, NULL};
    char want[600];
    char *got = encode(&r);
    (void)state;

    snprintf(want, sizeof want,
             "{\"v\":1,\"event\":\"SubmissionAcceptance\","
             "\"notice\":\"0193a1b2-c3d4-7000-8000-000000000001\","
             "\"at\":\"2026-11-27T07:53:58.123Z\",\"agency\":\"nts\",\"actor\":\"hub\","
             "\"rk\":\"%s\",\"doc_sha256\":\"%s\",\"reason\":null}", rk, doc);
    assert_string_equal(got, want);
    free(got);
}

/* A reminder's number follows reason; the rest is byte for byte the same. */
static void reminder_follows_reason(void **state)
{
    evidence_rec r = {"ReminderNotification", "n", 1795766038123LL, "nts", "carrier", rk, doc,
                      NULL, NULL, NULL, NULL};
    char want[600];
    buf b;
    (void)state;

    buf_init(&b, 64);
    evidence_encode_reminder(&b, &r, 2);
    snprintf(want, sizeof want,
             "{\"v\":1,\"event\":\"ReminderNotification\",\"notice\":\"n\","
             "\"at\":\"2026-11-27T07:53:58.123Z\",\"agency\":\"nts\",\"actor\":\"carrier\","
             "\"rk\":\"%s\",\"doc_sha256\":\"%s\",\"reason\":null,\"reminder\":2}", rk, doc);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    buf_free(&b);
}

static void reason_is_escaped_and_parses_back(void **state)
{
    evidence_rec r = {"RelayRejection", "n", 0, "nts", "messenger", rk, doc,
                      "not a \"member\"\\\n\x01 회원 아님", NULL, NULL, NULL};
    char *got = encode(&r);
    json_error_t e;
    json_t *j = json_loads(got, 0, &e);
    (void)state;

    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), r.reason);
    assert_string_equal(json_string_value(json_object_get(j, "at")),
                        "1970-01-01T00:00:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(j, "v")), 1);
    assert_non_null(strstr(got, "\"reason\":\"not a \\\"member\\\"\\\\\\n\\u0001 회원 아님\"}"));
    json_decref(j);
    free(got);
}

static void an_alert_names_its_channel_after_reason(void **state)
{
    evidence_rec r = {"ConsignmentNotificationDelivery", "n", 1795766038123LL, "nts", "carrier",
                      rk, doc, NULL, "sms", "0a1B/2+c", NULL};
    char want[700];
    char *got = encode(&r);
    json_error_t e;
    json_t *j = json_loads(got, JSON_REJECT_DUPLICATES, &e);
    (void)state;

    snprintf(want, sizeof want,
             "{\"v\":1,\"event\":\"ConsignmentNotificationDelivery\",\"notice\":\"n\","
             "\"at\":\"2026-11-27T07:53:58.123Z\",\"agency\":\"nts\",\"actor\":\"carrier\","
             "\"rk\":\"%s\",\"doc_sha256\":\"%s\",\"reason\":null,\"channel\":\"sms\","
             "\"reference\":\"0a1B/2+c\"}", rk, doc);
    assert_string_equal(got, want);
    assert_non_null(j);
    json_decref(j);
    free(got);

    /* a channel without a reference (one the channel did not give) */
    r.reference = NULL;
    r.reason = "absent subscriber";
    got = encode(&r);
    assert_non_null(strstr(got, "\"reason\":\"absent subscriber\",\"channel\":\"sms\"}"));
    assert_null(strstr(got, "\"reference\""));
    free(got);
}

static void keys_in_fixed_order(void **state)
{
    static const char *keys[] = {"\"v\"", "\"event\"", "\"notice\"", "\"at\"", "\"agency\"",
                                 "\"actor\"", "\"rk\"", "\"doc_sha256\"", "\"reason\""};
    evidence_rec r = {"ContentHandover", "x", 1, "a", "b", rk, doc, "r", NULL, NULL, NULL};
    char *got = encode(&r);
    const char *p = got;
    (void)state;

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *q = strstr(p, keys[i]);
        assert_non_null(q);
        p = q;
    }
    assert_null(strchr(got, ' '));
    free(got);
}

static void payment_follows_reason(void **state)
{
    evidence_rec r = {"PaymentReceived", "n1", 0, "nts", "nts", rk, doc, NULL, NULL, NULL, NULL};
    buf b;
    json_t *o;
    (void)state;

    buf_init(&b, 64);
    evidence_encode_payment(&b, &r, 125000, "GIRO-77");
    buf_puts(&b, "");
    assert_non_null(strstr(b.data, ",\"reason\":null,\"amount_krw\":125000,"
                                   "\"payment_code\":\"GIRO-77\"}"));
    o = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "amount_krw")), 125000);
    json_decref(o);
    buf_free(&b);
}

static void appends_after_existing_text(void **state)
{
    evidence_rec r = {"RelayFailure", "x", 1, "a", "hub", rk, doc, NULL, NULL, NULL, NULL};
    buf b;
    (void)state;

    buf_init(&b, 8);
    buf_puts(&b, "[");
    evidence_encode(&b, &r);
    assert_memory_equal(b.data, "[{\"v\":1,\"event\":\"RelayFailure\"", 30);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_bytes_with_null_reason),
        cmocka_unit_test(reminder_follows_reason),
        cmocka_unit_test(reason_is_escaped_and_parses_back),
        cmocka_unit_test(an_alert_names_its_channel_after_reason),
        cmocka_unit_test(keys_in_fixed_order),
        cmocka_unit_test(payment_follows_reason),
        cmocka_unit_test(appends_after_existing_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
