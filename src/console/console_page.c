/* console_page.c -- see console_page.h. */
#include "console_page.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "form.h"
#include "html_page.h"
#include "log.h"

/* Readable at 390 px and at 1,280 px, large text allowed to wrap;
 * colours with at least 4.5:1 contrast. */
static const char style[] =
    "body{font-family:sans-serif;margin:0;line-height:1.5;color:#1a1a1a;background:#fff}"
    "header{background:#1d3b6a;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;"
    "gap:.5rem 1.5rem;align-items:center}"
    "header a,header button{color:#fff}header nav ul{list-style:none;display:flex;"
    "flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}"
    "header form{margin:0}header button{background:none;border:1px solid #fff;"
    "padding:.25rem .5rem;font:inherit;cursor:pointer}"
    "main{max-width:72rem;margin:0 auto;padding:1rem}"
    ".en{color:#444}header .en,button .en{color:#e6ecf5}td,dd{overflow-wrap:anywhere}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;"
    "border-bottom:1px solid #ccc;vertical-align:top}td.n,th.n{text-align:right}"
    ".scroll{overflow-x:auto}"
    "label{display:block;margin-top:.75rem;font-weight:bold}"
    "input,select,textarea{font:inherit;padding:.4rem;max-width:100%;box-sizing:border-box}"
    "input[type=text],input[type=password],input[type=search]{width:20rem}"
    "button.main{margin-top:1rem;padding:.5rem 1rem;font:inherit;background:#1d3b6a;"
    "color:#fff;border:0;cursor:pointer}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem}"
    ".card{border:1px solid #ccc;padding:.5rem}.card .v{font-size:1.5rem;font-weight:bold}"
    ".err{color:#a00000}.ok{color:#1b5e20}svg{max-width:100%;height:auto}"
    "pre{white-space:pre-wrap}";

void console_bi(buf *b, const char *ko, const char *en)
{
    buf_html(b, ko);
    buf_puts(b, " <span class=\"en\" lang=\"en\">");
    buf_html(b, en);
    buf_puts(b, "</span>");
}

void console_nav_item(buf *b, const char *href, const char *ko, const char *en)
{
    buf_printf(b, "<li><a href=\"%s\">", href);
    console_bi(b, ko, en);
    buf_puts(b, "</a></li>");
}

void console_token_field(console_web *w, const http_request *req, buf *b)
{
    char token[CSRF_TOKEN_LEN + 1];

    console_web_token(w, req, token);
    buf_printf(b, "<input type=\"hidden\" name=\"" CSRF_FIELD "\" value=\"%s\">", token);
}

void console_page_begin(const console_site *s, const http_request *req, buf *b,
                        const console_user *u, const char *title_ko, const char *title_en)
{
    html_page_head(b, title_ko, title_en, s->name, style);
    buf_puts(b, "<header><strong>");
    buf_html(b, s->name);
    buf_puts(b, " ");
    buf_html(b, s->heading_ko);
    buf_puts(b, " <span class=\"en\" lang=\"en\">");
    buf_html(b, s->heading_en);
    buf_puts(b, "</span></strong>\n");
    if (u) {
        buf_puts(b, "<nav aria-label=\"콘솔 메뉴 Console menu\"><ul>");
        s->nav(b, u);
        buf_puts(b, "</ul></nav>\n<form method=\"post\" action=\"/console/signout\">");
        console_token_field(s->web, req, b);
        buf_html(b, u->name);
        buf_printf(b, " (%s) <button type=\"submit\">", console_role_name(u->role));
        console_bi(b, "로그아웃", "Sign out");
        buf_puts(b, "</button></form>\n");
    }
    buf_puts(b, "</header>\n");
    html_page_main(b, title_ko, title_en);
}

int console_require(const console_site *s, const http_request *req, http_response *resp,
                    console_role need, console_user *u)
{
    int signed_in = console_web_user(s->web, req, u);

    if (signed_in < 0) {
        console_web_error(resp, 503, "일시적인 오류입니다. 잠시 후 다시 시도하세요.",
                          "Temporary error: please try again in a moment.", "/console");
        http_add_header(resp, "Retry-After", "5");
        return 0;
    }
    if (!signed_in) {
        if (!strcmp(req->method, "GET"))
            console_web_redirect(resp, "/console/signin");
        else
            console_web_error(resp, 403, "로그인이 필요합니다.", "Sign in first.",
                              "/console/signin");
        return 0;
    }
    if (u->role < need) {
        log_warn("%s console: %s (%s) refused %s %s: needs %s", s->web->console, u->name,
                 console_role_name(u->role), req->method, req->path, console_role_name(need));
        console_web_error(resp, 403, "이 계정의 역할로는 할 수 없는 일입니다.",
                          "Your account's role does not allow this.", "/console");
        return 0;
    }
    return 1;
}

/* ---- sign-in ---- */

static void signin_form(const console_site *s, const http_request *req, http_response *resp,
                        int status, const char *name, const char *msg_ko, const char *msg_en)
{
    char token[CSRF_TOKEN_LEN + 1];
    buf b;

    buf_init(&b, 4096);
    console_web_pre_token(s->web, req, resp, token);
    console_page_begin(s, req, &b, NULL, "콘솔 로그인", "Sign in to the console");
    if (msg_ko) {
        buf_puts(&b, "<p class=\"err\" role=\"alert\">");
        console_bi(&b, msg_ko, msg_en);
        buf_puts(&b, "</p>\n");
    }
    buf_printf(&b, "<form method=\"post\" action=\"/console/signin\">"
                   "<input type=\"hidden\" name=\"" CSRF_FIELD "\" value=\"%s\">"
                   "<label for=\"name\">", token);
    console_bi(&b, "계정 이름", "Account name");
    buf_puts(&b, "</label><input type=\"text\" id=\"name\" name=\"name\" required "
                 "autocomplete=\"username\" autocapitalize=\"none\" value=\"");
    buf_html(&b, name ? name : "");
    buf_puts(&b, "\"><label for=\"password\">");
    console_bi(&b, "비밀번호", "Password");
    buf_puts(&b, "</label><input type=\"password\" id=\"password\" name=\"password\" required "
                 "autocomplete=\"current-password\"><label for=\"code\">");
    console_bi(&b, "인증 앱의 6자리 코드", "6-digit code from your authenticator app");
    buf_puts(&b, "</label><input type=\"text\" id=\"code\" name=\"code\" required "
                 "inputmode=\"numeric\" pattern=\"[0-9]{6}\" maxlength=\"6\" "
                 "autocomplete=\"one-time-code\"><br><button class=\"main\" type=\"submit\">");
    console_bi(&b, "로그인", "Sign in");
    buf_puts(&b, "</button></form>\n");
    html_page_end(&b);
    console_web_reply(resp, status, &b);
}

void console_signin_page(const console_site *s, const http_request *req, http_response *resp)
{
    console_user u;

    if (console_web_user(s->web, req, &u) == 1) {
        console_web_redirect(resp, "/console");
        return;
    }
    signin_form(s, req, resp, 200, NULL, NULL, NULL);
}

/* The guard's verdict in the log, in the console's words. */
static const char *verdict_text(login_verdict v)
{
    switch (v) {
    case LOGIN_WAIT_PAIR:
        return "too many failures for this account from this source";
    case LOGIN_WAIT_PHONE:
        return "this account is being tried from many sources";
    case LOGIN_SOURCE_BLOCKED:
        return "this source failed on many accounts";
    default:
        return "allowed";
    }
}

/* The name typed at the sign-in, as the log may hold it: only one that
 * could be an account's (console_name_ok); anything else, a line break
 * that would forge a line of the log among it, is left out. */
static const char *logged_name(const char *name)
{
    return console_name_ok(name) ? name : "(not an account name)";
}

static void wait_refused(const console_site *s, const http_request *req, http_response *resp,
                         const char *name, login_verdict why, long long wait_ms)
{
    char ko[200], en[200];
    long mins = (long)((wait_ms + 59999) / 60000);

    if (why == LOGIN_SOURCE_BLOCKED) {
        snprintf(ko, sizeof ko, "이 네트워크에서 여러 계정으로 실패가 많아 %ld분 동안 차단되었습니다.",
                 mins);
        snprintf(en, sizeof en, "Too many failed sign-ins for many accounts from this network: "
                 "blocked for %ld min.", mins);
    } else {
        long secs = (long)((wait_ms + 999) / 1000);
        snprintf(ko, sizeof ko, "실패가 많아 %ld초 후에 다시 시도할 수 있습니다.", secs);
        snprintf(en, sizeof en, "Too many failures: try again in %ld s.", secs);
    }
    signin_form(s, req, resp, 429, name, ko, en);
}

void console_signin_post(const console_site *s, const http_request *req, http_response *resp)
{
    char source[CONSOLE_SOURCE_MAX], id[CONSOLE_SESSION_LEN + 1];
    console_user u;
    long long wait_ms;
    login_verdict why;
    form f = {0};
    const char *name, *device;

    if (!console_web_post(s->web, req, resp, &f, 0)) {
        form_free(&f);
        return;
    }
    console_web_source(req, source);
    name = form_get(&f, "name");
    device = console_web_device(s->web, req);
    switch (console_signin(s->web->auth, name ? name : "", form_get(&f, "password"),
                           form_get(&f, "code"), source, device, clock_now_ms(), &u, &wait_ms,
                           &why)) {
    case CONSOLE_SIGNIN_OK:
        if (console_session_new(s->web->auth, &u, clock_now_ms(), id) != 0) {
            console_web_error(resp, 500, "세션을 만들 수 없습니다.", "Cannot start a session.",
                              "/console/signin");
            break;
        }
        console_web_set_session(s->web, resp, id);
        /* Without it, the sign-in still stands: the browser is spaced
         * like any other next time. */
        if (console_device_remember(s->web->auth, u.name, device, clock_now_ms(), id) == 1)
            console_web_set_device(s->web, resp, id);
        console_web_redirect(resp, "/console");
        log_info("%s console: %s (%s) signed in from %s", s->web->console, u.name,
                 console_role_name(u.role), source);
        secure_wipe(id, sizeof id);
        break;
    case CONSOLE_SIGNIN_WAIT:
        log_warn("%s console: sign-in as %s from %s refused: %s", s->web->console,
                 logged_name(name), source, verdict_text(why));
        wait_refused(s, req, resp, name, why, wait_ms);
        break;
    case CONSOLE_SIGNIN_WRONG:
        log_warn("%s console: failed sign-in as %s from %s", s->web->console,
                 logged_name(name), source);
        signin_form(s, req, resp, 401, name, "이름, 비밀번호 또는 코드가 맞지 않습니다.",
                    "The name, password or code is wrong.");
        break;
    default:
        /* The database failed or stayed busy (a long write holds it): the
         * code may have been right, so the answer says try again, not wrong. */
        log_warn("%s console: sign-in as %s from %s not decided: database busy or failing",
                 s->web->console, logged_name(name), source);
        console_web_error(resp, 503, "데이터베이스가 바쁩니다. 잠시 후 다시 시도하십시오.",
                          "The database is busy. Try again in a moment.", "/console/signin");
    }
    form_free(&f);
}

void console_signout_post(const console_site *s, const http_request *req, http_response *resp)
{
    console_user u;
    form f = {0};

    if (console_web_user(s->web, req, &u) != 1) {
        console_web_redirect(resp, "/console/signin");
        return;
    }
    if (console_web_post(s->web, req, resp, &f, 1)) {
        console_web_clear_session(s->web, req, resp);
        console_web_redirect(resp, "/console/signin");
        log_info("%s console: %s signed out", s->web->console, u.name);
    }
    form_free(&f);
}
