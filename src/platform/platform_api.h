/* platform_api.h -- what the HTTP server calls: the gate before a body is
 * read and the handler after, both driven by platform_api.c's route
 * table. ctx is the platform. */
#ifndef HERALD_PLATFORM_API_H
#define HERALD_PLATFORM_API_H

#include <stddef.h>

#include "http_metrics.h"
#include "http_server.h"

/* Request series for every route of the table (http_metrics.h). */
http_metrics *platform_api_metrics_new(void);
int platform_api_gate(void *ctx, const http_request *req, size_t *max_body);
void platform_api_handle(void *ctx, const http_request *req, http_response *resp);

#endif
