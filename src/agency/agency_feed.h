/* agency_feed.h -- following the hub's changes feed (GET /v1/changes).
 *
 * The hub tells each agency what became of its notices through one ordered
 * feed; the agency keeps its cursor in its own database, moved in the same
 * transaction as the states it records, so a crash never skips or replays
 * half a page. Used by the serve poller and by `postal --sync`. */
#ifndef HERALD_AGENCY_FEED_H
#define HERALD_AGENCY_FEED_H

#include <stddef.h>

#include "agency_db.h"
#include "batch.h"
#include "http_client.h"

/* The most the hub gives per call (docs/protocol.md): at 20,000 notices a
 * second, each going through two or three states, smaller pages would
 * cost a round trip and a commit per few milliseconds of work. */
#define AGENCY_FEED_PAGE BATCH_MAX_ITEMS

/* Pulls pages until the feed has nothing new. Returns the number of
 * notices whose state changed, or -1 with err set. */
long agency_feed_pull(agency_db *db, http_client *hub, char *err, size_t errlen);

#endif
