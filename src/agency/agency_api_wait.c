/* agency_api_wait.c -- a posted notice's wait for the hub's answer, off
 * the server's threads.
 *
 * POST /v1/notices answers once the hub took the notice, which takes a
 * batch's round trip, or up to 30 s while the hub is slow. Waiting on a
 * server thread held every other connection that thread served: a
 * citizen opening a document, or the console, stalled behind the post.
 * So the wait runs on a thread of its own (http_offload.h), and past the
 * waits a peer may hold, the post is answered 202 queued at once. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "agency_api_input.h"
#include "agency_intake.h"
#include "agency_problem.h"
#include "http_offload.h"

/* How long a post waits for the hub's answer before it says 202
 * "queued" (the notice still goes; GET tells the outcome). */
#define NOTICE_WAIT_MS 30000

typedef struct notice_wait {
    agency_api *api;
    api_rows rs;
    char caller_ref[FIELD_REFERENCE_MAX + 1];
    char who[APIKEY_NAME_MAX + 1];
} notice_wait;

/* Posts waiting now on threads of their own (GET /metrics). */
static atomic_long waiting;

long agency_api_notice_waits(void)
{
    return atomic_load(&waiting);
}

static void wait_and_answer(agency_api *api, api_rows *rs, const char *who,
                            const char *caller_ref, long wait_ms, http_response *resp)
{
    intake_result res;

    agency_intake_notice(api->intake, rs, wait_ms, &res);
    api_rows_free(rs);
    agency_api_notice_answer(api, who, caller_ref, &res, resp);
}

static void wait_main(void *arg, http_response *resp)
{
    notice_wait *w = arg;

    atomic_fetch_add(&waiting, 1);
    wait_and_answer(w->api, &w->rs, w->who, w->caller_ref, NOTICE_WAIT_MS, resp);
    atomic_fetch_sub(&waiting, 1);
    free(w);
}

void agency_api_notice_wait(agency_api *api, const http_request *req, api_rows *rs,
                            const char *who, const char *caller_ref, http_response *resp)
{
    notice_wait *w = calloc(1, sizeof *w);
    int rc;

    if (!w) {
        agency_problem(resp, 503, NULL, 0, "out of memory: post again (the reference "
                       "makes that safe)");
        return;
    }
    *w = (notice_wait){.api = api, .rs = *rs};
    snprintf(w->caller_ref, sizeof w->caller_ref, "%s", caller_ref);
    snprintf(w->who, sizeof w->who, "%s", who);
    rc = http_offload(req, wait_main, w);
    if (rc == HTTP_OFFLOADED) {
        memset(rs, 0, sizeof *rs);
        return;
    }
    free(w);
    if (rc == HTTP_OFFLOAD_STOPPING) {
        agency_problem(resp, 503, NULL, 0, "the server is stopping or out of memory: post "
                       "again (the reference makes that safe)");
        return;
    }
    /* No wait to be had: queued, and said so at once. */
    wait_and_answer(api, rs, who, caller_ref, 0, resp);
}
