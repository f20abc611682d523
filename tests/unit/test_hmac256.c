/* Unit tests for crypto.h's hmac_sha256_2: RFC 4231's test cases for
 * HMAC-SHA-256, each also split at every place between its two parts,
 * since the messenger channel signs a timestamp and a body as two. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"

typedef struct vector {
    uint8_t key[131];
    size_t keylen;
    const char *data;
    size_t datalen;
    const char *mac_hex;
    size_t mac_len; /* test case 5 checks a truncated MAC */
} vector;

static const char long_key_data[] =
    "This is a test using a larger than block-size key and a larger than block-size "
    "data. The key needs to be hashed before being used by the HMAC algorithm.";

static void fill(uint8_t *key, uint8_t byte, size_t n)
{
    memset(key, byte, n);
}

/* RFC 4231 §4.2-4.8. */
static void vectors(vector v[7], uint8_t dd[50], uint8_t cd[50])
{
    memset(v, 0, 7 * sizeof *v);
    fill(v[0].key, 0x0b, v[0].keylen = 20);
    v[0].data = "Hi There";
    v[0].mac_hex = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    memcpy(v[1].key, "Jefe", v[1].keylen = 4);
    v[1].data = "what do ya want for nothing?";
    v[1].mac_hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    fill(v[2].key, 0xaa, v[2].keylen = 20);
    fill(dd, 0xdd, 50);
    v[2].data = (const char *)dd;
    v[2].datalen = 50;
    v[2].mac_hex = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
    for (int i = 0; i < 25; i++)
        v[3].key[i] = (uint8_t)(i + 1);
    v[3].keylen = 25;
    fill(cd, 0xcd, 50);
    v[3].data = (const char *)cd;
    v[3].datalen = 50;
    v[3].mac_hex = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";
    fill(v[4].key, 0x0c, v[4].keylen = 20);
    v[4].data = "Test With Truncation";
    v[4].mac_hex = "a3b6167473100ee06e0c796c2955552b";
    v[4].mac_len = 16;
    fill(v[5].key, 0xaa, v[5].keylen = 131);
    v[5].data = "Test Using Larger Than Block-Size Key - Hash Key First";
    v[5].mac_hex = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    fill(v[6].key, 0xaa, v[6].keylen = 131);
    v[6].data = long_key_data;
    v[6].mac_hex = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
    for (int i = 0; i < 7; i++) {
        if (!v[i].datalen)
            v[i].datalen = strlen(v[i].data);
        if (!v[i].mac_len)
            v[i].mac_len = HMAC_SHA256_LEN;
    }
}

static void test_rfc4231(void **state)
{
    vector v[7];
    uint8_t dd[50], cd[50], mac[HMAC_SHA256_LEN];
    char hex[2 * HMAC_SHA256_LEN + 1];

    (void)state;
    vectors(v, dd, cd);
    for (int i = 0; i < 7; i++) {
        for (size_t cut = 0; cut <= v[i].datalen; cut++) {
            hmac_sha256_2(v[i].key, v[i].keylen, v[i].data, cut, v[i].data + cut,
                          v[i].datalen - cut, mac);
            hex_encode(hex, mac, v[i].mac_len);
            if (strcmp(hex, v[i].mac_hex) != 0)
                fail_msg("RFC 4231 case %d cut at %zu: %s, want %s", i + 1, cut, hex,
                         v[i].mac_hex);
        }
    }
}

static void test_empty_second_part(void **state)
{
    uint8_t a[HMAC_SHA256_LEN], b[HMAC_SHA256_LEN];
    const uint8_t key[] = "k";

    (void)state;
    hmac_sha256_2(key, 1, "abc", 3, NULL, 0, a);
    hmac_sha256_2(key, 1, "ab", 2, "c", 1, b);
    assert_memory_equal(a, b, sizeof a);
    hmac_sha256_2(key, 1, "abd", 3, NULL, 0, b);
    assert_memory_not_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231),
        cmocka_unit_test(test_empty_second_part),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
