/* hub_api.h -- the hub's HTTP surface: the gate and handler hub.c serves.
 *
 * The routes themselves are one table in hub_api.c (lib/http_route.h),
 * the evidence log's handlers among them (hub_evidence_api.h). */
#ifndef HERALD_HUB_API_H
#define HERALD_HUB_API_H

#include <stddef.h>

#include "http_metrics.h"
#include "http_server.h"
#include "notice_state.h"

/* Who called a keyed route: a client of the hub's registry. Public
 * routes are called with none (NULL). */
typedef struct hub_caller {
    const char *name;
    notice_role role;
    const char *documents; /* an agency's: its links start with it; NULL: any */
} hub_caller;

/* The http_server gate, on a request's headers (ctx is the hub): an
 * unknown path is refused (404), a keyed one without a key of the hub's
 * clients too (401), and the body is capped at its route's limit, all
 * before the body is read. */
int hub_api_gate(void *ctx, const http_request *req, size_t *max_body);
/* Request series for every route of the table (http_metrics.h). */
http_metrics *hub_api_metrics_new(void);
/* The http_server handler; ctx is the hub. */
void hub_api_handle(void *ctx, const http_request *req, http_response *resp);

#endif
