/* agency_api.h -- what `agency serve` answers over HTTP, as one route
 * table (docs/protocol.md, "## agency"): a document, once, to the citizen
 * holding a platform's view token, the health check, and the back-office
 * API (notices, bulk jobs, certificates, templates) for callers with a
 * key. */
#ifndef HERALD_AGENCY_API_H
#define HERALD_AGENCY_API_H

#include <stdatomic.h>
#include <stdio.h>

#include "agency_config.h"
#include "agency_db.h"
#include "agency_intake.h"
#include "apikeys.h"
#include "http_metrics.h"
#include "http_server.h"
#include "metrics_access.h"
#include "metrics_db.h"

/* What the handlers need, set up by the serving runtime. */
typedef struct agency_api {
    const agency_cfg *cfg; /* the pinned platform keys */
    agency_db *db;         /* the handlers' connection */
    /* Called after an event went into the outbox, so that it reaches the
     * hub without waiting for the next round. */
    void (*queued)(void *ctx);
    void *queued_ctx;
    /* GET /metrics: who may read it ([agency] metrics), every request
     * answered, and the outbox's depth (agency_metrics.c). */
    metrics_access metrics;
    http_metrics *requests;
    metrics_db queues;
    int queues_open;
    /* The back-office API (agency_api_notices.c): its callers' keys and
     * the worker that takes notices through the send pipeline. */
    const apikeys *keys;
    agency_intake *intake;
    /* Test keys (`agency key add --test`): keys->entries from nlive on.
     * Their calls are answered by test_api, whose db and intake are
     * test.db's (agency_db_test.h); test is set in test_api itself. NULL
     * when no test key exists. */
    size_t nlive;
    const struct agency_api *test_api;
    int test;
    /* The staff's console at /console (agency_console.h). */
    struct agency_console *console;
    /* Stopping: calls to the hub end past this time (monotonic ms, 0
     * before; agency_api_hub), so that the threads waiting on them
     * return. NULL: they run to their timeout. */
    const atomic_llong *calls_end;
} agency_api;

/* "METHOD PATH" of every route of the table, one a line (`herald agency
 * routes`, which tests/integration/openapi.sh compares with
 * docs/agency-api.yaml). */
void agency_api_routes_print(FILE *out);

/* Request series for every route of the table (http_metrics.h). */
http_metrics *agency_api_metrics_new(void);
/* Opens and closes what GET /metrics reads besides the requests
 * (agency_metrics.c); open returns 0, or -1 with the reason in err. */
int agency_metrics_open(agency_api *a, char *err, size_t errlen);
void agency_metrics_close(agency_api *a);
/* Appends every agency family but the HTTP ones. */
void agency_metrics_render(agency_api *a, buf *b);

/* An http_gate: 401 before a body is read for a /v1/ route without a
 * known key, and each route's own body limit. */
int agency_api_gate(void *ctx, const http_request *req, size_t *max_body);

/* POST /v1/notices waiting for the hub's answer (agency_api_wait.c):
 * rs (taken; left empty) goes to the intake, and the answer is given in
 * resp now or, from a thread of its own, later (http_offload.h).
 * Stopping waits for those threads (http_offload_drain) once the intake
 * halted. waits: how many wait now (GET /metrics). */
struct intake_result;
struct api_rows;
void agency_api_notice_wait(agency_api *api, const http_request *req, struct api_rows *rs,
                            const char *who, const char *caller_ref, http_response *resp);
void agency_api_notice_answer(agency_api *api, const char *who, const char *caller_ref,
                              const struct intake_result *res, http_response *resp);
long agency_api_notice_waits(void);

/* The back-office handlers (agency_api_notices.c). */
void agency_api_post_notice(void *role, const void *caller, const http_request *req,
                            http_response *resp);
void agency_api_post_bulk(void *role, const void *caller, const http_request *req,
                          http_response *resp);
void agency_api_get_notice(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void agency_api_get_certificate(void *role, const void *caller, const http_request *req,
                                http_response *resp);
void agency_api_get_job(void *role, const void *caller, const http_request *req,
                        http_response *resp);

/* Templates over HTTP (agency_api_templates.c): PUT, GET one, the list,
 * and a preview of one row. */
void agency_api_put_template(void *role, const void *caller, const http_request *req,
                             http_response *resp);
void agency_api_get_template(void *role, const void *caller, const http_request *req,
                             http_response *resp);
void agency_api_list_templates(void *role, const void *caller, const http_request *req,
                               http_response *resp);
void agency_api_preview_template(void *role, const void *caller, const http_request *req,
                                 http_response *resp);

/* What the back-office routes and the console ask the hub before they
 * answer (agency_api_hub.c): each call runs on a thread of its own
 * (http_offload.h) and ends with its done function, which fills resp
 * and owns ctx; done runs at once, on the caller's thread, when no such
 * thread is to be had. agency_api_hub: a client of the hub that ends
 * at calls_end. */
struct http_client;
struct http_client *agency_api_hub(const agency_api *api);
/* o's notice's evidence added to o as "evidence" (left out when the hub
 * does not answer, or no thread is to be had); done owns o. */
typedef void (*agency_evidence_done)(void *ctx, json_t *o, http_response *resp);
void agency_api_with_evidence(const agency_api *api, const http_request *req, json_t *o,
                              agency_evidence_done done, void *ctx, http_response *resp);
/* The hub's certificate of notice (PDF when pdf) as the answer, or a
 * problem saying why; done (may be NULL) sees the answer before it goes. */
typedef void (*agency_answer_done)(void *ctx, http_response *resp);
void agency_api_certificate(const agency_api *api, const http_request *req, const char *notice,
                            int pdf, agency_answer_done done, void *ctx, http_response *resp);
/* A cancel by either reference (agency_api_cancel); done answers from
 * its status and result (503 with r->error when it could not run). */
struct agency_cancel_result;
typedef void (*agency_cancel_done)(void *ctx, int status, const struct agency_cancel_result *r,
                                   http_response *resp);
void agency_api_cancel_later(agency_api *api, const http_request *req, const char *reference,
                             const char *reason, agency_cancel_done done, void *ctx,
                             http_response *resp);
int agency_api_cancel(agency_api *api, struct http_client *hub, const char *reference,
                      const char *reason, struct agency_cancel_result *r);

/* Records a bulk job for rs (errs: the rows refused already) and hands
 * the rows to the intake, as POST /v1/notices/bulk does; the console's
 * send uses it too. 202 with the job's id, or 503 with why. */
#define API_JOB_ID_MAX 40
struct api_rows;
struct api_errors;
int agency_api_start_bulk(agency_api *api, struct api_rows *rs, const struct api_errors *errs,
                          char id[API_JOB_ID_MAX], const char **why);

/* An http_handler: ctx is the agency_api. */
void agency_api_handle(void *ctx, const http_request *req, http_response *resp);

#endif
