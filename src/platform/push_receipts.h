/* push_receipts.h -- POST /v1/push/receipts: the messenger's push gateway
 * telling the platform what became of the alerts it accepted. */
#ifndef HERALD_PUSH_RECEIPTS_H
#define HERALD_PUSH_RECEIPTS_H

#include "http_server.h"

struct platform;

/* Receipts are short: 10,000 of them fit well under this. */
#define PUSH_RECEIPTS_MAX_BODY (4u << 20)

/* Before the body: 404 when the platform has no push channel, 401 when
 * the Herald-Signature header is missing, malformed or stale; else 0. */
int push_receipts_gate(struct platform *p, const http_request *req);
/* The route's handler: the signature checked over the body (401), then
 * {"receipts":[{"id","status":"delivered"|"failed","reason"}]} matched
 * by (push, id) and answered one result per item. */
void push_receipts_post(void *role, const void *caller, const http_request *req,
                        http_response *resp);

#endif
