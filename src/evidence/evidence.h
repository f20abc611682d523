/* evidence.h -- the bytes of one evidence log leaf (docs/design.md §4).
 *
 * A leaf is hashed into the Merkle log and shipped verbatim in
 * certificates, so its bytes are fixed here once: the JSON object
 *   {"v":1,"event":…,"notice":…,"at":"RFC 3339 UTC ms","agency":…,
 *    "actor":…,"rk":…,"doc_sha256":…,"reason":…}
 * in exactly that key order, no spaces, reason null when there is none.
 * A leaf about an alert may go on, after reason, with
 *   ,"channel":"sms"|"push","reference":"<the channel's id of the alert>"
 * each only when known (design.md §4 allows fields after reason), and a
 * PrintHandover's ,"batch":"<the agency's print batch id>", so
 * every other leaf keeps the bytes it always had.
 * Written by appending (buf_json_string), never through a JSON tree whose
 * key order or number formatting could change under us. Pure. */
#ifndef HERALD_EVIDENCE_H
#define HERALD_EVIDENCE_H

#include "buf.h"

typedef struct evidence_rec {
    const char *event;      /* ETSI EN 319 522 name */
    const char *notice;     /* notice id */
    long long at_ms;        /* Unix milliseconds, rendered as RFC 3339 UTC */
    const char *agency;
    const char *actor;      /* hub, a platform's or an agency's name */
    const char *rk;
    const char *doc_sha256;
    const char *reason;     /* NULL for none */
    const char *channel;    /* NULL: not in the leaf */
    const char *reference;  /* NULL: not in the leaf */
    const char *batch;      /* a PrintHandover's print batch; NULL: not in the leaf */
} evidence_rec;

/* Appends the leaf to out (which may already hold text). */
void evidence_encode(buf *out, const evidence_rec *r);
/* The same with ,"reminder":n after reason: a ReminderNotification's
 * leaf (design.md allows more fields there). */
void evidence_encode_reminder(buf *out, const evidence_rec *r, int n);
/* The same with ,"amount_krw":N,"payment_code":"…" after reason: a
 * PaymentReceived leaf. */
void evidence_encode_payment(buf *out, const evidence_rec *r, long long amount_krw,
                             const char *payment_code);

#endif
