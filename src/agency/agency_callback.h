/* agency_callback.h -- status callbacks to the agency's back office.
 *
 * Each state change of a notice posted through the API goes into a queue
 * in the agency database (api_events, filled as the changes feed brings
 * them, agency_db_feed.c). The server posts it in order, in batches, to
 * the registered URL:
 *
 *   POST URL   {"events":[{"id":"ev-42","reference":"…","state":"received",
 *                          "reason":null,"at":"…"}, …]}
 *   Herald-Signature: t=<unix ms>,v1=<hex HMAC-SHA-256(key, "<t>." + body)>
 *   Herald-Key-Id: <key id>
 *
 * the signature being push_signature.h's. A 2xx moves the queue on; no
 * answer, a timeout, a 5xx or a 429 is retried with exponential backoff,
 * the same batch again, each event for up to 24 hours from its queueing;
 * any other answer drops the batch (logged). So events arrive in order per notice, and a final state
 * is never followed by an earlier one (the feed never records one); the
 * milestones "handed_over" and "effective" (agency_db_effect.c) come after
 * the events that caused them. */
#ifndef HERALD_AGENCY_CALLBACK_H
#define HERALD_AGENCY_CALLBACK_H

#include <stdatomic.h>
#include <stddef.h>

#include "agency_config.h"
#include "agency_db.h"

#define CALLBACK_BATCH 500
#define CALLBACK_GIVE_UP_MS (24LL * 3600 * 1000)
#define CALLBACK_TIMEOUT_MS 10000
#define CALLBACK_KEY_ID_LEN 16
#define CALLBACK_KEY_HEX 64

/* 1 if url may receive callbacks: https://HOST..., or http:// to a
 * loopback host (127.0.0.0/8, localhost, [::1]); else 0 with why. */
int agency_callback_url_ok(const char *url, const char **why);

/* The wait before retry number `failures` (1, 2, ...): 1 s doubling to
 * at most 5 minutes. */
long agency_callback_backoff_ms(int failures);

/* What a retry policy makes of an answer: 1 retry later, 0 the batch is
 * done with (2xx, or refused for good). */
int agency_callback_retryable(int status);

/* The key id of a key: "k" and the first 15 hex of its SHA-256. */
void agency_callback_key_id(const char *key, char out[CALLBACK_KEY_ID_LEN + 1]);

/* One delivery attempt of the next batch. Returns 1 when a batch went
 * (more may wait), 0 when nothing waits or no URL is set, -1 when it must
 * be retried. */
typedef struct callback_sender callback_sender;
callback_sender *callback_sender_new(const agency_cfg *cfg, agency_db *db);
/* A post in progress ends once CLOCK_MONOTONIC passes *at_ms (a stopping
 * server; http_client_abort_at); at_ms must outlive cs. */
void callback_sender_abort_at(callback_sender *cs, const atomic_llong *at_ms);
int callback_sender_round(callback_sender *cs, long long now_ms);
/* After a round that must be retried: how long the receiver asked to be
 * left alone (its 429's or 503's Retry-After, at most an hour), 0 when it
 * asked nothing. The retry waits that long when it is more than the
 * backoff. */
long callback_sender_retry_after_ms(const callback_sender *cs);
void callback_sender_free(callback_sender *cs);

#endif
