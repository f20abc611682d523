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
    agency_console_bi(b, "취소 사유 (200바이트 이하: 한글 약 66자)",
                      "Reason (up to 200 bytes: about 66 Korean characters)");
    buf_puts(b, "</label><input type=\"text\" id=\"reason\" name=\"reason\" required "
                "maxlength=\"200\"><br><button class=\"main\" type=\"submit\">");
    agency_console_bi(b, "취소하기", "Cancel it");
    buf_puts(b, "</button></form>\n");
}

/* A notice's page, in two parts made on the server thread (what needs
 * the request: the signed-in user's header, the form's token) and the
 * timeline between them once the hub's evidence came. */
typedef struct notice_parts {
    buf head, actions;
} notice_parts;

static void finish_notice_page(void *ctx, json_t *o, http_response *resp)
{
    notice_parts *p = ctx;

    timeline(&p->head, o);
    buf_append(&p->head, p->actions.data, p->actions.len);
    html_page_end(&p->head);
    console_web_reply(resp, 200, &p->head);
    buf_free(&p->actions);
    free(p);
    json_decref(o);
}

static void notice_page(agency_console *c, const http_request *req, http_response *resp,
                        const console_user *u, const char *ref, const char *msg)
{
    json_t *o = NULL;
    int found = agency_db_console_notice(c->db, ref, &o);
    notice_parts *p;

    if (found == 1 && !(p = calloc(1, sizeof *p)))
        found = -1;
    if (found != 1) {
        json_decref(o);
        console_web_error(resp, found < 0 ? 500 : 404,
                          found < 0 ? "데이터베이스 오류입니다." : "그런 알림이 없습니다.",
                          found < 0 ? "Database error." : "No such notice.", "/console/notices");
        return;
    }
    buf_init(&p->head, 16384);
    buf_init(&p->actions, 2048);
    agency_console_begin(c, req, &p->head, u, "알림", "Notice");
    if (msg) {
        buf_puts(&p->head, "<p class=\"ok\" role=\"status\">");
        buf_html(&p->head, msg);
        buf_puts(&p->head, "</p>");
    }
    buf_puts(&p->head, "<table><tbody>");
    row(&p->head, "참조번호", "Reference", o, "reference");
    row(&p->head, "업무 참조", "Back-office reference", o, "caller_ref");
    row(&p->head, "작업", "Job", o, "job");
    row(&p->head, "상태", "State", o, "state");
    row(&p->head, "제목", "Title", o, "title");
    row(&p->head, "기한", "Deadline", o, "deadline");
    row(&p->head, "중계자", "Platform", o, "platform");
    row(&p->head, "알림 ID", "Notice id", o, "notice");
    row(&p->head, "취소 시각", "Cancelled at", o, "cancelled_at");
    row(&p->head, "취소 사유", "Cancel reason", o, "cancel_reason");
    buf_puts(&p->head, "</tbody></table>\n");
    actions(c, req, &p->actions, u, ref, o);
    agency_api_with_evidence(c->api, req, o, finish_notice_page, p, resp);
}

/* After a cancel (cancel_done's redirect): what the hub said, when it is
 * one of its words; the query is anyone's to write. */
static const char *cancelled_message(const http_request *req)
{
    static const char *const said[][2] = {
        {"cancelled", "취소되었습니다 / Cancelled: cancelled"},
        {"recorded", "취소되었습니다 / Cancelled: recorded (it was read or posted already)"},
        {"duplicate", "취소되었습니다 / Cancelled: duplicate (cancelled before)"},
        {"withdrawn", "취소되었습니다 / Cancelled: withdrawn before it was sent"},
    };
    const char *status = http_query(req, "cancelled");

    for (size_t i = 0; status && i < sizeof said / sizeof said[0]; i++)
        if (!strcmp(status, said[i][0]))
            return said[i][1];
    return NULL;
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
    notice_page(c, req, resp, &u, ref, cancelled_message(req));
}

typedef struct certificate_download {
    char ref[FIELD_REFERENCE_MAX + 1];
    char user[CONSOLE_NAME_MAX + 1];
    int pdf;
} certificate_download;

/* The hub's answer goes to the browser as a file to keep. */
static void certificate_as_file(void *ctx, http_response *resp)
{
    certificate_download *d = ctx;
    char disp[FIELD_REFERENCE_MAX + 80];

    snprintf(disp, sizeof disp, "attachment; filename=\"certificate-%s.%s\"", d->ref,
             d->pdf ? "pdf" : "json");
    if (resp->status == 200)
        http_add_header(resp, "Content-Disposition", disp);
    console_web_headers(resp);
    log_info("agency console: %s downloaded the certificate of %s (%s): %d", d->user, d->ref,
             d->pdf ? "pdf" : "json", resp->status);
    free(d);
}

void agency_console_certificate(void *role, const void *caller, const http_request *req,
                                http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    const char *format = http_query(req, "format");
    char ref[FIELD_REFERENCE_MAX + 1];
    int pdf = format && !strcmp(format, "pdf");
    certificate_download *d;
    const char *notice;
    console_user u;
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
    if (!(d = calloc(1, sizeof *d))) {
        json_decref(o);
        console_web_error(resp, 500, "메모리 부족", "Out of memory.", "/console");
        return;
    }
    snprintf(d->ref, sizeof d->ref, "%s", ref);
    snprintf(d->user, sizeof d->user, "%s", u.name);
    d->pdf = pdf;
    agency_api_certificate(c->api, req, notice, pdf, certificate_as_file, d, resp);
    json_decref(o);
}

typedef struct cancel_by {
    char ref[FIELD_REFERENCE_MAX + 1];
    char user[CONSOLE_NAME_MAX + 1];
} cancel_by;

/* A cancel done goes back to the notice's page, which says so (and a
 * reload does not cancel twice); one refused says why. */
static void cancel_done(void *ctx, int status, const agency_cancel_result *r,
                        http_response *resp)
{
    cancel_by *by = ctx;
    buf loc;

    log_info("agency console: %s cancelled %s: %d %s", by->user, by->ref, status,
             status == 200 ? r->status : r->error);
    if (status == 200) {
        buf_init(&loc, 160);
        buf_puts(&loc, "/console/notices/");
        url_part(&loc, by->ref);
        buf_puts(&loc, "?cancelled=");
        url_part(&loc, r->status);
        console_web_redirect(resp, loc.broken ? "/console/notices" : loc.data);
        buf_free(&loc);
    } else {
        console_web_error(resp, status, "취소할 수 없습니다.", r->error, "/console/notices");
    }
    free(by);
}

void agency_console_cancel(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    char ref[FIELD_REFERENCE_MAX + 1];
    console_user u;
    cancel_by *by;
    form f = {0};

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_SENDER, &u) ||
        !console_web_post(&c->web, req, resp, &f, 1)) {
        form_free(&f);
        return;
    }
    if (path_ref(req, ref) != 0) {
        console_web_error(resp, 404, "그런 알림이 없습니다.", "No such notice.",
                          "/console/notices");
    } else if (!(by = calloc(1, sizeof *by))) {
        console_web_error(resp, 500, "메모리 부족", "Out of memory.", "/console");
    } else {
        snprintf(by->ref, sizeof by->ref, "%s", ref);
        snprintf(by->user, sizeof by->user, "%s", u.name);
        agency_api_cancel_later(c->api, req, ref, form_get(&f, "reason") ?: "", cancel_done, by,
                                resp);
    }
    form_free(&f);
}
