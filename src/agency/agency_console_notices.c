/* agency_console_notices.c -- the console's notice search: a notice by
 * either reference, with its state, its timeline and the reasons given,
 * the hub's evidence, the certificate to download (JSON or PDF, as the
 * back-office API gives it), and a form to cancel it (senders and
 * admins); or a bulk job's progress, refused rows and notices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "agency_cancel.h"
#include "agency_console.h"
#include "field.h"
#include "form.h"
#include "html_page.h"
#include "http_client.h"
#include "log.h"

#define JOB_NOTICES_SHOWN 500
#define JOB_ERRORS_SHOWN 1000

static void search_form(buf *b, const char *q, const char *job)
{
    buf_puts(b, "<form method=\"get\" action=\"/console/notices\" role=\"search\">"
                "<label for=\"q\">");
    agency_console_bi(b, "참조번호", "Reference");
    buf_puts(b, "</label><input type=\"search\" id=\"q\" name=\"q\" value=\"");
    buf_html(b, q ? q : "");
    buf_puts(b, "\"><label for=\"job\">");
    agency_console_bi(b, "또는 작업 ID", "or job id");
    buf_puts(b, "</label><input type=\"search\" id=\"job\" name=\"job\" value=\"");
    buf_html(b, job ? job : "");
    buf_puts(b, "\"><br><button class=\"main\" type=\"submit\">");
    agency_console_bi(b, "찾기", "Search");
    buf_puts(b, "</button></form>\n");
}

static void url_part(buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.')
            buf_printf(b, "%c", ch);
        else
            buf_printf(b, "%%%02X", ch);
    }
}

static void put_job_notice(void *ctx, const char *ref, const char *state)
{
    buf *b = ctx;

    buf_puts(b, "<tr><td><a href=\"/console/notices/");
    url_part(b, ref);
    buf_puts(b, "\">");
    buf_html(b, ref);
    buf_puts(b, "</a></td><td>");
    buf_html(b, state);
    buf_puts(b, "</td></tr>");
}

/* The first JOB_ERRORS_SHOWN of the job's refused rows (the database
 * reads no more); failed says how many there are in all. */
static void job_errors(buf *b, json_t *errors, long long failed)
{
    json_t *e;
    size_t i;

    if (!json_array_size(errors))
        return;
    buf_puts(b, "<h3>");
    agency_console_bi(b, "거부된 줄", "Refused rows");
    buf_puts(b, "</h3>");
    if (failed > (long long)json_array_size(errors))
        buf_printf(b, "<p>전체 %lld줄 중 처음 %zu줄 <span class=\"en\" lang=\"en\">the first %zu"
                      " of %lld</span></p>",
                   failed, json_array_size(errors), json_array_size(errors), failed);
    buf_puts(b, "<div class=\"scroll\" " SCROLL_REGION("Refused rows") "><table><thead><tr>"
                "<th scope=\"col\">");
    agency_console_bi(b, "줄", "Row");
    buf_puts(b, "</th><th scope=\"col\">");
    agency_console_bi(b, "항목", "Field");
    buf_puts(b, "</th><th scope=\"col\">");
    agency_console_bi(b, "이유", "Reason");
    buf_puts(b, "</th></tr></thead><tbody>");
    json_array_foreach(errors, i, e) {
        if (i >= JOB_ERRORS_SHOWN)
            break;
        buf_printf(b, "<tr><td>%lld</td><td>",
                   (long long)json_integer_value(json_object_get(e, "row")));
        buf_html(b, json_string_value(json_object_get(e, "field")) ?: "");
        buf_puts(b, "</td><td>");
        buf_html(b, json_string_value(json_object_get(e, "detail")) ?: "");
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>\n");
}

/* A job's figures, refused rows and notices. */
void agency_console_job_section(agency_console *c, buf *b, const char *job)
{
    json_t *o = NULL;
    int found = agency_db_api_job_get(c->db, job, JOB_ERRORS_SHOWN, &o);

    if (found != 1) {
        buf_puts(b, "<p class=\"err\">");
        if (found < 0) /* ours, not the job's */
            agency_console_bi(b, "일시적인 오류로 작업을 읽지 못했습니다. 잠시 후 다시 보세요.",
                              "The job could not be read just now: try again in a moment.");
        else
            agency_console_bi(b, "그런 작업이 없습니다.", "No such job.");
        buf_puts(b, "</p>\n");
        json_decref(o);
        return;
    }
    buf_puts(b, "<h2>");
    agency_console_bi(b, "작업", "Job");
    buf_puts(b, " ");
    buf_html(b, job);
    buf_printf(b, "</h2><p>%s: <strong>", "상태 <span class=\"en\" lang=\"en\">state</span>");
    buf_html(b, json_string_value(json_object_get(o, "state")) ?: "");
    buf_printf(b, "</strong>. <progress max=\"%lld\" value=\"%lld\" aria-label=\"progress\">"
                  "</progress> %lld / %lld; accepted %lld, existing %lld, refused %lld</p>\n",
               (long long)json_integer_value(json_object_get(o, "total")),
               (long long)json_integer_value(json_object_get(o, "processed")),
               (long long)json_integer_value(json_object_get(o, "processed")),
               (long long)json_integer_value(json_object_get(o, "total")),
               (long long)json_integer_value(json_object_get(o, "accepted")),
               (long long)json_integer_value(json_object_get(o, "existing")),
               (long long)json_integer_value(json_object_get(o, "failed")));
    job_errors(b, json_object_get(o, "errors"),
               (long long)json_integer_value(json_object_get(o, "failed")));
    buf_puts(b, "<h3>");
    agency_console_bi(b, "알림", "Notices");
    buf_puts(b, "</h3><div class=\"scroll\" " SCROLL_REGION("Notices") "><table><thead><tr>"
                "<th scope=\"col\">");
    agency_console_bi(b, "참조번호", "Reference");
    buf_puts(b, "</th><th scope=\"col\">");
    agency_console_bi(b, "상태", "State");
    buf_puts(b, "</th></tr></thead><tbody>");
    agency_db_console_job_notices(c->db, job, JOB_NOTICES_SHOWN, put_job_notice, b);
    buf_puts(b, "</tbody></table></div>\n");
    json_decref(o);
}

void agency_console_search(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    const char *q = http_query(req, "q"), *job = http_query(req, "job");
    console_user u;
    buf b;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    /* An RRN typed into a box must go no further: not into the path of a
     * redirect, not back into the page (the query itself, a GET form's,
     * is the browser's). The rule is the hub's for references: a valid
     * RRN standing alone, which no reference it took holds. */
    int rrn = q && field_id_has_rrn(q, strlen(q));
    if (job && field_id_has_rrn(job, strlen(job)))
        job = NULL; /* job ids are the agency's own: hex, never one */
    if (q && *q && !rrn && field_reference_ok(q, strlen(q))) {
        buf_init(&b, 256);
        buf_puts(&b, "/console/notices/");
        url_part(&b, q);
        char *loc = buf_take(&b, NULL);
        console_web_redirect(resp, loc ? loc : "/console/notices");
        free(loc);
        return;
    }
    buf_init(&b, 16384);
    agency_console_begin(c, req, &b, &u, "알림 찾기", "Find a notice");
    search_form(&b, rrn ? NULL : q, job);
    if (q && *q) {
        buf_puts(&b, "<p class=\"err\">");
        if (rrn)
            agency_console_bi(&b, "주민등록번호가 아니라 참조번호로 찾으세요.",
                              "Search by the reference, not by a resident registration number.");
        else
            agency_console_bi(&b, "참조번호 형식이 아닙니다.", "That is not a reference.");
        buf_puts(&b, "</p>");
    }
    if (job && *job)
        agency_console_job_section(c, &b, job);
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}

/* The {reference} of a /console/notices/{reference}[/...] path. */
static int path_ref(const http_request *req, char out[FIELD_REFERENCE_MAX + 1])
{
    const char *p = req->path + strlen("/console/notices/");
    size_t n = strcspn(p, "/");

    if (n == 0 || n > FIELD_REFERENCE_MAX || !field_reference_ok(p, n))
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static void row(buf *b, const char *ko, const char *en, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (!v)
        return;
    buf_puts(b, "<tr><th scope=\"row\">");
    agency_console_bi(b, ko, en);
    buf_puts(b, "</th><td>");
    if (json_is_integer(v))
        buf_printf(b, "%lld", (long long)json_integer_value(v));
    else
        buf_html(b, json_string_value(v) ?: "");
    buf_puts(b, "</td></tr>");
}

static void timeline(buf *b, json_t *o)
{
    json_t *tl = json_object_get(o, "timeline"), *ev = json_object_get(o, "evidence"), *e;
    size_t i;

    buf_puts(b, "<h2>");
    agency_console_bi(b, "경과", "Timeline");
    buf_puts(b, "</h2><ol>");
    json_array_foreach(tl, i, e) {
        buf_puts(b, "<li>");
        buf_html(b, json_string_value(json_object_get(e, "at")) ?: "");
        buf_puts(b, " — <strong>");
        buf_html(b, json_string_value(json_object_get(e, "state")) ?: "");
        buf_puts(b, "</strong>");
        if (json_string_value(json_object_get(e, "reason"))) {
            buf_puts(b, ": ");
            buf_html(b, json_string_value(json_object_get(e, "reason")));
        }
        buf_puts(b, "</li>");
    }
    json_array_foreach(ev, i, e) {
        buf_puts(b, "<li>");
        buf_html(b, json_string_value(json_object_get(e, "at")) ?: "");
        buf_puts(b, " — ");
        buf_html(b, json_string_value(json_object_get(e, "event")) ?: "");
        buf_puts(b, " (");
        buf_html(b, json_string_value(json_object_get(e, "actor")) ?: "");
        buf_puts(b, ")");
        if (json_string_value(json_object_get(e, "reason"))) {
            buf_puts(b, ": ");
            buf_html(b, json_string_value(json_object_get(e, "reason")));
        }
        buf_puts(b, "</li>");
    }
    buf_puts(b, "</ol>\n");
}

static void actions(agency_console *c, const http_request *req, buf *b, const console_user *u,
                    const char *ref, json_t *o)
{
    if (json_object_get(o, "notice")) {
        buf_puts(b, "<h2>");
        agency_console_bi(b, "배달 증명서", "Certificate of delivery");
        buf_puts(b, "</h2><ul><li><a href=\"/console/notices/");
        url_part(b, ref);
        buf_puts(b, "/certificate?format=pdf\">PDF</a></li><li><a href=\"/console/notices/");
        url_part(b, ref);
        buf_puts(b, "/certificate?format=json\">JSON</a></li></ul>\n");
    }
    if (u->role < CONSOLE_SENDER || json_object_get(o, "cancelled_at"))
        return;
    buf_puts(b, "<h2>");
    agency_console_bi(b, "발송 취소", "Cancel the notice");
    buf_puts(b, "</h2><form method=\"post\" action=\"/console/notices/");
    url_part(b, ref);
    buf_puts(b, "/cancel\">");
    agency_console_token_field(c, req, b);
    buf_puts(b, "<label for=\"reason\">");
    agency_console_bi(b, "취소 사유", "Reason");
    buf_puts(b, "</label><input type=\"text\" id=\"reason\" name=\"reason\" required "
                "maxlength=\"200\"><br><button class=\"main\" type=\"submit\">");
    agency_console_bi(b, "취소하기", "Cancel it");
    buf_puts(b, "</button></form>\n");
}

static void notice_page(agency_console *c, const http_request *req, http_response *resp,
                        const console_user *u, const char *ref, const char *msg)
{
    json_t *o = NULL;
    int found = agency_db_console_notice(c->db, ref, &o);
    buf b;

    if (found != 1) {
        console_web_error(resp, found < 0 ? 500 : 404,
                          found < 0 ? "데이터베이스 오류입니다." : "그런 알림이 없습니다.",
                          found < 0 ? "Database error." : "No such notice.", "/console/notices");
        return;
    }
    agency_api_add_evidence(c->api, o);
    buf_init(&b, 16384);
    agency_console_begin(c, req, &b, u, "알림", "Notice");
    if (msg) {
        buf_puts(&b, "<p class=\"ok\" role=\"status\">");
        buf_html(&b, msg);
        buf_puts(&b, "</p>");
    }
    buf_puts(&b, "<table><tbody>");
    row(&b, "참조번호", "Reference", o, "reference");
    row(&b, "업무 참조", "Back-office reference", o, "caller_ref");
    row(&b, "작업", "Job", o, "job");
    row(&b, "상태", "State", o, "state");
    row(&b, "제목", "Title", o, "title");
    row(&b, "기한", "Deadline", o, "deadline");
    row(&b, "중계자", "Platform", o, "platform");
    row(&b, "알림 ID", "Notice id", o, "notice");
    row(&b, "취소 시각", "Cancelled at", o, "cancelled_at");
    row(&b, "취소 사유", "Cancel reason", o, "cancel_reason");
    buf_puts(&b, "</tbody></table>\n");
    timeline(&b, o);
    actions(c, req, &b, u, ref, o);
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
    json_decref(o);
}

void agency_console_notice(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    char ref[FIELD_REFERENCE_MAX + 1];
    console_user u;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    if (path_ref(req, ref) != 0) {
        console_web_error(resp, 404, "그런 알림이 없습니다.", "No such notice.",
                          "/console/notices");
        return;
    }
    notice_page(c, req, resp, &u, ref, NULL);
}

void agency_console_certificate(void *role, const void *caller, const http_request *req,
                                http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    const char *format = http_query(req, "format");
    char ref[FIELD_REFERENCE_MAX + 1], disp[FIELD_REFERENCE_MAX + 80];
    int pdf = format && !strcmp(format, "pdf");
    const char *notice;
    console_user u;
    http_client *hub;
    json_t *o = NULL;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    int found = path_ref(req, ref) == 0 ? agency_db_console_notice(c->db, ref, &o) : 0;
    if (found < 0) {
        json_decref(o);
        console_web_error(resp, 503, "일시적인 오류입니다. 잠시 후 다시 시도하세요.",
                          "The notice could not be read just now: try again in a moment.",
                          "/console/notices");
        http_add_header(resp, "Retry-After", "5");
        return;
    }
    if (found != 1 || !(notice = json_string_value(json_object_get(o, "notice")))) {
        json_decref(o);
        console_web_error(resp, 404, "증명서가 아직 없습니다.",
                          "No certificate: the hub has not accepted this notice.",
                          "/console/notices");
        return;
    }
    if (!(hub = http_client_new(c->cfg->hub_url, c->cfg->hub_key))) {
        json_decref(o);
        console_web_error(resp, 500, "메모리 부족", "Out of memory.", "/console");
        return;
    }
    agency_api_proxy_certificate(hub, notice, pdf, resp);
    http_client_free(hub);
    snprintf(disp, sizeof disp, "attachment; filename=\"certificate-%s.%s\"", ref,
             pdf ? "pdf" : "json");
    if (resp->status == 200)
        http_add_header(resp, "Content-Disposition", disp);
    console_web_headers(resp);
    log_info("agency console: %s downloaded the certificate of %s (%s)", u.name, ref,
             pdf ? "pdf" : "json");
    json_decref(o);
}

void agency_console_cancel(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    char ref[FIELD_REFERENCE_MAX + 1], msg[200];
    agency_cancel_result r = {0};
    console_user u;
    http_client *hub;
    form f = {0};
    int status;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_SENDER, &u) ||
        !console_web_post(&c->web, req, resp, &f, 1)) {
        form_free(&f);
        return;
    }
    if (path_ref(req, ref) != 0) {
        console_web_error(resp, 404, "그런 알림이 없습니다.", "No such notice.",
                          "/console/notices");
    } else if (!(hub = http_client_new(c->cfg->hub_url, c->cfg->hub_key))) {
        console_web_error(resp, 500, "메모리 부족", "Out of memory.", "/console");
    } else {
        status = agency_api_cancel(c->api, hub, ref, form_get(&f, "reason") ?: "", &r);
        http_client_free(hub);
        log_info("agency console: %s cancelled %s: %d %s", u.name, ref, status,
                 status == 200 ? r.status : r.error);
        if (status == 200) {
            snprintf(msg, sizeof msg, "취소되었습니다 / Cancelled: %s (%s)", r.status, r.state);
            notice_page(c, req, resp, &u, ref, msg);
        } else {
            console_web_error(resp, status, "취소할 수 없습니다.", r.error, "/console/notices");
        }
    }
    form_free(&f);
}
