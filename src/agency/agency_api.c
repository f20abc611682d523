/* agency_api.c -- see agency_api.h.
 *
 * The document never leaves the institution until the citizen asks for it
 * with a view token that a pinned platform signed for exactly this notice
 * and recipient; each token opens it once. */
#include "agency_api.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "field.h"
#include "html_page.h"
#include "http_route.h"
#include "log.h"
#include "view_token.h"

/* ---- pages ---- */

static const char *reason_ko(const char *why)
{
    static const struct { const char *en, *ko; } t[] = {
        {"no view token", "열람 권한 정보가 없습니다"},
        {"token has expired", "열람 가능 시간이 지났습니다"},
        {"token already used", "이미 사용된 열람 링크입니다"},
        {"token is for another notice", "다른 문서의 열람 권한입니다"},
        {"token is for another recipient", "다른 수신자의 열람 권한입니다"},
        {"token issued by an unknown platform", "인정되지 않은 중계자가 발급한 열람 권한입니다"},
        {"token signature is not valid", "열람 권한의 서명이 올바르지 않습니다"},
        {"document has not been delivered yet", "아직 발송되지 않은 문서입니다"},
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

static void unknown_reference(http_response *resp)
{
    reply_page(resp, 404, "문서를 찾을 수 없습니다", "No such document", "unknown reference");
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

/* Refuses the request. A ContentHandoverFailure goes into the notice's
 * evidence only when report is set: for a genuine token issued for this
 * very notice (expired, reused, wrong recipient). Anyone can send garbage
 * or someone else's token to a document URL; that must not write into a
 * stranger's evidence. */
static void refuse(agency_api *api, const char *reference, const agency_found *doc, int report,
                   const char *why, http_response *resp)
{
    char at[25];

    if (report && doc && doc->notice[0]) {
        clock_rfc3339_ms(at, clock_now_ms());
        int rc = agency_db_outbox_queue(api->db, doc->notice, "ContentHandoverFailure", at, why);
        if (rc != 0)
            log_error("cannot queue ContentHandoverFailure for %s", reference);
        api->queued(api->queued_ctx);
    }
    log_warn("GET /documents/%s refused: %s", reference, why);
    reply_page(resp, 403, "문서를 열람할 수 없습니다", "This document cannot be opened", why);
    add_document_headers(resp);
}

/* NULL when the token may open doc, else why not. */
static const char *check_binding(const view_token *t, const agency_found *doc)
{
    if (!doc->notice[0])
        return "document has not been delivered yet";
    if (strcmp(t->notice, doc->notice) != 0)
        return "token is for another notice";
    if (strcmp(t->rk, doc->rk) != 0)
        return "token is for another recipient";
    return NULL;
}

static void serve_document(agency_api *api, const char *reference, const char *token,
                           http_response *resp)
{
    agency_found doc = {0};
    view_token t;
    const char *why = NULL;
    char at[25];
    int found, used;

    found = agency_db_docs_find(api->db, reference, &doc);
    if (found < 0) {
        http_reply_error(resp, 500, "database error");
        return;
    }
    if (found == 0) {
        unknown_reference(resp);
        return;
    }
    int rc = VIEW_TOKEN_FORGED, genuine_for_doc;
    if (!token || !*token)
        why = "no view token";
    else if ((rc = view_token_verify(token, strlen(token), clock_now_ms(), pinned_key, api,
                                     &t, &why)) == 0)
        why = check_binding(&t, &doc);
    genuine_for_doc = rc != VIEW_TOKEN_FORGED && doc.notice[0] && !strcmp(t.notice, doc.notice);
    if (why) {
        refuse(api, reference, &doc, genuine_for_doc, why, resp);
        free(doc.body);
        return;
    }
    clock_rfc3339_ms(at, clock_now_ms());
    used = agency_db_outbox_handover(api->db, t.nonce, t.exp_ms, reference, doc.notice, at);
    if (used != 0) {
        if (used > 0)
            refuse(api, reference, &doc, 1, "token already used", resp);
        else
            http_reply_error(resp, 500, "database error");
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

static void get_health(void *role, const void *caller, const http_request *req,
                       http_response *resp)
{
    (void)role, (void)caller;
    http_answer_health(req, resp);
}

/* Browsers send no API key: every route is for anyone. A GET has no
 * body (max_body 0); the server's own cap bounds what a client sends
 * anyway, and no gate runs before the handler, so that a wrong method
 * keeps its "use GET" answer with Allow. */
static const http_route routes[] = {
    {"GET", "/documents/{reference}", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_document, NULL},
    {"GET", "/v1/health", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_health, NULL},
};

void agency_api_handle(void *ctx, const http_request *req, http_response *resp)
{
    const http_route *r = http_route_answer(routes, sizeof routes / sizeof routes[0], req,
                                            resp);

    if (r)
        r->handler(ctx, NULL, req, resp);
}
