/* hub_api_internal.h -- what the hub's HTTP handlers share across their
 * files: the batch reading and answering helpers of hub_api.c, and the
 * handlers of hub_api_notices.c and hub_api_agency.c that the route table
 * names. */
#ifndef HERALD_HUB_API_INTERNAL_H
#define HERALD_HUB_API_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "batch.h"
#include "buf.h"
#include "http_server.h"

#define FOR_AGENCIES (1u << ROLE_AGENCY)

/* A payment is one call per payment, not a batch: it names the notice by
 * the agency's reference, and an unknown reference is the whole answer
 * (404 naming it). */
#define PAYMENT_MAX_BODY 1024

struct hub;

/* Answers a store that failed with what (NULL: nothing more to say):
 * 500 on SQLite, where it is a fault; 503 with Retry-After on
 * PostgreSQL, where it is most likely the server gone (the node
 * reconnects by itself) or a conflict between nodes, which a retry gets
 * past. */
void hub_api_store_failed(const struct hub *h, http_response *resp, const char *what);
/* Answers 200 with out's JSON (500 when it could not be built). */
void hub_api_reply_buf(http_response *resp, buf *out);
/* Reads req's body as a batch by spec; answers 400 or 413 when it is
 * not one. Returns 0 when b holds the batch (batch_free it). */
int hub_api_read_batch(batch *b, const batch_spec *spec, const http_request *req,
                       http_response *resp);
/* The string member key of o, with its length; NULL if absent or not a
 * string. */
const char *hub_api_str(json_t *o, const char *key, size_t *len);
/* Opens a result object echoing a member when it is a well-formed value
 * of that field (ok), null otherwise. */
void hub_api_echo(buf *out, const char *key, const char *value, int ok);

/* An agency's submissions (hub_api_notices.c). */
void hub_api_post_notices(void *role, const void *caller, const http_request *req,
                          http_response *resp);

/* What an agency tells the hub about notices it sent, after sending
 * them (hub_api_agency.c). */
void hub_api_post_cancellations(void *role, const void *caller, const http_request *req,
                                http_response *resp);
void hub_api_post_payments(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void hub_api_post_postal_handover(void *role, const void *caller, const http_request *req,
                                  http_response *resp);

#endif
