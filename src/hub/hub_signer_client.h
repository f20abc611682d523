/* hub_signer_client.h -- the hub's side of the socket to `herald signer`
 * (docs/design.md §4, "The signer"): one request per connection, with a
 * timeout, so that a signer that is down or hung costs a failed head and
 * never a stuck hub. */
#ifndef HERALD_HUB_SIGNER_CLIENT_H
#define HERALD_HUB_SIGNER_CLIENT_H

#include <stddef.h>

#include "sth_request.h"

/* How long a connection to the signer may take to be answered. */
#define HUB_SIGNER_TIMEOUT_MS 5000

/* Sends req to the signer listening at path and reads its answer into
 * ans. Returns 0 with an answer (signed or not), -1 with why when there
 * is none (no signer, a timeout, an answer that does not parse). */
int hub_signer_ask(const char *path, const sth_request *req, sth_answer *ans, char *err,
                   size_t errlen);

#endif
