/* sth.c -- see sth.h. */
#include "sth.h"

#include <string.h>

enum { STH_VERSION_V1 = 0, STH_TYPE_TREE_HASH = 1 };

static void put_u64be(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_u64be(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

void sth_serialise(const sth *head, uint8_t out[STH_SIGNED_LEN])
{
    out[0] = STH_VERSION_V1;
    out[1] = STH_TYPE_TREE_HASH;
    put_u64be(out + 2, head->timestamp_ms);
    put_u64be(out + 10, head->tree_size);
    memcpy(out + 18, head->root_hash, SHA256_LEN);
}

int sth_parse(sth *head, const uint8_t in[STH_SIGNED_LEN])
{
    if (in[0] != STH_VERSION_V1 || in[1] != STH_TYPE_TREE_HASH)
        return -1;
    head->timestamp_ms = get_u64be(in + 2);
    head->tree_size = get_u64be(in + 10);
    memcpy(head->root_hash, in + 18, SHA256_LEN);
    return 0;
}

void sth_sign(const sth *head, const uint8_t sk[ED25519_SECRET_LEN],
              uint8_t sig[STH_SIG_LEN])
{
    uint8_t msg[STH_SIGNED_LEN];

    sth_serialise(head, msg);
    ed25519_sign(sig, msg, sizeof msg, sk);
}

int sth_verify(const sth *head, const uint8_t sig[STH_SIG_LEN],
               const uint8_t pk[ED25519_PUBLIC_LEN])
{
    uint8_t msg[STH_SIGNED_LEN];

    sth_serialise(head, msg);
    return ed25519_verify(sig, msg, sizeof msg, pk);
}
