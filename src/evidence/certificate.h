/* certificate.h -- distribution certificates and signed tree heads in the
 * JSON of docs/design.md §4, checked offline against a pinned log key.
 *
 * A certificate is only as good as its verifier: it must prove that each
 * leaf is in the tree whose head the pinned key signed, that every leaf
 * speaks of this notice, and that the events run in time order. The key
 * embedded in the certificate is ignored for trust: anyone can embed one.
 * Pure: the JSON text comes in, a verdict and a timeline go out. */
#ifndef HERALD_CERTIFICATE_H
#define HERALD_CERTIFICATE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "sth.h"
#include "sth_json.h"

#define CERT_MAX_BYTES (4u << 20)
#define CERT_MAX_ENTRIES 1000
#define CERT_MAX_LEAF 65536

typedef struct cert_event {
    char event[48];
    char at[32];
    char actor[72];
    char reason[201]; /* a reason is at most 200 bytes (protocol/field.h): whole */
    char channel[8];    /* an alert's channel, "" when the leaf names none */
    char reference[72]; /* the channel's reference, "" when none */
    char batch[72];     /* a PrintHandover's print batch, "" when none */
    uint64_t leaf_index;
} cert_event;

typedef struct cert_result {
    char notice[72];
    sth head;
    size_t count;
    cert_event events[CERT_MAX_ENTRIES];
} cert_result;

/* One leaf of a certificate being built: its bytes, index and audit path. */
typedef struct cert_entry {
    uint64_t leaf_index;
    const uint8_t *leaf;
    size_t leaf_len;
    const uint8_t (*path)[32];
    size_t path_len;
} cert_entry;

/* How a timeline shows the alert an event is about: "sms 0a1b2c",
 * "push", or "" when the leaf names no channel; for a PrintHandover,
 * "batch <id>". */
void cert_event_channel(const cert_event *e, char *out, size_t cap);

/* Encodes the docs/design.md §4 certificate JSON (caller frees); NULL on
 * allocation failure. */
char *certificate_encode(const char *notice, const uint8_t log_key[ED25519_PUBLIC_LEN],
                         const sth *head, const uint8_t sig[STH_SIG_LEN],
                         const cert_entry *entries, size_t count);

/* Verifies a certificate. Returns 0 when valid, with the timeline in out;
 * -1 with the reason in why otherwise. */
int certificate_verify(const char *json, size_t len, const uint8_t log_key[ED25519_PUBLIC_LEN],
                       cert_result *out, char *why, size_t whylen);


#endif
