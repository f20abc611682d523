/* push_channel.h -- the messenger channel: the platform's alerts posted
 * in signed batches to a messenger's push gateway (platform.ini [push]).
 *
 * A thread claims queued alerts from the outbox (platform_db.h), posts
 * up to `batch` of them as {"alerts":[{"id","phone","text"}]} with a
 * Herald-Signature header (push_signature.h), and records the gateway's
 * answer to each: accepted with its message id as the reference the
 * receipts will name, or rejected with its reason (a final failure).
 *
 * What an answer that never came means decides what is done next:
 *   - nothing left the machine (no connection), or the gateway said it
 *     took none (429, 500, 503 and the other 5xx but 502 and 504), or it
 *     refused our key (401, 403), or the URL is wrong (404): the batch
 *     stays claimed and is posted again after a growing delay (100 ms
 *     doubling to 30 s, or a 429's or 503's Retry-After when longer);
 *   - a 502 or 504 from a proxy in front of the gateway (or its own): it
 *     mostly could not reach the gateway, but may have lost the answer to
 *     a batch taken: the batch stays claimed, its alerts flagged possible
 *     duplicates, and is posted again under the same ids as above;
 *   - the gateway may have taken it (a timeout, a reset, a 2xx whose body
 *     is not JSON or whose results do not match the batch): the outcome
 *     is unknown, so
 *     the alerts go back to the queue flagged as possible duplicates
 *     (platform_db_outbox_requeue): sent once more, never a third time.
 *     Should that fail (a database error), the batch stays in hand and
 *     queueing it is tried again before anything is posted;
 *   - a batch too large (413): it goes back to the queue and batches are
 *     halved until one passes; one alert too large fails as below, and
 *     batches go back to [push] batch;
 *   - a batch refused as it is (400, 422), mostly for one alert in it:
 *     the gateway took none, so it goes back to the queue and batches
 *     are halved until the alert refused on its own is found; it fails,
 *     the others go as their halves pass, and batches go back to their
 *     size before (so too once the batch's last alert has passed);
 *   - another 4xx: the gateway refuses the batch as it is, which sending
 *     it again cannot change: each alert fails with the status as reason.
 * Receipt callbacks arrive on POST /v1/push/receipts (push_receipts.c),
 * signed with the same key. */
#ifndef HERALD_PUSH_CHANNEL_H
#define HERALD_PUSH_CHANNEL_H

#include <stddef.h>

#include "config.h"

/* The outbox's channel name for the messenger channel. */
#define PUSH_CHANNEL "push"
/* A gateway's message id: 1-128 printable ASCII characters, no space. */
#define PUSH_REFERENCE_MAX 128

struct platform;
typedef struct push_channel push_channel;

/* 1 when cfg has a [push] section. */
int push_channel_configured(const config *cfg);
/* Reads [push]: url, key_file (one line, mode 0600), batch (default 500,
 * 1-10000), timeout_ms (default 5000, 100-120000). NULL with the reason in
 * err. */
push_channel *push_channel_open(const config *cfg, char *err, size_t errlen);
/* Starts the sender on p's outbox: 0, or -1. */
int push_channel_start(push_channel *c, struct platform *p);
/* Waits for the post in flight (at most timeout_ms) and stops. A batch
 * still held for a retry, which the gateway never took, goes back to the
 * queue as never sent (platform_db_outbox_unclaim); one whose outcome is
 * unknown and could not be queued again stays claimed, and the next start
 * queues it again as a possible duplicate. */
void push_channel_stop(push_channel *c);
void push_channel_free(push_channel *c);

/* Checks a gateway callback's Herald-Signature over body with the push
 * key: 0, or -1 with the reason in err. */
int push_channel_check(const push_channel *c, const char *header, const char *body,
                       size_t len, char *err, size_t errlen);
/* How many batches have been posted and recorded so far: taken before a
 * receipt's first look, for push_channel_wait_settled. */
long long push_channel_rounds(push_channel *c);
/* For a receipt that named no known alert at a look that began after
 * push_channel_rounds gave since: 1 at once when a batch has been
 * recorded since (its references may have come too late for that look);
 * when one is being posted or its answer recorded, waits until that is
 * done and returns 1; so the caller looks again. 0 when nothing was or is
 * in flight, or after PUSH_SETTLE_WAIT_MS: a receipt overtakes an answer
 * the gateway has already sent, by moments, and one naming an alert
 * whose batch timed out must not hold a server thread for a whole post.
 * Never call it holding the platform's lock. */
#define PUSH_SETTLE_WAIT_MS 2000
int push_channel_wait_settled(push_channel *c, long long since);
/* 1 when s is a well-formed gateway message id. */
int push_reference_ok(const char *s, size_t len);

#endif
