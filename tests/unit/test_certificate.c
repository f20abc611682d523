/* Unit tests for certificate.c: a certificate built from a real Merkle log
 * verifies, and any change to what it proves makes it fail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "certificate.h"
#include "merkle.h"

#define LOG_SIZE 37
#define NOTICE_A "0193a1b2-0000-7000-8000-00000000000a"
#define NOTICE_B "0193a1b2-0000-7000-8000-00000000000b"

typedef struct fixture {
    char leaves[LOG_SIZE][400];
    uint8_t hashes[LOG_SIZE][32];
    uint8_t pk[32], sk[64], other_pk[32], other_sk[64];
    uint64_t a_index[4];
    sth head;
    uint8_t sig[64];
} fixture;

static fixture fx;

static int leaf_of(void *ctx, uint64_t i, uint8_t out[32])
{
    (void)ctx;
    memcpy(out, fx.hashes[i], 32);
    return 0;
}

static const char *const a_events[4] = {"SubmissionAcceptance", "RelayAcceptance",
                                        "ConsignmentNotification", "ContentHandover"};
/* What follows "reason" in each of A's leaves: its alert names a channel. */
static const char *const a_after_reason[4] = {"", "", ",\"channel\":\"sms\",\"reference\":\"0a1b2c\"",
                                              ""};

static void build_log(void)
{
    int a = 0;

    for (int i = 0; i < LOG_SIZE; i++) {
        int is_a = i % 9 == 2 && a < 4;
        snprintf(fx.leaves[i], sizeof fx.leaves[i],
                 "{\"v\":1,\"event\":\"%s\",\"notice\":\"%s\",\"at\":\"2026-11-27T08:%02d:00.000Z\","
                 "\"agency\":\"nts\",\"actor\":\"hub\",\"rk\":\"%064d\",\"doc_sha256\":\"%064d\",\"reason\":null%s}",
                 is_a ? a_events[a] : "SubmissionAcceptance", is_a ? NOTICE_A : NOTICE_B, i, 7, 9,
                 is_a ? a_after_reason[a] : "");
        if (is_a)
            fx.a_index[a++] = (uint64_t)i;
        merkle_leaf_hash(fx.leaves[i], strlen(fx.leaves[i]), fx.hashes[i]);
    }
    ed25519_keypair(fx.pk, fx.sk);
    ed25519_keypair(fx.other_pk, fx.other_sk);
    merkle_source src = {leaf_of, NULL, NULL};
    fx.head.tree_size = LOG_SIZE;
    fx.head.timestamp_ms = 1795766400000ULL;
    assert_int_equal(merkle_root(&src, LOG_SIZE, fx.head.root_hash), MERKLE_OK);
    sth_sign(&fx.head, fx.sk, fx.sig);
}

/* Mutable copy of the certificate's parts, re-encoded after each change. */
typedef struct parts {
    char notice[64];
    uint8_t leaves[4][400];
    size_t leaf_len[4];
    uint64_t index[4];
    uint8_t path[4][MERKLE_MAX_PATH][32];
    size_t path_len[4];
    sth head;
    uint8_t sig[64];
    size_t count;
} parts;

static void parts_init(parts *p)
{
    merkle_source src = {leaf_of, NULL, NULL};

    memset(p, 0, sizeof *p);
    strcpy(p->notice, NOTICE_A);
    p->head = fx.head;
    memcpy(p->sig, fx.sig, 64);
    p->count = 4;
    for (int i = 0; i < 4; i++) {
        p->index[i] = fx.a_index[i];
        p->leaf_len[i] = strlen(fx.leaves[fx.a_index[i]]);
        memcpy(p->leaves[i], fx.leaves[fx.a_index[i]], p->leaf_len[i]);
        assert_int_equal(merkle_inclusion_proof(&src, p->index[i], LOG_SIZE, p->path[i],
                                                &p->path_len[i]), MERKLE_OK);
    }
}

static int verify_parts(const parts *p, const uint8_t *key)
{
    cert_entry e[4];
    char why[256];
    static cert_result res;

    for (size_t i = 0; i < p->count; i++)
        e[i] = (cert_entry){p->index[i], p->leaves[i], p->leaf_len[i],
                            (const uint8_t(*)[32])p->path[i], p->path_len[i]};
    char *json = certificate_encode(p->notice, fx.pk, &p->head, p->sig, e, p->count);
    assert_non_null(json);
    int r = certificate_verify(json, strlen(json), key, &res, why, sizeof why);
    free(json);
    return r;
}

static void a_real_certificate_verifies(void **state)
{
    parts p;
    cert_entry e[4];
    char why[256];
    static cert_result res;
    (void)state;

    parts_init(&p);
    assert_int_equal(verify_parts(&p, fx.pk), 0);
    for (int i = 0; i < 4; i++)
        e[i] = (cert_entry){p.index[i], p.leaves[i], p.leaf_len[i],
                            (const uint8_t(*)[32])p.path[i], p.path_len[i]};
    char *json = certificate_encode(p.notice, fx.pk, &p.head, p.sig, e, 4);
    assert_int_equal(certificate_verify(json, strlen(json), fx.pk, &res, why, sizeof why), 0);
    assert_int_equal(res.count, 4);
    assert_string_equal(res.events[3].event, "ContentHandover");
    assert_string_equal(res.notice, NOTICE_A);
    /* the alert's channel and reference, from the fields after reason */
    char channel[96];
    assert_string_equal(res.events[2].channel, "sms");
    assert_string_equal(res.events[2].reference, "0a1b2c");
    cert_event_channel(&res.events[2], channel, sizeof channel);
    assert_string_equal(channel, "sms 0a1b2c");
    cert_event_channel(&res.events[3], channel, sizeof channel);
    assert_string_equal(channel, "");
    assert_string_equal(res.events[3].channel, "");
    free(json);
}

static void every_leaf_byte_matters(void **state)
{
    parts p;
    (void)state;

    parts_init(&p);
    for (int i = 0; i < 4; i++)
        for (size_t b = 0; b < p.leaf_len[i]; b++) {
            p.leaves[i][b] ^= 0x01;
            assert_int_not_equal(verify_parts(&p, fx.pk), 0);
            p.leaves[i][b] ^= 0x01;
        }
}

static void every_path_byte_matters(void **state)
{
    parts p;
    (void)state;

    parts_init(&p);
    for (int i = 0; i < 4; i++)
        for (size_t h = 0; h < p.path_len[i]; h++)
            for (int b = 0; b < 32; b++) {
                p.path[i][h][b] ^= 0x80;
                assert_int_not_equal(verify_parts(&p, fx.pk), 0);
                p.path[i][h][b] ^= 0x80;
            }
    p.path_len[0]--; /* a truncated path */
    assert_int_not_equal(verify_parts(&p, fx.pk), 0);
}

static void root_signature_size_and_index_matter(void **state)
{
    parts p;
    (void)state;

    parts_init(&p);
    for (int b = 0; b < 32; b++) {
        p.head.root_hash[b] ^= 1;
        assert_int_not_equal(verify_parts(&p, fx.pk), 0);
        p.head.root_hash[b] ^= 1;
    }
    for (int b = 0; b < 64; b++) {
        p.sig[b] ^= 1;
        assert_int_not_equal(verify_parts(&p, fx.pk), 0);
        p.sig[b] ^= 1;
    }
    p.head.tree_size++;
    assert_int_not_equal(verify_parts(&p, fx.pk), 0);
    p.head.tree_size -= 2;
    assert_int_not_equal(verify_parts(&p, fx.pk), 0);
    p.head.tree_size++;
    p.head.timestamp_ms++;
    assert_int_not_equal(verify_parts(&p, fx.pk), 0);
    p.head.timestamp_ms--;
    for (int i = 0; i < 4; i++) {
        p.index[i]++;
        assert_int_not_equal(verify_parts(&p, fx.pk), 0);
        p.index[i]--;
    }
    assert_int_equal(verify_parts(&p, fx.pk), 0);
}

static void another_key_fails_when_the_real_one_is_pinned(void **state)
{
    parts p;
    (void)state;

    parts_init(&p);
    sth_sign(&p.head, fx.other_sk, p.sig); /* a forger's own head */
    assert_int_not_equal(verify_parts(&p, fx.pk), 0);
    assert_int_equal(verify_parts(&p, fx.other_pk), 0);
}

static void entries_must_name_this_notice(void **state)
{
    parts p;
    (void)state;

    parts_init(&p);
    strcpy(p.notice, NOTICE_B);
    assert_int_not_equal(verify_parts(&p, fx.pk), 0);
}

static void events_must_run_in_time_order(void **state)
{
    parts p, q;
    (void)state;

    parts_init(&p);
    q = p;
    /* Swap entries 1 and 2: each still proves inclusion, but out of order. */
    memcpy(q.leaves[1], p.leaves[2], sizeof q.leaves[1]);
    memcpy(q.leaves[2], p.leaves[1], sizeof q.leaves[2]);
    q.leaf_len[1] = p.leaf_len[2], q.leaf_len[2] = p.leaf_len[1];
    q.index[1] = p.index[2], q.index[2] = p.index[1];
    memcpy(q.path[1], p.path[2], sizeof q.path[1]);
    memcpy(q.path[2], p.path[1], sizeof q.path[2]);
    q.path_len[1] = p.path_len[2], q.path_len[2] = p.path_len[1];
    assert_int_not_equal(verify_parts(&q, fx.pk), 0);
}

static void malformed_input_is_refused(void **state)
{
    static cert_result res;
    char why[256];
    static const char *bad[] = {
        "", "[]", "{\"format\":\"other\"}", "{\"format\":\"herald-certificate-v1\"}",
        "{\"format\":\"herald-certificate-v1\",\"notice\":\"x\",\"sth\":{}}",
        "{\"format\":\"herald-certificate-v1\",\"notice\":\"x\",\"sth\":{\"tree_size\":-1}}",
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(certificate_verify(bad[i], strlen(bad[i]), fx.pk, &res, why,
                                                sizeof why), 0);
        assert_true(strlen(why) > 0);
    }
}

static void consistency_between_heads(void **state)
{
    merkle_source src = {leaf_of, NULL, NULL};
    uint8_t proof[MERKLE_MAX_PATH][32], sig[64];
    size_t n;
    sth old = {.tree_size = 20, .timestamp_ms = 1};
    char why[256], json[4096];
    (void)state;

    assert_int_equal(merkle_root(&src, 20, old.root_hash), MERKLE_OK);
    sth_sign(&old, fx.sk, sig);
    char *text = sth_json_encode(&old, sig);
    sth parsed;
    assert_int_equal(sth_json_verify(text, strlen(text), fx.pk, &parsed, why, sizeof why), 0);
    assert_int_not_equal(sth_json_verify(text, strlen(text), fx.other_pk, &parsed, why, sizeof why), 0);
    free(text);
    assert_int_equal(merkle_consistency_proof(&src, 20, LOG_SIZE, proof, &n), MERKLE_OK);
    int off = snprintf(json, sizeof json, "{\"first\":20,\"second\":%d,\"proof\":[", LOG_SIZE);
    for (size_t i = 0; i < n; i++) {
        char b64[BASE64_LEN(32) + 1];
        base64_encode(b64, proof[i], 32);
        off += snprintf(json + off, sizeof json - (size_t)off, "%s\"%s\"", i ? "," : "", b64);
    }
    snprintf(json + off, sizeof json - (size_t)off, "]}");
    assert_int_equal(sth_json_verify_consistency(json, strlen(json), &old, &fx.head, why, sizeof why), 0);
    old.root_hash[0] ^= 1;
    assert_int_not_equal(sth_json_verify_consistency(json, strlen(json), &old, &fx.head, why, sizeof why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_real_certificate_verifies),
        cmocka_unit_test(every_leaf_byte_matters),
        cmocka_unit_test(every_path_byte_matters),
        cmocka_unit_test(root_signature_size_and_index_matter),
        cmocka_unit_test(another_key_fails_when_the_real_one_is_pinned),
        cmocka_unit_test(entries_must_name_this_notice),
        cmocka_unit_test(events_must_run_in_time_order),
        cmocka_unit_test(malformed_input_is_refused),
        cmocka_unit_test(consistency_between_heads),
    };
    if (crypto_init() != 0)
        return 1;
    build_log();
    return cmocka_run_group_tests_name("certificate", tests, NULL, NULL);
}
