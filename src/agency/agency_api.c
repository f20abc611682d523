/* agency_api.c -- see agency_api.h.
 *
 * The document never leaves the institution until the citizen asks for it
 * with a view token that a pinned platform signed for exactly this notice
 * and recipient; each token opens it once. */
#include "agency_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_cancel.h"
#include "agency_db_test.h"
#include "agency_console.h"
#include "agency_problem.h"
#include "agency_ref.h"
#include "buf.h"
#include "clock.h"
#include "field.h"
#include "html_page.h"
#include "http_client.h"
#include "http_route.h"
#include "json_wipe.h"
#include "log.h"
#include "template.h"
#include "view_token.h"

/* ---- pages ---- */

static void add_document_headers(http_response *resp);

static const char *reason_ko(const char *why)
{
    static const struct { const char *en, *ko; } t[] = {
        {"token has expired", "열람 가능 시간이 지났습니다"},
        {"token already used", "이미 사용된 열람 링크입니다"},
        {"token is for another recipient", "다른 수신자의 열람 권한입니다"},
        {"withdrawn by the agency", "보낸 기관이 철회한 문서입니다"},
        {"still being delivered", "아직 전달 중인 문서입니다. 잠시 후 다시 열어 주세요"},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(why, t[i].en))
            return t[i].ko;
    return "열람 권한을 확인할 수 없습니다";
}

static void reply_page(http_response *resp, int status, const char *heading_ko,
                       const char *heading_en, const char *why)
{
    buf b;
    size_t len;
    char *text;

    buf_init(&b, 1024);
    html_page_begin(&b, heading_ko, heading_en, NULL,
                    "body{font-family:sans-serif;max-width:480px;margin:0 auto;padding:12px}"
                    ".en{color:#555}");
    buf_puts(&b, "<p>사유: ");
    buf_html(&b, reason_ko(why));
    buf_puts(&b, "<br><span lang=\"en\">Reason: ");
    buf_html(&b, why);
    buf_puts(&b, "</span></p>\n<p>받은 알림에서 문서를 다시 열어 주세요. 열람 링크는 한 번, "
                 "5분 동안만 쓸 수 있습니다.<br><span lang=\"en\">Please open the document again "
                 "from the notice in your app: a viewing link works once, for five "
                 "minutes.</span></p>\n");
    html_page_end(&b);
    text = buf_take(&b, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, status, "text/html; charset=utf-8", text, len);
}

/* A purged document: gone for good, and who to ask about it. */
static void purged_page(agency_api *api, http_response *resp)
{
    buf b;
    size_t len;
    char *text;

    buf_init(&b, 1024);
    html_page_begin(&b, "보관 기간이 지나 삭제된 문서입니다", "This document has been deleted", NULL,
                    "body{font-family:sans-serif;max-width:480px;margin:0 auto;padding:12px}"
                    ".en{color:#555}");
    buf_puts(&b, "<p>보관 기간이 지나 문서가 삭제되었습니다. 발송과 열람 기록(증명서)은 "
                 "남아 있습니다.<br><span lang=\"en\">The retention period has passed and the "
                 "document was deleted; the record of its delivery (the certificate) is "
                 "kept.</span></p>\n<p>");
    buf_html(&b, api->cfg->contact);
    buf_puts(&b, "</p>\n");
    html_page_end(&b);
    text = buf_take(&b, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, 410, "text/html; charset=utf-8", text, len); /* headers: ended() */
}

/* The answer to anyone who is not a party to the document: an unknown
 * reference, no token, a forged one, or a genuine one for another notice
 * all get this same page, so that references cannot be probed. */
static void unknown_reference(http_response *resp)
{
    reply_page(resp, 404, "문서를 찾을 수 없습니다", "No such document", "unknown reference");
    add_document_headers(resp);
}

/* The token travels in the URL: keep it out of Referer headers and keep
 * the document from loading anything from elsewhere. */
static void add_document_headers(http_response *resp)
{
    http_add_header(resp, "Referrer-Policy", "no-referrer");
    http_add_header(resp, "X-Content-Type-Options", "nosniff");
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
}

/* ---- documents ---- */

static const uint8_t *pinned_key(void *ctx, const char *platform)
{
    const agency_cfg *c = ((const agency_api *)ctx)->cfg;

    for (size_t i = 0; i < c->nplatforms; i++)
        if (!strcmp(c->platforms[i].name, platform))
            return c->platforms[i].view_pub;
    return NULL;
}

/* Refuses a party to the document: a genuine token for this very notice
 * that cannot open it (expired, reused, wrong recipient). Its refusal goes
 * into the notice's evidence as a ContentHandoverFailure, once a reason. */
static void refuse(agency_api *api, const char *reference, const agency_found *doc,
                   const char *why, http_response *resp)
{
    char at[25];

    clock_rfc3339_ms(at, clock_now_ms());
    if (agency_db_outbox_refusal(api->db, doc->notice, at, why) != 0)
        log_error("cannot queue ContentHandoverFailure for %s", reference);
    api->queued(api->queued_ctx);
    log_warn("GET /documents/%s refused: %s", reference, why);
    reply_page(resp, 403, "문서를 열람할 수 없습니다", "This document cannot be opened", why);
    add_document_headers(resp);
}

/* A document that has ended (purged or withdrawn), shown to a party. */
static void ended(agency_api *api, const char *reference, const agency_found *doc,
                  http_response *resp)
{
    if (doc->purged)
        purged_page(api, resp);
    else
        reply_page(resp, 410, "문서를 열람할 수 없습니다", "This document cannot be opened",
                   "withdrawn by the agency");
    add_document_headers(resp);
    log_info("GET /documents/%s: %s", reference, doc->purged ? "purged" : "cancelled");
}

/* The token is checked before the reference is looked up, whatever the
 * reference: an unknown one and another's cost the same signature check. */
static void serve_document(agency_api *api, const char *reference, const char *token,
                           http_response *resp)
{
    agency_found doc = {0};
    view_token t = {0};
    const char *why = "no view token";
    char at[25];
    int found, used, rc = VIEW_TOKEN_FORGED;

    if (token && *token)
        rc = view_token_verify(token, strlen(token), clock_now_ms(), pinned_key, api, &t, &why);
    found = agency_db_docs_find(api->db, reference, &doc);
    if (found < 0) {
        http_reply_error(resp, 500, "database error");
        return;
    }
    /* The recipient holds a valid token from the platform that has the
     * notice, but the hub's answer naming the notice has not reached this
     * database yet (the hub relays as soon as it commits, before the
     * sender hears back): come back in a moment, rather than a 404 that
     * says the document does not exist. Only the recipient learns this. */
    if (found == 1 && rc == 0 && !doc.notice[0] && !doc.purged && !doc.cancelled &&
        !strcmp(t.rk, doc.rk)) {
        log_info("GET /documents/%s: 503 (document has not been delivered yet)", reference);
        reply_page(resp, 503, "잠시 후 다시 열어 주세요", "Please try again in a moment",
                   "still being delivered");
        http_add_header(resp, "Retry-After", "2");
        add_document_headers(resp);
        free(doc.body);
        return;
    }
    /* Only a genuine token for this notice makes its holder a party. */
    if (found == 0 || rc == VIEW_TOKEN_FORGED || !doc.notice[0] ||
        strcmp(t.notice, doc.notice) != 0) {
        log_info("GET /documents/%s: 404 (%s)", reference,
                 found == 0 ? "unknown reference" : rc == VIEW_TOKEN_FORGED ? why
                 : !doc.notice[0] ? "document has not been delivered yet"
                 : "token is for another notice");
        unknown_reference(resp);
        free(doc.body);
        return;
    }
    /* Ended here whatever else the token says: no handover, no evidence. */
    if (doc.purged || doc.cancelled) {
        ended(api, reference, &doc, resp);
        free(doc.body);
        return;
    }
    if (rc == 0 && strcmp(t.rk, doc.rk) != 0)
        why = "token is for another recipient";
    else if (rc == 0)
        why = NULL;
    if (why) {
        refuse(api, reference, &doc, why, resp);
        free(doc.body);
        return;
    }
    clock_rfc3339_ms(at, clock_now_ms());
    used = agency_db_outbox_handover(api->db, t.nonce, t.exp_ms, reference, doc.notice, at);
    if (used != 0) {
        if (used == 2) { /* ended since the look-up: read again to say how */
            agency_found now = {0};
            int again = agency_db_docs_find(api->db, reference, &now);
            if (again < 0) {
                http_reply_error(resp, 500, "database error");
            } else {
                if (again == 0 || !now.purged)
                    now.cancelled = 1;
                ended(api, reference, &now, resp);
            }
            free(now.body);
        } else if (used > 0) {
            refuse(api, reference, &doc, "token already used", resp);
        } else {
            http_reply_error(resp, 500, "database error");
        }
        free(doc.body);
        return;
    }
    http_reply_body(resp, 200, "text/html; charset=utf-8", doc.body, doc.body_len);
    add_document_headers(resp);
    api->queued(api->queued_ctx);
    log_info("GET /documents/%s: handed over (notice %s, platform %s)", reference,
             doc.notice, t.platform);
}

static void get_document(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    /* The route matched: the rest of the path is the one {reference}. */
    const char *ref = req->path + strlen("/documents/");

    (void)caller;
    if (!field_reference_ok(ref, strlen(ref))) {
        unknown_reference(resp);
        return;
    }
    serve_document(role, ref, http_query(req, "token"), resp);
}

/* ---- POST /v1/notices/{reference}/cancel: the back office ---- */

/* A notice still waiting in the intake (scheduled, or queued), which
 * neither idsvc nor the hub has seen: dropped there, so that it is never
 * sent. 200, 404 when nothing waits under reference, or 409 when what
 * waits cannot be dropped now. */
static int withdraw_waiting(const agency_api *api, const char *reference, agency_cancel_result *r)
{
    int rc = agency_intake_withdraw(api->intake, reference);

    if (rc == 0)
        return 404; /* r->error says so already */
    if (rc < 0) {
        snprintf(r->error, sizeof r->error,
                 "the notice is being sent, or waits in a bulk job: ask again once the hub"
                 " has accepted it");
        return 409;
    }
    memset(r, 0, sizeof *r);
    snprintf(r->status, sizeof r->status, "withdrawn");
    snprintf(r->state, sizeof r->state, "cancelled");
    log_info("cancelled %s before it was sent: dropped, never sent", reference);
    return 200;
}

/* The back office names a notice it posted over the API by its own
 * reference, which the agency keeps in api_refs; one from `agency send`
 * by the agency's reference itself; one not yet sent as it waits. */
int agency_api_cancel(agency_api *api, http_client *hub, const char *reference,
                      const char *reason, agency_cancel_result *r)
{
    char mapped[1][FIELD_REFERENCE_MAX + 1];
    int status = 404;

    if (agency_db_api_refs_of(api->db, &reference, 1, mapped) != 0) {
        snprintf(r->error, sizeof r->error, "database error: try again");
        return 503;
    }
    if (mapped[0][0])
        status = agency_cancel(api->db, hub, mapped[0], reason, r);
    if (status == 404)
        status = agency_cancel(api->db, hub, reference, reason, r);
    return status == 404 ? withdraw_waiting(api, reference, r) : status;
}

/* The reason of a cancel's body, or NULL after answering 400. */
static const char *cancel_reason(const http_request *req, json_t **body, http_response *resp)
{
    const char *reason;

    *body = json_load_body(req->body ? req->body : "", req->body_len, NULL);
    reason = json_string_value(json_object_get(*body, "reason"));
    /* The live path's rule (agency_cancel): a test key must not pass what
     * production refuses, nor keep an RRN in test.db. */
    if (!reason || !*reason || !field_reason_ok(reason, strlen(reason))) {
        agency_problem(resp, 400, "reason", 0, "%s",
                       reason ? FIELD_RULE_REASON_GIVEN : "the body must be {\"reason\": \"TEXT\"}");
        return NULL;
    }
    return reason;
}

/* A cancel's 200: the notice is null for one withdrawn before it was
 * sent, which has none. */
static json_t *cancel_answer(const char *reference, const agency_cancel_result *r)
{
    return json_pack("{sssossss}", "reference", reference, "notice",
                     r->notice[0] ? json_string(r->notice) : json_null(), "status", r->status,
                     "state", r->state);
}

/* A test key's cancel: the simulated outcome stops, and nothing goes
 * to the hub. */
static void post_cancel_test(const agency_api *api, const http_request *req,
                             http_response *resp)
{
    char reference[FIELD_REFERENCE_MAX + 1];
    const char *ref = req->path + strlen("/v1/notices/"), *reason;
    size_t n = strcspn(ref, "/");
    json_t *body, *out;
    int found;

    if (!n || n > FIELD_REFERENCE_MAX || !field_reference_ok(ref, n)) {
        agency_problem(resp, 404, NULL, 0, "no such notice");
        return;
    }
    memcpy(reference, ref, n);
    reference[n] = '\0';
    if ((reason = cancel_reason(req, &body, resp)) != NULL) {
        agency_cancel_result r = {.error = "no such notice"};
        found = agency_db_test_cancel(api->db, reference, reason, clock_now_ms(), &out);
        if (found == 0)
            found = withdraw_waiting(api, reference, &r);
        if (found == 1)
            http_reply_json(resp, 200, out);
        else if (found == 200)
            http_reply_json(resp, 200, cancel_answer(reference, &r));
        else if (found == 404 || found == 409)
            agency_problem(resp, found, NULL, 0, "%s", r.error);
        else
            agency_problem(resp, 503, NULL, 0, "database error");
    }
    json_decref(body);
}

static void answer_cancel(void *ctx, int status, const agency_cancel_result *r,
                          http_response *resp)
{
    char *reference = ctx;

    if (status == 200)
        http_reply_json(resp, 200, cancel_answer(reference, r));
    else
        agency_problem(resp, status, status == 400 ? "reason" : NULL, 0, "%s", r->error);
    free(reference);
}

static void post_cancel(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    agency_api *api = role;
    const char *ref = req->path + strlen("/v1/notices/"), *slash = strchr(ref, '/');
    char *reference;
    json_t *body;

    (void)caller;
    if (api->test) {
        post_cancel_test(api, req, resp);
        return;
    }
    if (!slash || (size_t)(slash - ref) > FIELD_REFERENCE_MAX ||
        !field_reference_ok(ref, (size_t)(slash - ref))) {
        agency_problem(resp, 404, NULL, 0, "no such notice");
        return;
    }
    body = json_load_body(req->body ? req->body : "", req->body_len, NULL);
    if (!json_is_object(body) || !json_is_string(json_object_get(body, "reason"))) {
        json_decref(body);
        agency_problem(resp, 400, "reason", 0, "the body must be {\"reason\": \"TEXT\"}");
        return;
    }
    if (!(reference = strndup(ref, (size_t)(slash - ref)))) {
        json_decref(body);
        agency_problem(resp, 503, NULL, 0, "out of memory");
        return;
    }
    agency_api_cancel_later(api, req, reference, json_string_value(json_object_get(body, "reason")),
                            answer_cancel, reference, resp);
    json_decref(body);
}

static void get_health(void *role, const void *caller, const http_request *req,
                       http_response *resp)
{
    (void)role, (void)caller;
    http_answer_health(req, resp);
}

/* Who may read it is agency.ini's [agency] metrics. */
static void get_metrics(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    agency_api *a = role;
    buf b;
    (void)caller;

    if (!metrics_access_allow(&a->metrics, req, resp))
        return;
    buf_init(&b, 16384);
    agency_metrics_render(a, &b);
    http_metrics_render(a->requests, &b);
    metrics_reply(resp, &b);
}

/* docs/agency-api.yaml, as JSON bytes built into the binary
 * (scripts/openapi_json.py). */
extern const unsigned char agency_openapi_json[];
extern const size_t agency_openapi_json_len;

static void get_openapi(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    char *copy = malloc(agency_openapi_json_len);

    (void)role, (void)caller, (void)req;
    if (!copy) {
        agency_problem(resp, 503, NULL, 0, "out of memory");
        return;
    }
    memcpy(copy, agency_openapi_json, agency_openapi_json_len);
    http_reply_body(resp, 200, "application/json", copy, agency_openapi_json_len);
}

/* Callers of the back-office routes: a key from `agency key add`. */
#define FOR_BACK_OFFICE 1u

/* The document and health routes are for anyone: browsers send no key.
 * A GET has no body (max_body 0); the server's own cap bounds what a
 * client sends anyway. The back-office routes need a key, checked by the
 * gate before any body is read. */
static const http_route routes[] = {
    {"GET", "/documents/{reference}", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_document, NULL},
    {"POST", "/v1/notices/{reference}/cancel", FOR_BACK_OFFICE, 4096, post_cancel, HTTP_JSON},
    {"GET", "/v1/health", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_health, NULL},
    {"GET", "/metrics", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_metrics, NULL},
    {"GET", "/openapi.json", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_openapi, NULL},
    {"POST", "/v1/notices", FOR_BACK_OFFICE, API_NOTICE_MAX_BODY,
     agency_api_post_notice, HTTP_JSON},
    {"POST", "/v1/notices/bulk", FOR_BACK_OFFICE, API_BULK_MAX_BODY, agency_api_post_bulk,
     HTTP_JSON " " HTTP_CSV},
    {"GET", "/v1/notices/{reference}", FOR_BACK_OFFICE, HTTP_ROUTE_READ_BODY,
     agency_api_get_notice, NULL},
    {"GET", "/v1/notices/{reference}/certificate", FOR_BACK_OFFICE, HTTP_ROUTE_READ_BODY,
     agency_api_get_certificate, NULL},
    {"GET", "/v1/jobs/{id}", FOR_BACK_OFFICE, HTTP_ROUTE_READ_BODY, agency_api_get_job, NULL},
    {"GET", "/v1/templates", FOR_BACK_OFFICE, HTTP_ROUTE_READ_BODY, agency_api_list_templates,
     NULL},
    {"GET", "/v1/templates/{id}", FOR_BACK_OFFICE, HTTP_ROUTE_READ_BODY, agency_api_get_template,
     NULL},
    {"PUT", "/v1/templates/{id}", FOR_BACK_OFFICE, TEMPLATE_MAX_BYTES, agency_api_put_template,
     HTTP_HTML},
    {"POST", "/v1/templates/{id}/preview", FOR_BACK_OFFICE, API_NOTICE_MAX_BODY,
     agency_api_preview_template, HTTP_JSON},
    /* The staff's console (agency_console.h): its own sign-in, no key. */
    {"GET", "/console", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_home, NULL},
    {"GET", "/console/signin", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_signin_page,
     NULL},
    {"POST", "/console/signin", HTTP_ANYONE, CONSOLE_FORM_MAX, agency_console_signin, HTTP_FORM},
    {"POST", "/console/signout", HTTP_ANYONE, CONSOLE_FORM_MAX, agency_console_signout,
     HTTP_FORM},
    {"GET", "/console/notices", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_search, NULL},
    {"GET", "/console/notices/{reference}", HTTP_ANYONE, HTTP_ROUTE_READ_BODY,
     agency_console_notice, NULL},
    {"GET", "/console/notices/{reference}/certificate", HTTP_ANYONE, HTTP_ROUTE_READ_BODY,
     agency_console_certificate, NULL},
    {"POST", "/console/notices/{reference}/cancel", HTTP_ANYONE, CONSOLE_FORM_MAX,
     agency_console_cancel, HTTP_FORM},
    {"GET", "/console/send", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_send_page, NULL},
    {"POST", "/console/send/preview", HTTP_ANYONE, CONSOLE_UPLOAD_MAX, agency_console_preview,
     HTTP_MULTIPART},
    {"POST", "/console/send", HTTP_ANYONE, CONSOLE_FORM_MAX, agency_console_send, HTTP_FORM},
    {"GET", "/console/jobs/{id}", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_job, NULL},
    {"GET", "/console/letters", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_letters, NULL},
    {"GET", "/console/letters/{batch}", HTTP_ANYONE, HTTP_ROUTE_READ_BODY,
     agency_console_letters_file, NULL},
    {"GET", "/console/templates", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, agency_console_templates,
     NULL},
    {"GET", "/console/templates/{id}", HTTP_ANYONE, HTTP_ROUTE_READ_BODY,
     agency_console_template, NULL},
};
#define NROUTES (sizeof routes / sizeof routes[0])

int agency_api_gate(void *ctx, const http_request *req, size_t *max_body)
{
    const agency_api *api = ctx;
    int status = http_route_gate(routes, NROUTES, api->keys, req, max_body);

    /* The console's upload: the handler asks for a session after the
     * body is in, so the size comes down here for anyone without one. */
    if (status == 0 && *max_body > CONSOLE_FORM_MAX && !strncmp(req->path, "/console/", 9) &&
        !agency_console_may_upload(api->console, req))
        *max_body = CONSOLE_FORM_MAX;
    return status;
}

/* The back-office routes answer problems (agency_problem.h); the
 * document pages keep theirs. */
static void route_problem(const http_request *req, http_response *resp)
{
    int status = resp->status;
    char allow[128] = "";

    if (strncmp(req->path, "/v1/", 4) != 0 || !strcmp(req->path, "/v1/health"))
        return;
    for (int i = 0; i < resp->nheaders; i++)
        if (!strcmp(resp->headers[i][0], "Allow"))
            snprintf(allow, sizeof allow, "%s", resp->headers[i][1]);
    if (status == 405)
        agency_problem(resp, 405, NULL, 0, "use %s", allow);
    else
        agency_problem(resp, status, NULL, 0, "no such route");
}

void agency_api_routes_print(FILE *out)
{
    for (size_t i = 0; i < NROUTES; i++)
        fprintf(out, "%s %s\n", routes[i].method, routes[i].path);
}

/* An error some shared code answered as {"error":"..."} (the metrics
 * key's 401, a 405), rewritten as a problem: every error but the
 * citizen's HTML pages has the one shape. */
static void as_problem(http_response *resp)
{
    json_t *o;
    char allow[128] = "";

    if (resp->status < 400 || !resp->content_type ||
        strcmp(resp->content_type, "application/json") != 0)
        return;
    o = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, NULL);
    for (int i = 0; i < resp->nheaders; i++)
        if (!strcmp(resp->headers[i][0], "Allow"))
            snprintf(allow, sizeof allow, "%s", resp->headers[i][1]);
    const char *msg = json_string_value(json_object_get(o, "error"));
    char detail[512];
    snprintf(detail, sizeof detail, "%s", msg ? msg : "request refused");
    json_decref(o);
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    if (resp->status == 405 && allow[0])
        agency_problem(resp, 405, NULL, 0, "use %s", allow);
    else
        agency_problem(resp, resp->status, NULL, 0, "%s", detail);
}

http_metrics *agency_api_metrics_new(void)
{
    return http_metrics_new(routes, sizeof routes / sizeof routes[0]);
}

void agency_api_handle(void *ctx, const http_request *req, http_response *resp)
{
    agency_api *api = ctx;
    const http_route *r = http_route_answer(routes, NROUTES, req, resp);
    const apikey_entry *caller = NULL;

    if (!r) {
        route_problem(req, resp);
        as_problem(resp);
        return;
    }
    if (r->callers != HTTP_ANYONE &&
        !(caller = apikeys_check(api->keys, http_header(req, "Authorization")))) {
        agency_problem(resp, 401, NULL, 0, "missing or unknown API key");
        http_add_header(resp, "WWW-Authenticate", "Bearer");
        return;
    }
    /* A test key's call sees test.db only, and a live key's never does. */
    if (caller && (size_t)(caller - api->keys->entries) >= api->nlive)
        ctx = (void *)api->test_api;
    r->handler(ctx, caller, req, resp);
    as_problem(resp);
}
