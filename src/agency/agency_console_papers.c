/* agency_console_papers.c -- the console's paper letters and templates:
 * the batches `agency postal --letters` printed, each with its PDF and
 * manifest to download (they hold names and addresses: senders and
 * admins only), and the templates notices are rendered from, each shown
 * with its fields and a sample rendering as text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agency_console.h"
#include "agency_intake.h"
#include "agency_letters_print.h"
#include "apikeys.h"
#include "html_page.h"
#include "log.h"

/* The largest letters file the console hands out; `agency postal` has
 * the rest. */
#define PAPER_FILE_MAX (64u << 20)

/* How many PDFs batch was printed as in dir/letters: 1 for
 * letters-BATCH.pdf; K for letters-BATCH-1.pdf to -K.pdf (a batch split
 * among the printing threads); 0 when none is here. */
static int pdf_parts(const char *dir, const char *batch)
{
    char folder[AGENCY_PATH_MAX + 16], path[LETTERS_PATH_MAX];
    int k = 0;

    snprintf(folder, sizeof folder, "%s/letters", dir);
    letters_file_path(path, sizeof path, folder, batch, 1, 1);
    if (access(path, F_OK) == 0)
        return 1;
    for (; k < LETTERS_FILES_MAX; k++) {
        letters_file_path(path, sizeof path, folder, batch, k + 1, LETTERS_FILES_MAX);
        if (access(path, F_OK) != 0)
            break;
    }
    return k;
}

typedef struct batch_rows {
    buf *b;
    const char *dir;
} batch_rows;

static void put_batch(void *ctx, const char *batch, const char *at, long letters, long pages,
                      const char *handed_over)
{
    batch_rows *rows = ctx;
    buf *b = rows->b;
    int parts = pdf_parts(rows->dir, batch);

    buf_puts(b, "<tr><td>");
    buf_html(b, batch);
    buf_puts(b, "</td><td>");
    buf_html(b, at);
    buf_printf(b, "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td><td>", letters, pages);
    buf_html(b, handed_over[0] ? handed_over : "-");
    buf_puts(b, "</td><td>");
    if (!pages) { /* a postal --new list: the print house made the letters */
        agency_console_bi(b, "인쇄소 목록 (파일 없음)", "a print house's list (no files)");
        buf_puts(b, "</td></tr>");
        return;
    }
    for (int k = 1; k <= parts; k++) {
        buf_puts(b, "<a href=\"/console/letters/");
        buf_html(b, batch);
        if (parts == 1)
            buf_puts(b, "?file=pdf\">PDF</a> · ");
        else
            buf_printf(b, "?file=pdf&amp;part=%d\">PDF %d/%d</a> · ", k, k, parts);
    }
    buf_puts(b, "<a href=\"/console/letters/");
    buf_html(b, batch);
    buf_puts(b, "?file=csv\">");
    agency_console_bi(b, "목록", "manifest");
    buf_puts(b, "</a></td></tr>");
}

void agency_console_letters(void *role, const void *caller, const http_request *req,
                            http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    static const char *const heads[][2] = {{"묶음", "Batch"}, {"인쇄", "Printed"},
                                           {"통수", "Letters"}, {"쪽수", "Pages"},
                                           {"인계", "Handed over"}, {"파일", "Files"}};
    console_user u;
    buf b;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    buf_init(&b, 8192);
    agency_console_begin(c, req, &b, &u, "우편 발송", "Paper letters");
    buf_puts(&b, "<p>");
    agency_console_bi(&b, "휴대폰으로 받지 못한 알림은 agency postal --letters가 인쇄용 PDF와 "
                          "목록으로 만듭니다.",
                      "Notices nobody received on a phone are printed by agency postal "
                      "--letters as one PDF and a manifest per batch.");
    buf_puts(&b, "</p><div class=\"scroll\" " SCROLL_REGION("Letters") "><table><thead><tr>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        buf_puts(&b, "<th scope=\"col\">");
        agency_console_bi(&b, heads[i][0], heads[i][1]);
        buf_puts(&b, "</th>");
    }
    buf_puts(&b, "</tr></thead><tbody>");
    batch_rows rows = {&b, c->cfg->dir};
    agency_db_console_batches(c->db, 100, put_batch, &rows);
    buf_puts(&b, "</tbody></table></div>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}

/* YYYYMMDDTHHMMSSZ-8 hex, as agency_letters.c names a batch. */
static int batch_ok(const char *s)
{
    if (strlen(s) != 25 || s[8] != 'T' || s[15] != 'Z' || s[16] != '-')
        return 0;
    for (int i = 0; i < 25; i++) {
        if (i == 8 || i == 15 || i == 16)
            continue;
        if (!((s[i] >= '0' && s[i] <= '9') || (i > 16 && s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

/* The whole of path, up to PAPER_FILE_MAX; NULL when absent or larger. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && (unsigned long)n <= PAPER_FILE_MAX &&
        fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1)) &&
        fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    if (data)
        *len = (size_t)n;
    fclose(f);
    return data;
}

void agency_console_letters_file(void *role, const void *caller, const http_request *req,
                                 http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    const char *batch = req->path + strlen("/console/letters/"), *file = http_query(req, "file");
    const char *part_text = http_query(req, "part");
    int pdf = file && !strcmp(file, "pdf"), part = pdf; /* 1 of 1 unless ?part= */
    char folder[AGENCY_PATH_MAX + 16], path[LETTERS_PATH_MAX], disp[96];
    const char *name;
    console_user u;
    size_t len = 0;
    char *data;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_SENDER, &u))
        return;
    if (!batch_ok(batch) || !file || (!pdf && strcmp(file, "csv") != 0)) {
        console_web_error(resp, 404, "그런 묶음이 없습니다.", "No such batch.", "/console/letters");
        return;
    }
    if (part_text) { /* one of a split batch's PDFs: 1 to LETTERS_FILES_MAX */
        char *end;
        long k = strtol(part_text, &end, 10);
        if (!pdf || *end || end == part_text || part_text[0] < '1' || k > LETTERS_FILES_MAX) {
            console_web_error(resp, 404, "그런 파일이 없습니다.", "No such file.",
                              "/console/letters");
            return;
        }
        part = (int)k;
    }
    snprintf(folder, sizeof folder, "%s/letters", c->cfg->dir);
    letters_file_path(path, sizeof path, folder, batch, pdf ? part : 0,
                      part_text ? LETTERS_FILES_MAX : 1);
    name = strrchr(path, '/') + 1;
    if (!(data = slurp(path, &len))) {
        console_web_error(resp, 404, "파일이 없습니다 (다른 폴더에 인쇄했거나 64 MiB 초과).",
                          "No such file here (printed to another folder, or over 64 MiB).",
                          "/console/letters");
        return;
    }
    http_reply_body(resp, 200, pdf ? "application/pdf" : "text/csv; charset=utf-8", data, len);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    http_add_header(resp, "Content-Disposition", disp);
    console_web_headers(resp);
    log_info("agency console: %s downloaded %s", u.name, name);
}

/* ---- templates ---- */

void agency_console_templates(void *role, const void *caller, const http_request *req,
                              http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    char *ids[CONSOLE_TEMPLATES_MAX];
    console_user u;
    size_t n;
    buf b;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    n = agency_console_template_ids(c, ids);
    buf_init(&b, 4096);
    agency_console_begin(c, req, &b, &u, "서식", "Templates");
    buf_puts(&b, "<ul>");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, "<li><a href=\"/console/templates/");
        buf_html(&b, ids[i]);
        buf_puts(&b, "\">");
        buf_html(&b, ids[i]);
        buf_puts(&b, "</a></li>");
        free(ids[i]);
    }
    buf_puts(&b, "</ul>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}

/* Each field shows as its own name in brackets (template_render uses a
 * value before it asks for the next). */
static const char *sample(void *ctx, const char *name)
{
    char *out = ctx;

    snprintf(out, TEMPLATE_MAX_NAME + 3, "[%s]", name);
    return out;
}

void agency_console_template(void *role, const void *caller, const http_request *req,
                             http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    const char *id = req->path + strlen("/console/templates/");
    char err[256];
    console_user u;
    template *t;
    size_t nf;
    char name[TEMPLATE_MAX_NAME + 3];
    buf b, doc;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    if (!apikeys_name_ok(id, strlen(id)) || strlen(id) > 64) {
        console_web_error(resp, 404, "그런 서식이 없습니다.", "No such template.",
                          "/console/templates");
        return;
    }
    if (!(t = agency_intake_template(c->cfg, id, err, sizeof err))) {
        /* one that exists but cannot be used says why */
        int missing = !strncmp(err, "no template", 11);
        console_web_error(resp, missing ? 404 : 422,
                          missing ? "그런 서식이 없습니다." : "이 서식은 쓸 수 없습니다.",
                          missing ? "No such template." : err, "/console/templates");
        return;
    }
    buf_init(&b, 8192);
    buf_init(&doc, 4096);
    agency_console_begin(c, req, &b, &u, "서식 미리보기", "Template preview");
    buf_puts(&b, "<h2>");
    buf_html(&b, id);
    buf_puts(&b, "</h2><p>");
    agency_console_bi(&b, "항목:", "Fields:");
    const char *const *fields = template_fields(t, &nf);
    for (size_t i = 0; i < nf; i++) {
        buf_puts(&b, i ? ", <code>" : " <code>");
        buf_html(&b, fields[i]);
        buf_puts(&b, "</code>");
    }
    buf_puts(&b, "</p><h2>");
    agency_console_bi(&b, "견본", "Sample");
    buf_puts(&b, "</h2><p>");
    if (template_render(t, sample, name, &doc, err, sizeof err) == 0)
        agency_console_as_text(&b, doc.data ? doc.data : "", doc.len);
    buf_puts(&b, "</p>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
    template_free(t);
    buf_free(&doc);
}
