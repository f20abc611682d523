/* crypto.c -- thin wrappers that decide which library does each job.
 * See crypto.h for why the split between OpenSSL and libsodium. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA512_Init: see hmac512_key_init */
#include "crypto.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

int crypto_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
    SHA256(data, len, out);
}

void sha256_2(const void *a, size_t alen, const void *b, size_t blen,
              uint8_t out[SHA256_LEN])
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, a, alen);
    SHA256_Update(&c, b, blen);
    SHA256_Final(out, &c);
}

void sha256_stream_init(sha256_stream *s)
{
    SHA256_Init(&s->c);
}

void sha256_stream_update(sha256_stream *s, const void *data, size_t len)
{
    SHA256_Update(&s->c, data, len);
}

void sha256_stream_final(sha256_stream *s, uint8_t out[SHA256_LEN])
{
    SHA256_Final(out, &s->c);
}

/* HMAC (RFC 2104) over OpenSSL's SHA-512 block functions. The low-level
 * SHA512_CTX is a plain struct, so the pad states computed here are copied
 * by value per message; EVP_MAC would allocate and re-derive them on every
 * call, which costs more than the hashing itself for a 13-byte message. */
void hmac512_key_init(hmac512_key *k, const uint8_t *key, size_t keylen)
{
    uint8_t block[128] = {0};
    uint8_t pad[128];

    if (keylen > sizeof block)
        SHA512(key, keylen, block);
    else
        memcpy(block, key, keylen);
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = block[i] ^ 0x36;
    SHA512_Init(&k->inner);
    SHA512_Update(&k->inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = block[i] ^ 0x5c;
    SHA512_Init(&k->outer);
    SHA512_Update(&k->outer, pad, sizeof pad);
    secure_wipe(block, sizeof block);
    secure_wipe(pad, sizeof pad);
}

void hmac512(const hmac512_key *k, const void *msg, size_t len,
             uint8_t out[HMAC_SHA512_LEN])
{
    SHA512_CTX c = k->inner;
    uint8_t inner[HMAC_SHA512_LEN];

    SHA512_Update(&c, msg, len);
    SHA512_Final(inner, &c);
    c = k->outer;
    SHA512_Update(&c, inner, sizeof inner);
    SHA512_Final(out, &c);
    /* The inner hash and the states hold what the key makes of msg. */
    secure_wipe(inner, sizeof inner);
    secure_wipe(&c, sizeof c);
}

void hmac512_key_wipe(hmac512_key *k)
{
    secure_wipe(k, sizeof *k);
}

void base64_encode(char *out, const uint8_t *in, size_t len)
{
    sodium_bin2base64(out, BASE64_LEN(len) + 1, in, len,
                      sodium_base64_VARIANT_ORIGINAL);
}

long base64_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen)
{
    size_t n;
    const char *end;

    if (sodium_base642bin(out, outmax, in, inlen, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    if (end != in + inlen)
        return -1;
    return (long)n;
}

int base64url_encode(char *out, size_t outmax, const uint8_t *in, size_t len)
{
    if (sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > outmax)
        return -1;
    sodium_bin2base64(out, outmax, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

long base64url_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen)
{
    size_t n;
    const char *end;

    if (sodium_base642bin(out, outmax, in, inlen, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != in + inlen)
        return -1;
    return (long)n;
}

void hmac_sha1(const uint8_t *key, size_t keylen, const void *msg, size_t len,
               uint8_t out[HMAC_SHA1_LEN])
{
    unsigned int n = HMAC_SHA1_LEN;

    if (!HMAC(EVP_sha1(), key, (int)keylen, msg, len, out, &n))
        memset(out, 0, HMAC_SHA1_LEN);
}

void hmac_sha256_2(const uint8_t *key, size_t keylen, const void *a, size_t alen,
                   const void *b, size_t blen, uint8_t out[HMAC_SHA256_LEN])
{
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, a, alen);
    if (blen)
        crypto_auth_hmacsha256_update(&st, b, blen);
    crypto_auth_hmacsha256_final(&st, out);
    secure_wipe(&st, sizeof st);
}

void hex_encode(char *out, const uint8_t *in, size_t len)
{
    sodium_bin2hex(out, 2 * len + 1, in, len);
}

long hex_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen)
{
    size_t n;
    const char *end;

    if (inlen % 2 != 0)
        return -1;
    if (sodium_hex2bin(out, outmax, in, inlen, NULL, &n, &end) != 0)
        return -1;
    if (end != in + inlen)
        return -1;
    return (long)n;
}

void random_bytes(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

int ct_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}

void *secure_alloc(size_t len)
{
    return sodium_malloc(len);
}

void secure_free(void *p)
{
    sodium_free(p);
}

void secure_wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}

void ed25519_keypair(uint8_t pk[ED25519_PUBLIC_LEN], uint8_t sk[ED25519_SECRET_LEN])
{
    crypto_sign_ed25519_keypair(pk, sk);
}

void ed25519_from_seed(uint8_t pk[ED25519_PUBLIC_LEN], uint8_t sk[ED25519_SECRET_LEN],
                       const uint8_t seed[ED25519_SEED_LEN])
{
    crypto_sign_ed25519_seed_keypair(pk, sk, seed);
}

void ed25519_sign(uint8_t sig[ED25519_SIG_LEN], const void *msg, size_t len,
                  const uint8_t sk[ED25519_SECRET_LEN])
{
    crypto_sign_ed25519_detached(sig, NULL, msg, len, sk);
}

int ed25519_verify(const uint8_t sig[ED25519_SIG_LEN], const void *msg, size_t len,
                   const uint8_t pk[ED25519_PUBLIC_LEN])
{
    return crypto_sign_ed25519_verify_detached(sig, msg, len, pk) == 0;
}

int pwhash_str(char out[PWHASH_STR_MAX], const char *secret, size_t len, pwhash_cost cost)
{
    unsigned long long ops = cost == PWHASH_MIN ? crypto_pwhash_OPSLIMIT_MIN
                                                : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = cost == PWHASH_MIN ? crypto_pwhash_MEMLIMIT_MIN
                                    : crypto_pwhash_MEMLIMIT_INTERACTIVE;

    return crypto_pwhash_str(out, secret, len, ops, mem) == 0 ? 0 : -1;
}

int pwhash_verify(const char *hash, const char *secret, size_t len)
{
    return crypto_pwhash_str_verify(hash, secret, len) == 0;
}
