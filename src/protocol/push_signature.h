/* push_signature.h -- the Herald-Signature header of the messenger
 * channel: the platform signs each batch it posts to a messenger's push
 * gateway, and the gateway signs each receipt callback it posts back,
 * with one shared key (docs/protocol.md, "The messenger channel").
 *
 *   Herald-Signature: t=<unix ms>,v1=<lowercase hex HMAC-SHA-256(key, "<t>." + body)>
 *
 * The time inside the signed text keeps a recorded request from being
 * replayed later than PUSH_SIGNATURE_MAX_AGE_MS; v1 names the scheme so a
 * second one can be added beside it. No I/O: the caller gives the clock. */
#ifndef HERALD_PUSH_SIGNATURE_H
#define HERALD_PUSH_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#define PUSH_SIGNATURE_HEADER "Herald-Signature"
/* Refused when older than this, or as far ahead (clocks drift). */
#define PUSH_SIGNATURE_MAX_AGE_MS (5LL * 60 * 1000)
/* "t=" 13+ digits ",v1=" 64 hex: room for any time until year 33658. */
#define PUSH_SIGNATURE_MAX 96
/* A key file's line: what operators paste, not bytes. */
#define PUSH_KEY_MAX 256

/* The header's value for body signed at now_ms, into out. */
void push_signature_make(char out[PUSH_SIGNATURE_MAX], const uint8_t *key, size_t keylen,
                         long long now_ms, const void *body, size_t len);

/* The header value read without the body: 0 with its time in *t_ms, or
 * -1 with what is wrong in err (missing, malformed, too old, too new).
 * Cheap, so a server may refuse a stale request before reading its body. */
int push_signature_fresh(const char *header, long long now_ms, long long *t_ms, char *err,
                         size_t errlen);

/* The whole check: fresh, and v1 the HMAC of body (compared in constant
 * time). 0, or -1 with the reason in err. */
int push_signature_check(const char *header, const uint8_t *key, size_t keylen,
                         long long now_ms, const void *body, size_t len, char *err,
                         size_t errlen);

#endif
