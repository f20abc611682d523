/* agency_console_send.c -- sending from the console: upload a recipient
 * CSV (the columns of the bulk API's CSV), choose a template, see the
 * first rows rendered and every refused row by its line before anything
 * is sent, then send: the rows go through POST /v1/notices/bulk's job
 * machinery (agency_api_start_bulk), and the job's page shows progress.
 *
 * The upload's size is checked by the gate before a byte of it is read
 * (CONSOLE_UPLOAD_MAX). Between preview and send the file waits in memory
 * as a draft of the account that uploaded it, for CONSOLE_DRAFT_MS at
 * most, and is wiped when sent, replaced or expired: it holds RRNs. The
 * preview never shows an RRN. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "agency_api_input.h"
#include "agency_console.h"
#include "agency_intake.h"
#include "clock.h"
#include "crypto.h"
#include "form.h"
#include "html_page.h"
#include "letter_text.h"
#include "log.h"
#include "multipart.h"
#include "rrn.h"

#define PREVIEW_ROWS 3
#define ERRORS_SHOWN 1000

static void draft_wipe(console_draft *d)
{
    if (d->csv) {
        secure_wipe(d->csv, d->len);
        free(d->csv);
    }
    memset(d, 0, sizeof *d);
}

void agency_console_drafts_free(agency_console *c)
{
    for (int i = 0; i < CONSOLE_DRAFTS; i++)
        draft_wipe(&c->drafts[i]);
}

/* Every draft older than CONSOLE_DRAFT_MS, wiped; under c->lock. */
static void drafts_expire_locked(agency_console *c, long long now)
{
    for (int i = 0; i < CONSOLE_DRAFTS; i++)
        if (c->drafts[i].id[0] && now - c->drafts[i].made_ms > CONSOLE_DRAFT_MS)
            draft_wipe(&c->drafts[i]);
}

void agency_console_drafts_expire(agency_console *c, long long now)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    drafts_expire_locked(c, now);
    pthread_mutex_unlock(&c->lock);
}

/* Keeps a copy of the upload as user's draft (replacing an older one of
 * theirs, or the oldest); its id into id. */
static int draft_put(agency_console *c, const char *user, const char *csv, size_t len,
                     const char *tpl, const char *title, const char *deadline, char id[33])
{
    long long now = clock_now_ms();
    uint8_t raw[16];
    int slot = 0;

    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, csv, len);
    copy[len] = '\0';
    random_bytes(raw, sizeof raw);
    hex_encode(id, raw, sizeof raw);
    pthread_mutex_lock(&c->lock);
    drafts_expire_locked(c, now);
    for (int i = 0; i < CONSOLE_DRAFTS; i++) {
        console_draft *d = &c->drafts[i];
        if (!d->id[0] || !strcmp(d->user, user) || d->made_ms < c->drafts[slot].made_ms)
            slot = i;
        if (d->id[0] && !strcmp(d->user, user))
            break;
    }
    draft_wipe(&c->drafts[slot]);
    console_draft *d = &c->drafts[slot];
    snprintf(d->id, sizeof d->id, "%s", id);
    snprintf(d->user, sizeof d->user, "%s", user);
    snprintf(d->tpl, sizeof d->tpl, "%s", tpl);
    snprintf(d->title, sizeof d->title, "%s", title);
    snprintf(d->deadline, sizeof d->deadline, "%s", deadline);
    d->csv = copy;
    d->len = len;
    d->made_ms = now;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

/* Takes user's draft id out (the caller owns and wipes it): 0, or -1. */
static int draft_take(agency_console *c, const char *user, const char *id, console_draft *out)
{
    int rc = -1;

    pthread_mutex_lock(&c->lock);
    drafts_expire_locked(c, clock_now_ms());
    for (int i = 0; i < CONSOLE_DRAFTS; i++) {
        console_draft *d = &c->drafts[i];
        if (d->id[0] && id && strlen(id) == 32 && ct_equal(d->id, id, 32) &&
            !strcmp(d->user, user)) {
            *out = *d;
            memset(d, 0, sizeof *d);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* ---- the upload form ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t agency_console_template_ids(const agency_console *c, char *ids[CONSOLE_TEMPLATES_MAX])
{
    DIR *d = opendir(c->cfg->templates_dir);
    struct dirent *e;
    size_t n = 0;

    if (!d)
        return 0;
    while (n < CONSOLE_TEMPLATES_MAX && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && len < 70 && !strcmp(e->d_name + len - 5, ".html") &&
            e->d_name[0] != '.' && (ids[n] = strndup(e->d_name, len - 5)))
            n++;
    }
    closedir(d);
    qsort(ids, n, sizeof *ids, cmp_str);
    return n;
}

static void text_input(buf *b, const char *id, const char *type, const char *ko,
                       const char *en, const char *extra)
{
    buf_printf(b, "<label for=\"%s\">", id);
    agency_console_bi(b, ko, en);
    buf_printf(b, "</label><input type=\"%s\" id=\"%s\" name=\"%s\" required %s>", type, id, id,
               extra);
}

void agency_console_send_page(void *role, const void *caller, const http_request *req,
                              http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    char *ids[CONSOLE_TEMPLATES_MAX];
    console_user u;
    size_t n;
    buf b;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_SENDER, &u))
        return;
    n = agency_console_template_ids(c, ids);
    buf_init(&b, 8192);
    agency_console_begin(c, req, &b, &u, "알림 보내기", "Send notices");
    buf_puts(&b, "<p>");
    agency_console_bi(&b, "수신자 CSV의 열: reference, rrn, name, address와 서식의 항목, "
                          "납부를 요구하면 amount_krw, payment_code(, payment_due). "
                          "보내기 전에 미리보기와 오류를 확인합니다.",
                      "The recipient CSV's columns: reference, rrn, name, address and the "
                      "template's fields, with amount_krw, payment_code (and payment_due) for "
                      "a notice that asks a payment. You see a preview and every error before "
                      "anything is sent.");
    buf_printf(&b, "</p><form method=\"post\" action=\"/console/send/preview\" "
                   "enctype=\"multipart/form-data\">");
    agency_console_token_field(c, req, &b);
    buf_puts(&b, "<label for=\"template\">");
    agency_console_bi(&b, "서식", "Template");
    buf_puts(&b, "</label><select id=\"template\" name=\"template\" required>");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, "<option>");
        buf_html(&b, ids[i]);
        buf_puts(&b, "</option>");
        free(ids[i]);
    }
    buf_puts(&b, "</select>");
    /* The limit is the protocol's, in bytes; a browser's maxlength counts
     * characters, and a Hangul syllable takes three bytes. */
    text_input(&b, "title", "text", "제목 (200바이트 이하: 한글 약 66자)",
               "Title (up to 200 bytes: about 66 Korean characters)",
               "maxlength=\"" FIELD_STR(FIELD_TITLE_MAX) "\"");
    text_input(&b, "deadline", "date", "기한", "Deadline", "");
    text_input(&b, "csv", "file", "수신자 CSV 파일 (4 MiB 이하)", "Recipient CSV (up to 4 MiB)",
               "accept=\".csv,text/csv\"");
    buf_puts(&b, "<br><button class=\"main\" type=\"submit\">");
    agency_console_bi(&b, "미리보기", "Preview");
    buf_puts(&b, "</button></form>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}

/* ---- the preview ---- */

typedef struct row_lookup {
    const api_rows *rs;
    const api_row *row;
    const char *title, *deadline;
} row_lookup;

/* A field of the row for the template; never the RRN. */
static const char *lookup(void *ctx, const char *name)
{
    row_lookup *l = ctx;
    long col;

    if (!strcmp(name, "title"))
        return l->title;
    if (!strcmp(name, "deadline"))
        return l->deadline;
    if (!strcmp(name, "reference"))
        return l->row->ref;
    col = api_rows_col(l->rs, name);
    if (col < 0 || col == API_COL_RRN || !(l->row->present & (1ull << col)))
        return NULL;
    return api_row_field(l->row, (size_t)col);
}

void agency_console_as_text(buf *b, const char *html, size_t len)
{
    char err[160];
    buf text;

    /* Read as the letter and a browser read it ('<' before no letter is
     * text, entities decoded), so that staff check the words citizens
     * get; each line break shown as a space. */
    buf_init(&text, len + 1);
    buf_set_secret(&text);
    if (letter_text_from_html(html, len, &text, err, sizeof err) != 0) {
        buf_puts(b, "(");
        buf_html(b, err);
        buf_puts(b, ")");
    } else if (text.data) {
        for (char *nl = text.data; (nl = strchr(nl, '\n')) != NULL;)
            *nl = ' ';
        buf_html(b, text.data);
    }
    buf_free(&text);
}

typedef struct preview {
    api_rows rs;
    api_errors errs;
    int rc;
    size_t ok;
} preview;

/* The row's RRN as the send pipeline checks it (agency_send_batch.c):
 * 0, or -1 after adding the error, masked. */
static int rrn_check(const api_row *r, api_errors *errs)
{
    const char *text = api_row_field(r, API_COL_RRN), *why = NULL;
    char masked[RRN_MASKED_LEN + 1];
    rrn parsed;
    int bad = rrn_parse(text, strlen(text), rrn_today(), 0, &parsed, &why) == RRN_INVALID;

    secure_wipe(&parsed, sizeof parsed);
    if (!bad)
        return 0;
    rrn_mask(masked, text, strlen(text));
    api_errors_add(errs, r->row, "rrn", "RRN %s: %s", masked, why);
    return -1;
}

/* Parses the upload; unless shown is NULL (the send, where the pipeline
 * makes these checks itself and counts what it refuses), also checks
 * each row's RRN and renders it, adding the rows that fail to the
 * errors, and writes the first PREVIEW_ROWS documents to shown. */
static void build_preview(agency_console *c, const char *csv, size_t len, const char *tpl,
                          const char *title, const char *deadline, preview *p, buf *shown)
{
    api_common common = {tpl, title, deadline, NULL, NULL};
    char err[256];
    template *t;

    memset(p, 0, sizeof *p);
    p->rc = api_input_bulk_csv(csv, len, &common, clock_now_ms(), &p->rs, &p->errs);
    if (p->rc != API_IN_OK || !shown)
        return;
    if (!(t = agency_intake_template(c->cfg, p->rs.tpl, err, sizeof err))) {
        api_errors_add(&p->errs, 0, "template", "%s", err);
        p->rc = API_IN_BAD;
        return;
    }
    for (size_t i = 0; i < p->rs.nrows; i++) {
        row_lookup l = {&p->rs, &p->rs.rows[i], p->rs.title, p->rs.deadline};
        buf doc;
        if (rrn_check(&p->rs.rows[i], &p->errs) != 0)
            continue;
        buf_init(&doc, 2048);
        buf_set_secret(&doc);
        const char *at;
        if (template_render_at(t, lookup, &l, &doc, err, sizeof err, &at) != 0) {
            char field[API_FIELD_MAX + 1] = "personalisation";
            if (at)
                api_field_name(field, at, strlen(at));
            api_errors_add(&p->errs, p->rs.rows[i].row, field, "%s", err);
        } else if (p->ok++ < PREVIEW_ROWS) {
            buf_printf(shown, "<li><strong>");
            buf_html(shown, p->rs.rows[i].ref);
            buf_puts(shown, "</strong>: ");
            agency_console_as_text(shown, doc.data ? doc.data : "", doc.len);
            buf_puts(shown, "</li>");
        }
        buf_free(&doc);
    }
    template_free(t);
}

static int cmp_error(const void *a, const void *b)
{
    const api_error *x = a, *y = b;

    return (x->row > y->row) - (x->row < y->row);
}

static void errors_table(buf *b, api_errors *e)
{
    if (e->n) /* none: e->v may be NULL, which qsort may not be given */
        qsort(e->v, e->n, sizeof *e->v, cmp_error);
    buf_puts(b, "<h2>");
    agency_console_bi(b, "오류", "Errors");
    buf_printf(b, " (%zu)</h2>", e->n);
    if (!e->n)
        return;
    buf_puts(b, "<div class=\"scroll\" " SCROLL_REGION("Errors") "><table><thead><tr><th scope=\"col\">");
    agency_console_bi(b, "줄", "Line");
    buf_puts(b, "</th><th scope=\"col\">");
    agency_console_bi(b, "항목", "Field");
    buf_puts(b, "</th><th scope=\"col\">");
    agency_console_bi(b, "이유", "Reason");
    buf_puts(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < e->n && i < ERRORS_SHOWN; i++) {
        /* The CSV parser numbers rows by their line in the file (the
         * header is line 1). */
        if (e->v[i].row > 0)
            buf_printf(b, "<tr class=\"err\"><td>%ld</td><td>", e->v[i].row);
        else
            buf_puts(b, "<tr class=\"err\"><td>-</td><td>");
        buf_html(b, e->v[i].field);
        buf_puts(b, "</td><td>");
        buf_html(b, e->v[i].detail);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>\n");
}

/* The parts of the upload form, checked: 1 to go on; 0 after answering
 * 403 (origin or token); -1 when the body is not a form (why says how). */
static int upload_fields(agency_console *c, const http_request *req, http_response *resp,
                         multipart *m, const char **why)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1], tok[CSRF_TOKEN_LEN + 1] = "";
    const multipart_part *token;

    *why = NULL;
    if (!console_web_origin(&c->web, req, resp))
        return 0;
    if (multipart_boundary(http_header(req, "Content-Type"), boundary) != 0) {
        *why = "not a multipart/form-data body";
        return -1;
    }
    if (multipart_parse(m, req->body ? req->body : "", req->body_len, boundary, why) != 0)
        return -1;
    if ((token = multipart_get(m, CSRF_FIELD)) && token->len == CSRF_TOKEN_LEN)
        memcpy(tok, token->data, CSRF_TOKEN_LEN);
    return console_web_token_ok(&c->web, req, resp, tok, 1);
}

/* A short text part as a C string ("" when absent or too long). */
static void part_text(const multipart *m, const char *name, char *out, size_t cap)
{
    const multipart_part *p = multipart_get(m, name);

    out[0] = '\0';
    if (p && p->len < cap && !memchr(p->data, '\0', p->len)) {
        memcpy(out, p->data, p->len);
        out[p->len] = '\0';
    }
}

static void preview_page(agency_console *c, const http_request *req, http_response *resp,
                         const console_user *u, const multipart *m)
{
    const multipart_part *csv = multipart_get(m, "csv");
    char tpl[80], title[FIELD_TITLE_MAX + 1], deadline[40], id[33];
    buf b, shown;
    preview p;

    part_text(m, "template", tpl, sizeof tpl);
    part_text(m, "title", title, sizeof title);
    part_text(m, "deadline", deadline, sizeof deadline);
    buf_init(&shown, 4096);
    buf_set_secret(&shown); /* the first documents, names and addresses in them */
    build_preview(c, csv ? csv->data : "", csv ? csv->len : 0, tpl, title, deadline, &p,
                  &shown);
    buf_init(&b, 16384);
    buf_set_secret(&b);
    agency_console_begin(c, req, &b, u, "보내기 전 확인", "Check before sending");
    if (p.rc == API_IN_OK) {
        buf_printf(&b, "<p>%zu건 보낼 수 있음, %zu건 오류. <span class=\"en\" lang=\"en\">%zu "
                       "rows can be sent, %zu refused.</span></p>",
                   p.ok, p.errs.n, p.ok, p.errs.n);
        buf_puts(&b, "<h2>");
        agency_console_bi(&b, "처음 몇 건의 문서", "The first documents");
        buf_puts(&b, "</h2><ol>");
        buf_append(&b, shown.data ? shown.data : "", shown.len);
        buf_puts(&b, "</ol>");
    }
    if (p.rc == API_IN_TOO_MANY || p.rc == API_IN_NO_MEMORY) {
        buf_puts(&b, "<p class=\"err\">");
        if (p.rc == API_IN_TOO_MANY)
            buf_printf(&b, "한 파일에 %d건까지 보낼 수 있습니다. 나누어 올리세요. "
                           "<span class=\"en\" lang=\"en\">A file may hold at most %d rows: "
                           "split it.</span>", API_BULK_MAX_ROWS, API_BULK_MAX_ROWS);
        else
            agency_console_bi(&b, "일시적인 오류입니다. 잠시 후 다시 시도하세요.",
                              "Out of memory for now: try again in a moment.");
        buf_puts(&b, "</p>");
    }
    if (p.rc == API_IN_OK || p.errs.n) /* a file refused whole has said why above */
        errors_table(&b, &p.errs);
    if (p.rc == API_IN_OK && p.ok > 0 &&
        draft_put(c, u->name, csv->data, csv->len, tpl, title, deadline, id) == 0) {
        buf_puts(&b, "<form method=\"post\" action=\"/console/send\">");
        agency_console_token_field(c, req, &b);
        buf_printf(&b, "<input type=\"hidden\" name=\"draft\" value=\"%s\">"
                       "<button class=\"main\" type=\"submit\">%zu건 보내기 "
                       "<span lang=\"en\">Send %zu notices</span></button></form>\n",
                   id, p.ok, p.ok);
    }
    buf_puts(&b, "<p><a href=\"/console/send\">");
    agency_console_bi(&b, "다른 파일 올리기", "Upload another file");
    buf_puts(&b, "</a></p>");
    html_page_end(&b);
    console_web_reply(resp, p.rc == API_IN_OK          ? 200
                            : p.rc == API_IN_TOO_MANY  ? 413
                            : p.rc == API_IN_NO_MEMORY ? 503
                                                       : 400,
                      &b);
    buf_free(&shown);
    api_errors_free(&p.errs);
    api_rows_free(&p.rs);
}

void agency_console_preview(void *role, const void *caller, const http_request *req,
                            http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    console_user u;
    multipart m;
    const char *why;
    int rc;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_SENDER, &u))
        return;
    rc = upload_fields(c, req, resp, &m, &why);
    if (rc < 0)
        console_web_error(resp, 400, "올린 양식을 읽을 수 없습니다.", why, "/console/send");
    else if (rc > 0)
        preview_page(c, req, resp, &u, &m);
}

/* ---- send ---- */

void agency_console_send(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    char id[API_JOB_ID_MAX], location[80];
    const char *why = NULL;
    console_draft d;
    console_user u;
    form f = {0};
    preview p;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_SENDER, &u) ||
        !console_web_post(&c->web, req, resp, &f, 1)) {
        form_free(&f);
        return;
    }
    if (draft_take(c, u.name, form_get(&f, "draft"), &d) != 0) {
        form_free(&f);
        console_web_error(resp, 409, "보낼 파일이 없거나 시간이 지났습니다. 다시 올려 주세요.",
                          "Nothing to send, or the preview is too old: upload the file again.",
                          "/console/send");
        return;
    }
    form_free(&f);
    build_preview(c, d.csv, d.len, d.tpl, d.title, d.deadline, &p, NULL);
    draft_wipe(&d);
    int status = p.rc == API_IN_OK ? agency_api_start_bulk(c->api, &p.rs, &p.errs, id, &why)
                                   : 400;
    if (status != 202) {
        console_web_error(resp, status, "보낼 수 없습니다.", why ? why : "the file is refused",
                          "/console/send");
    } else {
        log_info("agency console: %s sent job %s: %zu rows, %zu refused", u.name, id,
                 p.rs.nrows, p.errs.n);
        snprintf(location, sizeof location, "/console/jobs/%s", id);
        console_web_redirect(resp, location);
    }
    api_errors_free(&p.errs);
    api_rows_free(&p.rs);
}

void agency_console_job(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    const char *job = req->path + strlen("/console/jobs/");
    console_user u;
    buf b;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    buf_init(&b, 16384);
    agency_console_begin(c, req, &b, &u, "발송 작업", "Sending job");
    agency_console_job_section(c, &b, job);
    buf_puts(&b, "<p><a href=\"");
    buf_html(&b, req->path);
    buf_puts(&b, "\">");
    agency_console_bi(&b, "새로 고침", "Refresh");
    buf_puts(&b, "</a></p>");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}
