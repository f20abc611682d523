/* crypto.h -- the only door to cryptographic libraries.
 *
 * herald uses OpenSSL's libcrypto for SHA-256 and HMAC-SHA-512 (its tuned
 * assembly is several times faster here than portable code) and libsodium
 * for everything else: Ed25519, randomness, constant-time comparison,
 * base64 and hex. Callers never include either library directly, so which
 * one does what is decided in one place. */
#ifndef HERALD_CRYPTO_H
#define HERALD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/sha.h>

#define SHA256_LEN 32
#define HMAC_SHA512_LEN 64
#define HMAC_SHA256_LEN 32
#define HMAC_SHA1_LEN 20
#define ED25519_PUBLIC_LEN 32
#define ED25519_SECRET_LEN 64
#define ED25519_SEED_LEN 32
#define ED25519_SIG_LEN 64

/* Length of the base64 (standard alphabet, padded) text of n bytes, without
 * the terminating NUL. */
#define BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* Must run once before any other function here; returns -1 on failure. */
int crypto_init(void);

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

/* SHA-256 over the concatenation of two buffers, without copying them. */
void sha256_2(const void *a, size_t alen, const void *b, size_t blen,
              uint8_t out[SHA256_LEN]);

/* SHA-256 over data that arrives in pieces (a file read in blocks). */
typedef struct sha256_stream {
    SHA256_CTX c;
} sha256_stream;

void sha256_stream_init(sha256_stream *s);
void sha256_stream_update(sha256_stream *s, const void *data, size_t len);
void sha256_stream_final(sha256_stream *s, uint8_t out[SHA256_LEN]);

/* A keyed HMAC-SHA-512 whose inner and outer pads are hashed once, when the
 * key is set: each message then costs two compressions and no allocation,
 * which is what lets one core turn hundreds of thousands of RRNs into CIs a
 * second. The struct holds key material: wipe it with hmac512_key_wipe. */
typedef struct hmac512_key {
    SHA512_CTX inner;
    SHA512_CTX outer;
} hmac512_key;

void hmac512_key_init(hmac512_key *k, const uint8_t *key, size_t keylen);
void hmac512(const hmac512_key *k, const void *msg, size_t len,
             uint8_t out[HMAC_SHA512_LEN]);
void hmac512_key_wipe(hmac512_key *k);

/* HMAC-SHA-256 (libsodium's crypto_auth_hmacsha256, a key of any
 * length) over a then b, without joining them: a webhook's signature
 * covers a timestamp line and then a body that may be megabytes. */
void hmac_sha256_2(const uint8_t *key, size_t keylen, const void *a, size_t alen,
                   const void *b, size_t blen, uint8_t out[HMAC_SHA256_LEN]);

/* HMAC-SHA-1 (OpenSSL), for one thing only: TOTP codes (RFC 6238), whose
 * authenticator apps all default to SHA-1. HMAC-SHA-1 remains a sound
 * PRF; nothing else in herald uses SHA-1. */
void hmac_sha1(const uint8_t *key, size_t keylen, const void *msg, size_t len,
               uint8_t out[HMAC_SHA1_LEN]);

/* Standard base64 with padding. Encode writes BASE64_LEN(len)+1 bytes
 * (NUL included) to out. Decode returns the decoded length, or -1 if the
 * text is not valid base64 or does not fit in outmax. */
void base64_encode(char *out, const uint8_t *in, size_t len);
long base64_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen);

/* URL-safe base64 without padding (RFC 4648 §5), for tokens in URLs.
 * Encode returns 0, or -1 when out (NUL included) is smaller than outmax
 * needs; decode as base64_decode. */
int base64url_encode(char *out, size_t outmax, const uint8_t *in, size_t len);
long base64url_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen);

/* Lower-case hex; out must hold 2*len+1 bytes. */
void hex_encode(char *out, const uint8_t *in, size_t len);
/* Returns the decoded length, or -1 on a bad digit or odd length. */
long hex_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen);

void random_bytes(void *buf, size_t len);

/* Constant-time equality of two buffers of the same length. */
int ct_equal(const void *a, const void *b, size_t len);

/* Guarded, locked memory for long-lived secrets (sodium_malloc): never
 * swapped out, and wiped on free. NULL when it cannot be had. */
void *secure_alloc(size_t len);
void secure_free(void *p);

/* Zeroes memory in a way the compiler may not optimise away. */
void secure_wipe(void *p, size_t len);

void ed25519_keypair(uint8_t pk[ED25519_PUBLIC_LEN], uint8_t sk[ED25519_SECRET_LEN]);
/* Derives the full secret key and public key from a 32-byte seed. */
void ed25519_from_seed(uint8_t pk[ED25519_PUBLIC_LEN], uint8_t sk[ED25519_SECRET_LEN],
                       const uint8_t seed[ED25519_SEED_LEN]);
void ed25519_sign(uint8_t sig[ED25519_SIG_LEN], const void *msg, size_t len,
                  const uint8_t sk[ED25519_SECRET_LEN]);
/* Returns 1 if the signature is valid, 0 otherwise. */
int ed25519_verify(const uint8_t sig[ED25519_SIG_LEN], const void *msg, size_t len,
                   const uint8_t pk[ED25519_PUBLIC_LEN]);

/* Password hashing (Argon2id, libsodium's crypto_pwhash_str) for member
 * PINs. PWHASH_INTERACTIVE costs ~64 MiB and a tenth of a second per hash;
 * PWHASH_MIN uses the smallest limits Argon2id allows, so a demo can sign up
 * thousands of members a second. A 4-8 digit PIN falls to an offline search
 * at either cost if the table leaks; the cost only slows that search, the
 * online attempt limit is what keeps PINs safe. */
#define PWHASH_STR_MAX 128
typedef enum pwhash_cost { PWHASH_INTERACTIVE, PWHASH_MIN } pwhash_cost;
/* Writes the encoded hash (with its salt and limits) to out; 0 or -1. */
int pwhash_str(char out[PWHASH_STR_MAX], const char *secret, size_t len, pwhash_cost cost);
/* 1 if secret matches the encoded hash, 0 otherwise (also for bad text). */
int pwhash_verify(const char *hash, const char *secret, size_t len);

#endif
