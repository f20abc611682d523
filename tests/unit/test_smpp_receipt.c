/* Unit tests for smpp_receipt.c: receipts as several SMSCs write them,
 * every stat, missing and malformed fields, and what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smpp_receipt.h"

static smpp_receipt r;

static void ok(const char *s, size_t len)
{
    const char *why = NULL;

    if (smpp_receipt_parse(s, len, &r, &why) != 0)
        fail_msg("refused \"%s\": %s", s, why);
}

static void ok_str(const char *s)
{
    ok(s, strlen(s));
}

static void refused_len(const char *s, size_t len, const char *reason)
{
    const char *why = NULL;

    assert_int_equal(smpp_receipt_parse(s, len, &r, &why), -1);
    assert_non_null(why);
    if (reason)
        assert_string_equal(why, reason);
}

static void refused(const char *s, const char *reason)
{
    refused_len(s, strlen(s), reason);
}

static void appendix_b_hex(void **state)
{
    (void)state;
    ok_str("id:0a1b2c3d4e sub:001 dlvrd:001 submit date:2612021105 done date:2612021106 "
           "stat:DELIVRD err:000 text:[herald] \xea\xb3\xb5\xec\x8b\x9d \xec\x95\x8c\xeb\xa6\xbc");
    assert_string_equal(r.id, "0a1b2c3d4e");
    assert_int_equal(r.stat, SMPP_STAT_DELIVRD);
    assert_int_equal(r.sub, 1);
    assert_int_equal(r.dlvrd, 1);
    assert_string_equal(r.submit_date, "2612021105");
    assert_string_equal(r.done_date, "2612021106");
    assert_string_equal(r.err, "000");
    assert_null(r.ignored);
}

static void decimal_id_seconds(void **state)
{
    (void)state;
    ok_str("id:1234567890123456789 sub:001 dlvrd:000 submit date:261202110501 "
           "done date:261202110733 stat:UNDELIV err:001 text:none");
    assert_string_equal(r.id, "1234567890123456789");
    assert_int_equal(r.stat, SMPP_STAT_UNDELIV);
    assert_int_equal(r.dlvrd, 0);
    assert_string_equal(r.submit_date, "261202110501");
    assert_string_equal(r.done_date, "261202110733");
    assert_string_equal(r.err, "001");
}

static void order_case_and_spaces(void **state)
{
    (void)state;
    ok_str("STAT:EXPIRED Err:027 ID:7F3A9C00 Done Date:2612031106");
    assert_string_equal(r.id, "7F3A9C00");
    assert_int_equal(r.stat, SMPP_STAT_EXPIRED);
    assert_string_equal(r.err, "027");
    assert_string_equal(r.done_date, "2612031106");
    assert_string_equal(r.submit_date, "");
    assert_int_equal(r.sub, -1);

    ok_str("  id:42   sub:1  submit   date:2612021105\tstat:delivrd  err:0 \r\n");
    assert_string_equal(r.id, "42");
    assert_int_equal(r.stat, SMPP_STAT_DELIVRD);
    assert_int_equal(r.sub, 1);
    assert_int_equal(r.dlvrd, -1);
    assert_string_equal(r.submit_date, "2612021105");
    assert_string_equal(r.err, "0");
    assert_null(r.ignored);
}

static void minimal_and_long_names(void **state)
{
    (void)state;
    ok_str("id:1 stat:ENROUTE");
    assert_int_equal(r.stat, SMPP_STAT_ENROUTE);
    assert_int_equal(r.sub, -1);
    assert_int_equal(r.dlvrd, -1);
    assert_string_equal(r.err, "");
    assert_string_equal(r.submit_date, "");
    assert_string_equal(r.done_date, "");

    ok_str("id:1 stat:DELIVERED");
    assert_int_equal(r.stat, SMPP_STAT_DELIVRD);
    ok_str("id:1 stat:Undeliverable");
    assert_int_equal(r.stat, SMPP_STAT_UNDELIV);
    ok_str("id:1 stat:ACCEPTED");
    assert_int_equal(r.stat, SMPP_STAT_ACCEPTD);
    ok_str("id:1 stat:REJECTED");
    assert_int_equal(r.stat, SMPP_STAT_REJECTD);
}

static void every_stat(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        smpp_stat stat;
        int value, final, delivered;
    } t[] = {
        {"ENROUTE", SMPP_STAT_ENROUTE, 1, 0, 0}, {"DELIVRD", SMPP_STAT_DELIVRD, 2, 1, 1},
        {"EXPIRED", SMPP_STAT_EXPIRED, 3, 1, 0}, {"DELETED", SMPP_STAT_DELETED, 4, 1, 0},
        {"UNDELIV", SMPP_STAT_UNDELIV, 5, 1, 0}, {"ACCEPTD", SMPP_STAT_ACCEPTD, 6, 1, 0},
        {"UNKNOWN", SMPP_STAT_UNKNOWN, 7, 1, 0}, {"REJECTD", SMPP_STAT_REJECTD, 8, 1, 0},
    };
    char buf[64];

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(buf, sizeof buf, "id:ff00 stat:%s err:000", t[i].name);
        ok_str(buf);
        assert_int_equal(r.stat, t[i].stat);
        assert_int_equal((int)t[i].stat, t[i].value); /* message_state's value */
        assert_string_equal(smpp_receipt_stat_name(r.stat), t[i].name);
        assert_int_equal(smpp_receipt_stat_is_final(r.stat), t[i].final);
        assert_int_equal(smpp_receipt_stat_is_delivered(r.stat), t[i].delivered);
    }
    assert_null(smpp_receipt_stat_name((smpp_stat)0));
    assert_null(smpp_receipt_stat_name((smpp_stat)9));
    assert_false(smpp_receipt_stat_is_final((smpp_stat)0));
    assert_false(smpp_receipt_stat_is_final((smpp_stat)9));
}

static void text_is_last(void **state)
{
    (void)state;
    /* The text quotes our alert: what it says is not the receipt's. */
    ok_str("id:9 stat:UNDELIV err:005 text:stat:DELIVRD id:10");
    assert_string_equal(r.id, "9");
    assert_int_equal(r.stat, SMPP_STAT_UNDELIV);
    refused("id:9 text:stat:DELIVRD", "the receipt has no stat");
    refused("text:id:1 stat:DELIVRD", "the receipt has no id");
    ok_str("id:9 stat:DELIVRD text:");
    static const char odd_text[] = "id:9 stat:DELIVRD text:\x01\xff\x00 id:8";
    ok(odd_text, sizeof odd_text - 1);
    assert_string_equal(r.id, "9");
}

static void trailing_nuls_and_nul_inside(void **state)
{
    (void)state;
    static const char c_string[] = "id:1 stat:DELIVRD err:000";

    ok(c_string, sizeof c_string); /* with its NUL */
    assert_string_equal(r.err, "000");
    ok("id:1 stat:DELIVRD\0\0\0", 20);
    assert_int_equal(r.stat, SMPP_STAT_DELIVRD);

    refused_len("id:12\0 34 stat:DELIVRD", 22, "id holds a byte that is not printable ASCII");
    refused_len("id:1 stat:DELIV\0RD", 18, "stat is not one SMPP defines");
    refused_len("\0id:1 stat:DELIVRD", 18, "the receipt has no id");
    refused_len("id:1 \0stat:DELIVRD", 18, "the receipt has no stat");
    ok("id:1 stat:DELIVRD text:a\0b", 26); /* text is not read */
}

static void missing_and_unknown(void **state)
{
    (void)state;
    refused("sub:001 dlvrd:001 stat:DELIVRD err:000", "the receipt has no id");
    refused("id:abc sub:001 dlvrd:001 err:000", "the receipt has no stat");
    refused("id:abc stat:DELIVR", "stat is not one SMPP defines");
    refused("id:abc stat:", "stat is not one SMPP defines");
    refused("id:abc stat:SKIPPED", "stat is not one SMPP defines");
    refused("id:abc stat :DELIVRD", "the receipt has no stat");
    refused("id: stat:DELIVRD", "id is empty");
    refused("id:1 id:2 stat:DELIVRD", "id is given twice");
    refused("id:1 stat:DELIVRD STAT:UNDELIV", "stat is given twice");
    refused("id:1 stat:DELIVRD err:000 err:001", "err is given twice");
    refused("", "the receipt has no id");
    refused_len(NULL, 0, "the receipt has no id");

    /* Another SMSC's own fields are passed over. */
    ok_str("id:1 imsi:450081234567890 stat:DELIVRD mccmnc:45008 err:000");
    assert_int_equal(r.stat, SMPP_STAT_DELIVRD);
    assert_null(r.ignored);
}

static void id_limits(void **state)
{
    (void)state;
    char buf[128];
    char id[66];

    memset(id, 'f', 64);
    id[64] = '\0';
    snprintf(buf, sizeof buf, "id:%s stat:DELIVRD", id);
    ok_str(buf);
    assert_string_equal(r.id, id);

    id[64] = 'f', id[65] = '\0';
    snprintf(buf, sizeof buf, "id:%s stat:DELIVRD", id);
    refused(buf, "id is longer than 64 characters");

    refused("id:ab\x7f" "c stat:DELIVRD", "id holds a byte that is not printable ASCII");
    refused("id:ab\xc3\xa9 stat:DELIVRD", "id holds a byte that is not printable ASCII");
    refused("id:\x01 stat:DELIVRD", "id holds a byte that is not printable ASCII");
    ok_str("id:a-b_c.d:e/f stat:DELIVRD");
    assert_string_equal(r.id, "a-b_c.d:e/f");
}

static void malformed_optionals_ignored(void **state)
{
    (void)state;
    ok_str("id:1 sub:abc dlvrd:1 stat:DELIVRD");
    assert_int_equal(r.sub, -1);
    assert_int_equal(r.dlvrd, 1);
    assert_string_equal(r.ignored, "sub is not 1-3 digits");

    ok_str("id:1 dlvrd:0001 stat:DELIVRD sub:x");
    assert_int_equal(r.dlvrd, -1);
    assert_string_equal(r.ignored, "dlvrd is not 1-3 digits"); /* the first */

    static const char *const bad_dates[] = {"261302", "2613021105", "2612321105", "2612002460",
                                            "2612022460", "2612021160", "26120211050",
                                            "261202110560", "26120211O5", ""};
    char buf[96];
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        snprintf(buf, sizeof buf, "id:1 done date:%s stat:DELIVRD", bad_dates[i]);
        ok_str(buf);
        assert_string_equal(r.done_date, "");
        assert_string_equal(r.ignored, "done date is not YYMMDDhhmm[ss]");
    }
    ok_str("id:1 submit date:9912312359 stat:DELIVRD done date:0001010000");
    assert_string_equal(r.submit_date, "9912312359");
    assert_string_equal(r.done_date, "0001010000");

    ok_str("id:1 stat:DELIVRD err:0000");
    assert_string_equal(r.err, "");
    assert_string_equal(r.ignored, "err is not 1-3 letters or digits");
    ok_str("id:1 stat:DELIVRD err:");
    assert_string_equal(r.ignored, "err is not 1-3 letters or digits");
    ok_str("id:1 stat:DELIVRD err:-1");
    assert_string_equal(r.ignored, "err is not 1-3 letters or digits");
    ok_str("id:1 stat:DELIVRD err:A0f");
    assert_string_equal(r.err, "A0f");
}

static void overlong(void **state)
{
    (void)state;
    char buf[300];
    size_t head = strlen("id:1 stat:DELIVRD text:");

    memcpy(buf, "id:1 stat:DELIVRD text:", head);
    memset(buf + head, 'x', sizeof buf - head);
    ok(buf, SMPP_RECEIPT_MAX);
    refused_len(buf, SMPP_RECEIPT_MAX + 1, "the receipt is longer than 254 octets");
    refused_len(buf, sizeof buf, "the receipt is longer than 254 octets");
}

static void garbage(void **state)
{
    (void)state;
    static const char noise[] = "\xff\xfe\x00\x01:::: id stat DELIVRD id\t:1 ::id::";

    refused("hello world", "the receipt has no id");
    refused("::::", "the receipt has no id");
    refused("id", "the receipt has no id");
    refused("id:", "id is empty");
    refused("idd:1 stats:DELIVRD", "the receipt has no id");
    refused_len(noise, sizeof noise - 1, NULL);

    /* Every byte value at every position of a real receipt: never a
     * crash, and an accepted one always has an id and a known stat. */
    char buf[128];
    const char *real = "id:0a1b2c sub:001 dlvrd:001 submit date:2612021105 "
                       "done date:2612021106 stat:DELIVRD err:000 text:x";
    size_t len = strlen(real);
    const char *why;
    for (size_t pos = 0; pos < len; pos++) {
        for (int b = 0; b < 256; b++) {
            memcpy(buf, real, len);
            buf[pos] = (char)b;
            if (smpp_receipt_parse(buf, len, &r, &why) == 0) {
                assert_true(strlen(r.id) >= 1);
                assert_non_null(smpp_receipt_stat_name(r.stat));
            } else {
                assert_non_null(why);
            }
        }
    }
}

static void truncated(void **state)
{
    (void)state;
    const char *real = "id:0a1b2c sub:001 dlvrd:001 submit date:2612021105 "
                       "done date:2612021106 stat:DELIVRD err:000 text:x";
    size_t len = strlen(real), stat_end = (size_t)(strstr(real, " err:") - real);
    const char *why;

    for (size_t cut = 0; cut <= len; cut++) {
        int rc = smpp_receipt_parse(real, cut, &r, &why);
        if (cut < stat_end) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(r.id, "0a1b2c");
            assert_int_equal(r.stat, SMPP_STAT_DELIVRD);
        }
    }
    ok_str("id:0a1b2c stat:DELIVRD done date:26120"); /* cut inside a date */
    assert_string_equal(r.done_date, "");
    assert_string_equal(r.ignored, "done date is not YYMMDDhhmm[ss]");
    refused_len(real, 0, "the receipt has no id");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appendix_b_hex),
        cmocka_unit_test(decimal_id_seconds),
        cmocka_unit_test(order_case_and_spaces),
        cmocka_unit_test(minimal_and_long_names),
        cmocka_unit_test(every_stat),
        cmocka_unit_test(text_is_last),
        cmocka_unit_test(trailing_nuls_and_nul_inside),
        cmocka_unit_test(missing_and_unknown),
        cmocka_unit_test(id_limits),
        cmocka_unit_test(malformed_optionals_ignored),
        cmocka_unit_test(overlong),
        cmocka_unit_test(garbage),
        cmocka_unit_test(truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
