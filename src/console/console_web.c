/* console_web.c -- see console_web.h. */
#include "console_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "html_page.h"
#include "log.h"

int console_web_init(console_web *w, console_auth *auth, const char *console,
                     const char *public_url)
{
    memset(w, 0, sizeof *w);
    w->auth = auth;
    snprintf(w->console, sizeof w->console, "%s", console);
    snprintf(w->cookie, sizeof w->cookie, "herald_%s_console", console);
    snprintf(w->pre_cookie, sizeof w->pre_cookie, "herald_%s_pre", console);
    snprintf(w->device_cookie, sizeof w->device_cookie, "herald_%s_device", console);
    if (csrf_origin_of(public_url, w->origin) != 0)
        return -1;
    w->secure = !strncmp(w->origin, "https://", 8);
    /* A key of this process's own: a restart makes open forms stale, and
     * nobody else can make a token. */
    random_bytes(w->csrf_key, sizeof w->csrf_key);
    return 0;
}

void console_web_wipe(console_web *w)
{
    secure_wipe(w->csrf_key, sizeof w->csrf_key);
}

int console_web_user(console_web *w, const http_request *req, console_user *u)
{
    const char *id = http_cookie(req, w->cookie);

    return id ? console_session_get(w->auth, id, clock_now_ms(), u) : 0;
}

void console_web_token(console_web *w, const http_request *req, char out[CSRF_TOKEN_LEN + 1])
{
    const char *id = http_cookie(req, w->cookie);

    csrf_token(w->csrf_key, CSRF_SESSION, id ? id : "", out);
}

static void set_cookie(console_web *w, http_response *resp, const char *name, const char *value,
                       long max_age_s)
{
    char cookie[256], age[40] = "";

    if (max_age_s >= 0)
        snprintf(age, sizeof age, "; Max-Age=%ld", max_age_s);
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/console%s; HttpOnly; SameSite=Strict%s", name,
             value, age, w->secure ? "; Secure" : "");
    http_add_header(resp, "Set-Cookie", cookie);
    secure_wipe(cookie, sizeof cookie);
}

/* A cookie value of ours: 64 lower-case hex digits. */
static int cookie_ok(const char *v)
{
    if (!v || strlen(v) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            return 0;
    return 1;
}

void console_web_pre_token(console_web *w, const http_request *req, http_response *resp,
                           char out[CSRF_TOKEN_LEN + 1])
{
    const char *have = http_cookie(req, w->pre_cookie);
    uint8_t raw[32];
    char fresh[65];

    if (!cookie_ok(have)) {
        random_bytes(raw, sizeof raw);
        hex_encode(fresh, raw, sizeof raw);
        set_cookie(w, resp, w->pre_cookie, fresh, -1);
        have = fresh;
    }
    csrf_token(w->csrf_key, CSRF_PRE_SESSION, have, out);
}

void console_web_set_session(console_web *w, http_response *resp, const char *id)
{
    /* A session cookie for the browser; the server ends it sooner. */
    set_cookie(w, resp, w->cookie, id, -1);
}

void console_web_clear_session(console_web *w, const http_request *req, http_response *resp)
{
    const char *id = http_cookie(req, w->cookie);

    if (id)
        console_session_end(w->auth, id);
    set_cookie(w, resp, w->cookie, "", 0);
}

const char *console_web_device(const console_web *w, const http_request *req)
{
    const char *v = http_cookie(req, w->device_cookie);

    return cookie_ok(v) ? v : NULL;
}

void console_web_set_device(console_web *w, http_response *resp, const char *id)
{
    set_cookie(w, resp, w->device_cookie, id, (long)(CONSOLE_DEVICE_MS / 1000));
}

void console_web_source(const http_request *req, char out[CONSOLE_SOURCE_MAX])
{
    http_client_source(req, out);
}

int console_web_origin(console_web *w, const http_request *req, http_response *resp)
{
    const char *origin = http_header(req, "Origin"), *referer = http_header(req, "Referer");
    char source[CONSOLE_SOURCE_MAX];

    if (csrf_origin_ok(w->origin, origin, referer))
        return 1;
    console_web_source(req, source);
    log_warn("%s console: refused POST %s from %s: origin %.100s", w->console, req->path,
             source, origin ? origin : referer ? referer : "(none)");
    console_web_error(resp, 403, "다른 사이트에서 보낸 요청은 받지 않습니다.",
                      "Refused: this request did not come from the console's pages.",
                      "/console");
    return 0;
}

int console_web_token_ok(console_web *w, const http_request *req, http_response *resp,
                         const char *token, int signed_in)
{
    const char *bound = http_cookie(req, signed_in ? w->cookie : w->pre_cookie);
    char source[CONSOLE_SOURCE_MAX];

    if (csrf_token_ok(w->csrf_key, signed_in ? CSRF_SESSION : CSRF_PRE_SESSION, bound, token))
        return 1;
    console_web_source(req, source);
    log_warn("%s console: refused POST %s from %s: missing or wrong form token", w->console,
             req->path, source);
    console_web_error(resp, 403, "페이지가 만료되었습니다. 다시 열어서 시도하세요.",
                      "This form has expired or is not ours: reload the page and try again.",
                      "/console");
    return 0;
}

int console_web_post(console_web *w, const http_request *req, http_response *resp, form *f,
                     int signed_in)
{
    const char *why = NULL;

    if (!console_web_origin(w, req, resp))
        return 0;
    if (form_parse(f, req->body ? req->body : "", req->body_len, &why) != 0) {
        console_web_error(resp, 400, "양식을 읽을 수 없습니다.", why, "/console");
        return 0;
    }
    return console_web_token_ok(w, req, resp, form_get(f, CSRF_FIELD), signed_in);
}

void console_web_reply(http_response *resp, int status, buf *b)
{
    size_t len;
    char *text = buf_take(b, &len);

    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, status, "text/html; charset=utf-8", text, len);
    console_web_headers(resp);
}

void console_web_headers(http_response *resp)
{
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self';"
                    " form-action 'self'; frame-ancestors 'none'");
    http_add_header(resp, "X-Frame-Options", "DENY");
    http_add_header(resp, "X-Content-Type-Options", "nosniff");
    /* Cache-Control: no-store comes with every answer (http_server.c).
     * same-origin: the origin check reads Referer when a browser sends no
     * Origin, and no other site sees one from us. */
    http_add_header(resp, "Referrer-Policy", "same-origin");
}

void console_web_redirect(http_response *resp, const char *location)
{
    http_reply_body(resp, 303, "text/html; charset=utf-8", strdup(""), 0);
    http_add_header(resp, "Location", location);
    http_add_header(resp, "Referrer-Policy", "same-origin");
}

void console_web_error(http_response *resp, int status, const char *ko, const char *en,
                       const char *back)
{
    buf b;

    buf_init(&b, 1024);
    html_page_begin(&b, "요청을 처리할 수 없습니다", "The request cannot be done", NULL,
                    "body{font-family:sans-serif;max-width:40rem;margin:0 auto;padding:1rem}"
                    ".en{color:#444}");
    buf_puts(&b, "<p>");
    buf_html(&b, ko);
    buf_puts(&b, "<br><span class=\"en\" lang=\"en\">");
    buf_html(&b, en);
    buf_puts(&b, "</span></p>\n<p><a href=\"");
    buf_html(&b, back);
    buf_puts(&b, "\">돌아가기 <span lang=\"en\">Back</span></a></p>\n");
    html_page_end(&b);
    console_web_reply(resp, status, &b);
}
