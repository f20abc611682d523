/* hub_evidence_api.h -- the evidence log's HTTP handlers, for hub_api.c's
 * route table. Each has http_route's handler shape: role is the hub,
 * caller a hub_caller (hub_api.h) or NULL on a public route. */
#ifndef HERALD_HUB_EVIDENCE_API_H
#define HERALD_HUB_EVIDENCE_API_H

#include "http_server.h"

/* A pasted certificate, URL-encoded: a notice's dozen leaves and paths
 * are some 20 KB, so 1 MiB is ample and still cheap to refuse. */
#define HUB_EVIDENCE_API_VERIFY_MAX_BODY (1u << 20)

/* Public: GET /v1/log/sth, /v1/log/key, /v1/log/consistency; GET and
 * POST /verify. */
void hub_evidence_api_sth(void *role, const void *caller, const http_request *req,
                          http_response *resp);
void hub_evidence_api_key(void *role, const void *caller, const http_request *req,
                          http_response *resp);
void hub_evidence_api_consistency(void *role, const void *caller, const http_request *req,
                                  http_response *resp);
void hub_evidence_api_verify(void *role, const void *caller, const http_request *req,
                             http_response *resp);

/* GET /v1/notices/{id}/certificate and .../certificate.pdf: for the agency
 * that sent the notice and the platforms it was relayed to. */
void hub_evidence_api_certificate(void *role, const void *caller, const http_request *req,
                                  http_response *resp);
void hub_evidence_api_certificate_pdf(void *role, const void *caller, const http_request *req,
                                      http_response *resp);

#endif
