/* platform_api.c -- the platform's whole HTTP surface as one table
 * (docs/protocol.md, "platform"): the keyed API the hub and the back
 * office call, and the citizen pages.
 *
 * The gate reads the table before any body is read: an unknown path is
 * 404, an API call without a key of ours 401, and a body past the route's
 * cap 413 (16 MiB for the API, 64 KiB for the pages' forms). The handler
 * then answers a wrong method (405), checks that the key is the one the
 * route is for (403) and calls the route's handler. The push gateway's
 * receipt callbacks carry no key of ours but the push key's signature
 * (push_receipts.c): the gate checks its header's time, the handler the
 * HMAC over the body. */
#include "platform_api.h"

#include <string.h>

#include "http_route.h"
#include "platform.h"
#include "platform_members.h"
#include "platform_relay.h"
#include "platform_remind.h"
#include "platform_web.h"
#include "platform_withdraw.h"
#include "push_receipts.h"

/* The callers the clients file names: the hub relays, the back office
 * ("admin") signs up, verifies and changes consent. */
#define FOR_HUB (1u << 0)
#define FOR_ADMIN (1u << 1)
/* The messenger's push gateway: signed with the push key, no API key. */
#define FOR_PUSH_GATEWAY (1u << 2)

#define API_BODY PLATFORM_MAX_BODY
#define PAGE_BODY PLATFORM_PAGE_MAX_BODY

static void get_health(void *role, const void *caller, const http_request *req,
                       http_response *resp);
static void get_metrics(void *role, const void *caller, const http_request *req,
                        http_response *resp);

static const http_route routes[] = {
    {"POST", "/v1/relay", FOR_HUB, API_BODY, platform_relay_post, HTTP_JSON},
    {"POST", "/v1/remind", FOR_HUB, API_BODY, platform_remind_post, HTTP_JSON},
    {"POST", "/v1/withdraw", FOR_HUB, API_BODY, platform_withdraw_post, HTTP_JSON},
    {"POST", "/v1/members", FOR_ADMIN, API_BODY, platform_members_post, HTTP_JSON},
    {"POST", "/v1/members/verify", FOR_ADMIN, API_BODY, platform_members_verify, HTTP_JSON},
    {"POST", "/v1/members/pin", FOR_ADMIN, API_BODY, platform_members_set_pin, HTTP_JSON},
    {"POST", "/v1/consent", FOR_ADMIN, API_BODY, platform_members_consent, HTTP_JSON},
    {"POST", "/v1/push/receipts", FOR_PUSH_GATEWAY, PUSH_RECEIPTS_MAX_BODY,
     push_receipts_post, HTTP_JSON},
    {"GET", "/v1/health", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_health, NULL},
    {"GET", "/metrics", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_metrics, NULL},
    {"GET", "/", HTTP_ANYONE, PAGE_BODY, platform_web_home, NULL},
    {"POST", "/login", HTTP_ANYONE, PAGE_BODY, platform_web_login, HTTP_FORM},
    {"GET", "/signup", HTTP_ANYONE, PAGE_BODY, platform_web_signup_form, NULL},
    {"POST", "/signup", HTTP_ANYONE, PAGE_BODY, platform_web_signup, HTTP_FORM},
    {"POST", "/logout", HTTP_ANYONE, PAGE_BODY, platform_web_logout, HTTP_FORM},
    {"GET", "/inbox", HTTP_ANYONE, PAGE_BODY, platform_web_inbox, NULL},
    {"POST", "/consent", HTTP_ANYONE, PAGE_BODY, platform_web_consent, HTTP_FORM},
    {"GET", "/notices/{id}", HTTP_ANYONE, PAGE_BODY, platform_web_notice, NULL},
    {"POST", "/notices/{id}/open", HTTP_ANYONE, PAGE_BODY, platform_web_open, HTTP_FORM},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

/* {"status":"ok","pending_reports":N}: the queue an operator (or the
 * demo) waits on. */
static void get_health(void *role, const void *caller, const http_request *req,
                       http_response *resp)
{
    platform *p = role;
    long long pending;

    (void)caller;
    (void)req;
    pthread_mutex_lock(&p->lock);
    pending = platform_db_pending_reports(p->db);
    pthread_mutex_unlock(&p->lock);
    http_reply_json(resp, pending < 0 ? 500 : 200,
                    json_pack("{ss sI}", "status", pending < 0 ? "database error" : "ok",
                              "pending_reports", (json_int_t)pending));
}

/* Who may read it is platform.ini's [platform] metrics. */
static void get_metrics(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    platform *p = role;
    buf b;
    (void)caller;

    if (!metrics_access_allow(&p->metrics, req, resp))
        return;
    buf_init(&b, 32768);
    platform_metrics_render(p, &b);
    http_metrics_render(p->requests, &b);
    metrics_reply(resp, &b);
}

http_metrics *platform_api_metrics_new(void)
{
    return http_metrics_new(routes, N_ROUTES);
}

int platform_api_gate(void *ctx, const http_request *req, size_t *max_body)
{
    platform *p = ctx;
    int exact, status;
    const http_route *r = http_route_gated(routes, N_ROUTES, req, &exact);

    if (r && r->callers == FOR_PUSH_GATEWAY) {
        if ((status = push_receipts_gate(p, req)) != 0)
            return status;
        if (exact && !http_route_body_type_ok(r, req))
            return 415;
        if (r->max_body < *max_body)
            *max_body = r->max_body;
        return 0;
    }
    return http_route_gate(routes, N_ROUTES, &p->clients, req, max_body);
}

static unsigned caller_bits(const apikey_entry *caller)
{
    if (!strcmp(caller->name, "hub"))
        return FOR_HUB;
    if (!strcmp(caller->name, "admin"))
        return FOR_ADMIN;
    return 0;
}

void platform_api_handle(void *ctx, const http_request *req, http_response *resp)
{
    platform *p = ctx;
    const http_route *r = http_route_answer(routes, N_ROUTES, req, resp);
    const apikey_entry *caller = NULL;

    if (!r)
        return;
    if (r->callers != HTTP_ANYONE && r->callers != FOR_PUSH_GATEWAY) {
        if (!(caller = apikeys_authorize(&p->clients, req, resp)))
            return;
        if (!(caller_bits(caller) & r->callers)) {
            http_reply_error(resp, 403, "%s is for %s, not %s", req->path,
                             r->callers & FOR_HUB ? "hub" : "admin", caller->name);
            return;
        }
    }
    r->handler(p, caller, req, resp);
}
