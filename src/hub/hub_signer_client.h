/* hub_signer_client.h -- the hub's side of the socket to `herald signer`
 * (docs/design.md §4, "The signer"): one request per connection, with a
 * deadline, so that a signer that is down or hung costs a failed head and
 * never a stuck hub. */
#ifndef HERALD_HUB_SIGNER_CLIENT_H
#define HERALD_HUB_SIGNER_CLIENT_H

#include <stddef.h>

#include "sth_request.h"

/* How long one head's signing may wait for the signer, all its round
 * trips together: the signing lock is held meanwhile. */
#define HUB_SIGNER_TIMEOUT_MS 5000

/* Sends req to the signer listening at path and reads its answer into
 * ans, giving up at deadline_ms (clock_mono_ms). Returns 0 with an answer
 * (signed or not), -1 with why when there is none (no signer, the
 * deadline passed, an answer that does not parse). */
int hub_signer_ask(const char *path, const sth_request *req, long long deadline_ms,
                   sth_answer *ans, char *err, size_t errlen);

#endif
