/* agency_api.h -- what `agency serve` answers over HTTP, as one route
 * table (docs/protocol.md, "## agency"): a document, once, to the citizen
 * holding a platform's view token, and the health check. */
#ifndef HERALD_AGENCY_API_H
#define HERALD_AGENCY_API_H

#include "agency_config.h"
#include "agency_db.h"
#include "http_server.h"

/* What the handlers need, set up by the serving runtime. */
typedef struct agency_api {
    const agency_cfg *cfg; /* the pinned platform keys */
    agency_db *db;         /* the handlers' connection */
    /* Called after an event went into the outbox, so that it reaches the
     * hub without waiting for the next round. */
    void (*queued)(void *ctx);
    void *queued_ctx;
} agency_api;

/* An http_handler: ctx is the agency_api. */
void agency_api_handle(void *ctx, const http_request *req, http_response *resp);

#endif
