/* idsvc_api.h -- idsvc's HTTP surface: POST /v1/ci and GET /v1/health. */
#ifndef HERALD_IDSVC_API_H
#define HERALD_IDSVC_API_H

#include <stddef.h>

#include "http_metrics.h"
#include "http_server.h"

/* The largest body any route takes: the server's limit. */
#define IDSVC_MAX_BODY (1u << 20)

/* The http_gate and http_handler to serve with; ctx is the idsvc. */
int idsvc_api_gate(void *ctx, const http_request *req, size_t *max_body);
/* Request series for every route of the table (http_metrics.h). */
http_metrics *idsvc_api_metrics_new(void);
void idsvc_api_handle(void *ctx, const http_request *req, http_response *resp);

#endif
