/* sth_json.c -- see sth_json.h. */
#include "sth_json.h"

#include <stdio.h>
#include <string.h>

#include "certificate.h"
#include "json_field.h"
#include "merkle.h"

int sth_json_check(json_t *o, const uint8_t key[ED25519_PUBLIC_LEN], sth *out, char *why,
                   size_t whylen)
{
    uint8_t sig[STH_SIG_LEN];

    if (!json_is_object(o) || json_field_u64(o, "tree_size", &out->tree_size) != 0 ||
        json_field_u64(o, "timestamp", &out->timestamp_ms) != 0 ||
        json_field_b64(o, "root_hash", out->root_hash, sizeof out->root_hash) != 0 ||
        json_field_b64(o, "signature", sig, sizeof sig) != 0)
        return json_field_fail(why, whylen, "tree head is malformed: needs tree_size, "
                               "timestamp, root_hash and signature");
    if (!sth_verify(out, sig, key))
        return json_field_fail(why, whylen,
                               "tree head signature does not verify with the pinned log key");
    return 0;
}

int sth_json_verify(const char *json, size_t len, const uint8_t log_key[ED25519_PUBLIC_LEN],
                    sth *out, char *why, size_t whylen)
{
    json_t *root = json_field_load(json, len, CERT_MAX_BYTES, why, whylen);
    int r;

    if (!root)
        return -1;
    r = sth_json_check(root, log_key, out, why, whylen);
    json_decref(root);
    return r;
}

int sth_json_verify_consistency(const char *json, size_t len, const sth *first,
                                const sth *second, char *why, size_t whylen)
{
    uint8_t proof[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
    json_t *root = json_field_load(json, len, CERT_MAX_BYTES, why, whylen), *pv, *p;
    uint64_t m, n;
    size_t i, count;
    int r = -1;

    if (!root)
        return -1;
    pv = json_object_get(root, "proof");
    if (json_field_u64(root, "first", &m) != 0 || json_field_u64(root, "second", &n) != 0 ||
        !json_is_array(pv) || json_array_size(pv) > MERKLE_MAX_PATH) {
        json_field_fail(why, whylen, "proof is malformed: needs first, second and proof");
        goto out;
    }
    if (m != first->tree_size || n != second->tree_size) {
        json_field_fail(why, whylen, "proof is for sizes %llu -> %llu, the heads are %llu -> %llu",
                        (unsigned long long)m, (unsigned long long)n,
                        (unsigned long long)first->tree_size,
                        (unsigned long long)second->tree_size);
        goto out;
    }
    count = json_array_size(pv);
    json_array_foreach(pv, i, p) {
        if (!json_is_string(p) || base64_decode(proof[i], MERKLE_HASH_LEN, json_string_value(p),
                                                json_string_length(p)) != MERKLE_HASH_LEN) {
            json_field_fail(why, whylen, "proof holds a bad hash");
            goto out;
        }
    }
    if (merkle_verify_consistency(m, n, first->root_hash, second->root_hash,
                                  (const uint8_t(*)[MERKLE_HASH_LEN])proof, count) != MERKLE_OK) {
        json_field_fail(why, whylen, "the newer tree does not extend the older one (proof fails)");
        goto out;
    }
    r = 0;
out:
    json_decref(root);
    return r;
}

void sth_json_append(buf *b, const sth *head, const uint8_t sig[STH_SIG_LEN])
{
    buf_printf(b, "{\"tree_size\":%llu,\"timestamp\":%llu,\"root_hash\":",
               (unsigned long long)head->tree_size, (unsigned long long)head->timestamp_ms);
    buf_base64(b, head->root_hash, sizeof head->root_hash);
    buf_puts(b, ",\"signature\":");
    buf_base64(b, sig, STH_SIG_LEN);
    buf_puts(b, "}");
}

char *sth_json_encode(const sth *head, const uint8_t sig[STH_SIG_LEN])
{
    buf b;

    buf_init(&b, 256);
    sth_json_append(&b, head, sig);
    return buf_take(&b, NULL);
}
