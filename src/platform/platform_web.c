/* platform_web.c -- the citizen pages: sign-in, and opening a notice
 * (sign-up and its code: platform_web_signup.c; the inbox's pages:
 * platform_web_inbox.c).
 *
 * Sessions are random 32-byte ids in an HttpOnly, SameSite=Strict cookie;
 * the server keeps only their SHA-256, so a copy of the database opens no
 * session. Every POST must come from our own origin and carry its form's
 * token (csrf.h): a member's forms are bound to the session, the sign-in
 * and sign-up forms to a pre-session cookie set with the page. Every PIN
 * check (sign-in and opening a notice) goes through platform_signin.c,
 * under the limits of login_guard.h. */
#include "platform_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csrf.h"
#include "form.h"
#include "log.h"
#include "login_guard.h"
#include "phone.h"
#include "platform.h"
#include "platform_members.h"
#include "platform_pages.h"
#include "platform_reports.h"
#include "platform_signin.h"
#include "platform_web_internal.h"
#include "view_token.h"

#define SESSION_COOKIE "herald_sid"
#define DEVICE_COOKIE "herald_device"
#define PRE_COOKIE WEB_PRE_COOKIE
#define SOURCE_MAX WEB_SOURCE_MAX

void web_reply_page(http_response *resp, int status, buf *b)
{
    size_t len;
    char *text = buf_take(b, &len);

    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, status, "text/html; charset=utf-8", text, len);
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    http_add_header(resp, "X-Frame-Options", "DENY");
    /* same-origin, not no-referrer: with no-referrer a browser sends
     * "Origin: null" on our own forms, and the origin check needs it. No
     * other site ever sees a Referer from us. */
    http_add_header(resp, "Referrer-Policy", "same-origin");
}

void web_redirect(http_response *resp, const char *location)
{
    http_reply_body(resp, 303, "text/html; charset=utf-8", strdup(""), 0);
    http_add_header(resp, "Location", location);
    http_add_header(resp, "Referrer-Policy", "same-origin");
}

void web_error_page(platform *p, http_response *resp, int status, const char *ko,
                    const char *en, const char *back)
{
    buf b;

    buf_init(&b, 2048);
    platform_pages_error(&b, p->name, ko, en, back);
    web_reply_page(resp, status, &b);
}

/* id_hash = hex(SHA-256(cookie value)). Returns -1 when the cookie is not
 * one of ours in form. */
static int session_hash(const char *cookie, char out[65])
{
    uint8_t h[SHA256_LEN];

    if (!cookie || strlen(cookie) != 64 || !ci_rk_ok(cookie, 64))
        return -1;
    sha256(cookie, 64, h);
    hex_encode(out, h, sizeof h);
    return 0;
}

/* The hash of the browser's device cookie into out: out, or NULL when it
 * has none of ours (platform_db_devices.c). */
static const char *device_of(const http_request *req, char out[65])
{
    return session_hash(http_cookie(req, DEVICE_COOKIE), out) == 0 ? out : NULL;
}

/* The member of the session whose id hashes to hash: 1, 0 (expired or
 * unknown session), or -1 when the database failed (the session may be
 * good: not a reason to send the member to sign in again). */
static int session_member(platform *p, const char *hash, member *m)
{
    long long id;
    int found = 0;

    pthread_mutex_lock(&p->lock);
    id = platform_db_session_member(p->db, hash, clock_now_ms());
    if (id > 0)
        found = platform_db_member_by_id(p->db, id, m);
    else if (id < 0)
        found = -1;
    pthread_mutex_unlock(&p->lock);
    return found;
}

/* A fault of ours (the database), in the middle of what someone was
 * doing: 503, to be tried again, with a link back. */
void web_temporary_error(platform *p, http_response *resp, const char *back)
{
    web_error_page(p, resp, 503, "일시적인 오류입니다. 잠시 후 다시 시도하세요.",
                   "Temporary error: please try again in a moment.", back);
    http_add_header(resp, "Retry-After", "2");
}

static void temporary_error(platform *p, http_response *resp)
{
    web_temporary_error(p, resp, "/inbox");
}

/* Sets a cookie with our attributes: Secure when the public URL is https. */
static void set_cookie(platform *p, http_response *resp, const char *name, const char *value,
                       long max_age_s)
{
    char cookie[256], age[40] = "";

    if (max_age_s >= 0)
        snprintf(age, sizeof age, "; Max-Age=%ld", max_age_s);
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/%s; HttpOnly; SameSite=Strict%s", name, value,
             age, p->secure_cookie ? "; Secure" : "");
    http_add_header(resp, "Set-Cookie", cookie);
    secure_wipe(cookie, sizeof cookie);
}

/* A cookie value of ours in form: 64 lower-case hex digits. */
static int cookie_ok(const char *v)
{
    return v && strlen(v) == 64 && ci_rk_ok(v, 64);
}

/* The token of the sign-in and sign-up forms, bound to the browser's
 * pre-session cookie; one is made and set when it has none. */
void web_pre_token(platform *p, const http_request *req, http_response *resp,
                   char token[CSRF_TOKEN_LEN + 1])
{
    const char *have = http_cookie(req, PRE_COOKIE);
    uint8_t raw[32];
    char fresh[65];

    if (!cookie_ok(have)) {
        random_bytes(raw, sizeof raw);
        hex_encode(fresh, raw, sizeof raw);
        set_cookie(p, resp, PRE_COOKIE, fresh, -1);
        have = fresh;
    }
    csrf_token(p->csrf_key, CSRF_PRE_SESSION, have, token);
}

/* The source an attempt is counted against (http_source.h). */
void web_source_of(const http_request *req, char out[SOURCE_MAX])
{
    http_client_source(req, out);
}

/* Every POST of the pages: from our own origin (Origin, else Referer), or
 * 403. Checked before the body is parsed. */
int web_from_our_origin(platform *p, const http_request *req, http_response *resp)
{
    const char *origin = http_header(req, "Origin"), *referer = http_header(req, "Referer");
    char source[SOURCE_MAX];

    if (csrf_origin_ok(p->public_origin, origin, referer))
        return 1;
    web_source_of(req, source);
    log_warn("refused POST %s from %s: origin %.100s, referer %.100s", req->path, source,
             origin ? origin : "(none)", referer ? referer : "(none)");
    web_error_page(p, resp, 403, "다른 사이트에서 보낸 요청은 받지 않습니다.",
                   "Refused: this request did not come from our pages.", "/");
    return 0;
}

/* The form's token must be the one for the cookie it is bound to. */
int web_token_ok(platform *p, const http_request *req, http_response *resp, const form *f,
                 csrf_binding kind, const char *bound)
{
    char source[SOURCE_MAX];

    if (csrf_token_ok(p->csrf_key, kind, bound, form_get(f, CSRF_FIELD)))
        return 1;
    web_source_of(req, source);
    log_warn("refused POST %s from %s: missing or wrong form token", req->path, source);
    web_error_page(p, resp, 403, "페이지가 만료되었습니다. 다시 열어서 시도하세요.",
                   "This form has expired or is not ours: reload the page and try again.", "/");
    return 0;
}

/* A new cookie value (32 random bytes in hex) and the hash stored of it. */
static void new_cookie_id(char id[65], char hash[65])
{
    uint8_t raw[32];

    random_bytes(raw, sizeof raw);
    hex_encode(id, raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    session_hash(id, hash);
}

int web_new_session(platform *p, http_response *resp, const member *m)
{
    char id[65], hash[65];
    int rc;

    new_cookie_id(id, hash);
    pthread_mutex_lock(&p->lock);
    rc = platform_db_session_insert(p->db, hash, m, clock_now_ms() + p->session_ttl_s * 1000);
    pthread_mutex_unlock(&p->lock);
    if (rc == 0)
        set_cookie(p, resp, SESSION_COOKIE, id, p->session_ttl_s);
    secure_wipe(id, sizeof id);
    return rc;
}

/* After a sign-in, the browser is m's device (a new cookie when it held
 * none of m's); without it the sign-in still stands, and the browser is
 * spaced like any other next time. */
static void remember_device(platform *p, const http_request *req, http_response *resp,
                            const member *m)
{
    char have[65], id[65], hash[65];
    int rc;

    new_cookie_id(id, hash);
    pthread_mutex_lock(&p->lock);
    rc = platform_db_device_remember(p->db, m, device_of(req, have), hash, clock_now_ms());
    pthread_mutex_unlock(&p->lock);
    if (rc == 1)
        set_cookie(p, resp, DEVICE_COOKIE, id, (long)(PLATFORM_DEVICE_MS / 1000));
    else if (rc < 0)
        log_warn("sign-in: the browser could not be remembered as the member's (database "
                 "error)");
    secure_wipe(id, sizeof id);
}

void web_sign_in(platform *p, const http_request *req, http_response *resp, const member *m)
{
    int rc = web_new_session(p, resp, m);

    if (rc == 0)
        remember_device(p, req, resp, m);
    if (rc == 0)
        web_redirect(resp, "/inbox");
    else if (rc > 0) /* the member changed while the PIN was checked */
        web_login_page(p, req, resp, 401, "전화번호 또는 PIN이 맞지 않습니다.",
                       "Wrong phone number or PIN.");
    else
        web_temporary_error(p, resp, "/");
}

void web_retry_after(http_response *resp, long long wait_ms)
{
    char v[24];

    snprintf(v, sizeof v, "%lld", (wait_ms + 999) / 1000);
    http_add_header(resp, "Retry-After", v);
}

int web_parse_form(platform *p, const http_request *req, http_response *resp, form *f,
                   const char *back)
{
    const char *why;

    if (form_parse(f, req->body, req->body_len, &why) == 0)
        return 0;
    web_error_page(p, resp, 400, "입력 형식이 올바르지 않습니다.", why, back);
    return -1;
}

void web_login_page(platform *p, const http_request *req, http_response *resp, int status,
                    const char *ko, const char *en)
{
    char token[CSRF_TOKEN_LEN + 1];
    buf b;

    web_pre_token(p, req, resp, token);
    buf_init(&b, 4096);
    platform_pages_login(&b, p->name, token, ko, en);
    web_reply_page(resp, status, &b);
}

static void sign_in_as(platform *p, const http_request *req, http_response *resp, member *m)
{
    char phone[PHONE_MAX_CHARS + 1], ko[512], en[512], source[SOURCE_MAX], code[32];
    char device[65];
    const char *phone_in, *pin;
    long long wait_ms = 0;
    login_verdict why = LOGIN_GO;
    pin_result r;
    form f;

    if (!web_from_our_origin(p, req, resp) || web_parse_form(p, req, resp, &f, "/") != 0)
        return;
    if (!web_token_ok(p, req, resp, &f, CSRF_PRE_SESSION, http_cookie(req, PRE_COOKIE))) {
        form_free(&f);
        return;
    }
    phone_in = form_get(&f, "phone");
    pin = form_get(&f, "pin");
    /* Cut to fit: a longer one is no code anyway (signup_code_read). */
    snprintf(code, sizeof code, "%s", form_get(&f, "code") ? form_get(&f, "code") : "");
    if (!phone_in || !pin || phone_normalize(phone_in, phone) != 0) {
        secure_wipe(code, sizeof code);
        form_free(&f);
        web_login_page(p, req, resp, 400, "전화번호는 숫자와 하이픈 10~13자입니다.",
                       "The phone number is 10-13 digits and hyphens.");
        return;
    }
    web_source_of(req, source);
    r = platform_signin_check(p, source, phone, pin, m, &wait_ms, &why, 0,
                              device_of(req, device));
    form_free(&f);
    if (r != PIN_OK) {
        int status = platform_signin_failure_text(r, why, wait_ms, ko, en, sizeof ko);
        secure_wipe(code, sizeof code);
        web_login_page(p, req, resp, status, ko, en);
        if (status == 503)
            web_retry_after(resp, 2000);
        if (r == PIN_LOCKED) {
            web_retry_after(resp, wait_ms);
            platform_signin_log_refusal("sign-in", phone, source, why, wait_ms);
        }
        return;
    }
    if (m->confirm_until[0])
        web_confirm_signup(p, req, resp, m, code);
    secure_wipe(code, sizeof code);
    if (m->confirm_until[0])
        return;
    web_sign_in(p, req, resp, m);
}

/* The member read for the PIN holds its hash and CI: wiped however the
 * sign-in ended. */
static void post_login(platform *p, const http_request *req, http_response *resp)
{
    member m;

    memset(&m, 0, sizeof m);
    sign_in_as(p, req, resp, &m);
    secure_wipe(&m, sizeof m);
}

/* The notice row if it exists and is the member's to see (not held
 * for their consent): 1, 0, or -1. */
static int find_notice(platform *p, const char *id, notice_row *n)
{
    int found;

    pthread_mutex_lock(&p->lock);
    found = platform_db_inbox_get(p->db, id, n);
    pthread_mutex_unlock(&p->lock);
    return found == 1 && n->pending ? 0 : found;
}

/* The member's own notice id into n: 1, or 0 with the answer given (503
 * for a database fault; 404 alike for someone else's notice and one that
 * does not exist). */
static int member_notice(platform *p, const member *m, const char *id, notice_row *n,
                         http_response *resp)
{
    int found = find_notice(p, id, n);

    if (found < 0) {
        temporary_error(p, resp);
        return 0;
    }
    if (found == 0 || n->member != m->id) {
        web_error_page(p, resp, 404, "고지를 찾을 수 없습니다.", "No such notice.", "/inbox");
        return 0;
    }
    return 1;
}

static void notice_page(platform *p, http_response *resp, int status, const notice_row *n,
                        const char *token, const char *ko, const char *en)
{
    buf b;

    buf_init(&b, 4096);
    platform_pages_notice(&b, p->name, n, token, ko, en);
    web_reply_page(resp, status, &b);
}

static void get_notice(platform *p, const member *m, const char *id, const char *token,
                       http_response *resp)
{
    notice_row n;

    if (!member_notice(p, m, id, &n, resp))
        return;
    notice_page(p, resp, 200, &n, token, NULL, NULL);
}

/* "link?token=T", or "&token=" when the link already has a query; before
 * a "#fragment", which the browser never sends (the token would not reach
 * the agency). */
static void redirect_with_token(http_response *resp, const char *link, const char *token)
{
    size_t base = strcspn(link, "#");
    buf loc;

    buf_init(&loc, strlen(link) + strlen(token) + 16);
    buf_append(&loc, link, base);
    buf_puts(&loc, memchr(link, '?', base) ? "&token=" : "?token=");
    buf_puts(&loc, token);
    buf_puts(&loc, link + base);
    if (loc.broken) {
        http_reply_error(resp, 500, "out of memory");
    } else {
        web_redirect(resp, loc.data);
    }
    buf_free(&loc);
}

static void open_notice(platform *p, const member *m, const char *id, const char *token,
                        const http_request *req, http_response *resp)
{
    char rk[RK_HEX_LEN + 1], vt[VIEW_TOKEN_MAX + 1], ko[512], en[512], now[25];
    char source[SOURCE_MAX], device[65];
    long long wait_ms = 0;
    login_verdict why = LOGIN_GO;
    view_token t;
    notice_row n;
    member again;
    pin_result r;
    form f;

    if (web_parse_form(p, req, resp, &f, "/inbox") != 0)
        return;
    if (!form_get(&f, "pin")) { /* a form without its field is no wrong PIN: nothing counts */
        form_free(&f);
        if (member_notice(p, m, id, &n, resp))
            notice_page(p, resp, 400, &n, token, "PIN을 입력하십시오.", "Enter your PIN.");
        return;
    }
    web_source_of(req, source);
    r = platform_signin_check(p, source, m->phone, form_get(&f, "pin"), &again, &wait_ms, &why,
                              1, device_of(req, device));
    secure_wipe(&again, sizeof again); /* only the check was wanted: it holds the PIN's hash */
    form_free(&f);
    /* Someone else's notice looks exactly like one that does not exist,
     * whatever the PIN. */
    if (!member_notice(p, m, id, &n, resp))
        return;
    if (r != PIN_OK) {
        int status = platform_signin_failure_text(r, why, wait_ms, ko, en, sizeof ko);
        notice_page(p, resp, status, &n, token, ko, en);
        if (status == 503)
            web_retry_after(resp, 2000);
        if (r == PIN_LOCKED) {
            web_retry_after(resp, wait_ms);
            platform_signin_log_refusal("opening a notice", m->phone, source, why, wait_ms);
        }
        return;
    }
    /* The binding that matters: this member's CI is the recipient's. */
    ci_rk(m->ci, rk);
    if (!strcmp(rk, n.rk) && n.withdrawn_at[0]) { /* cancelled: no view token */
        notice_page(p, resp, 410, &n, token, "보낸 기관이 이 고지를 철회했습니다.",
                    "The agency withdrew this notice.");
        return;
    }
    if (strcmp(rk, n.rk) != 0) {
        log_warn("open refused: a member asked for a notice addressed to someone else");
        web_error_page(p, resp, 403, "본인에게 온 고지가 아닙니다.",
                       "This notice is not addressed to you.", "/inbox");
        return;
    }
    memset(&t, 0, sizeof t);
    snprintf(t.platform, sizeof t.platform, "%s", p->name);
    snprintf(t.notice, sizeof t.notice, "%s", n.notice);
    memcpy(t.rk, rk, sizeof t.rk);
    t.exp_ms = clock_now_ms() + p->view_token_ttl_s * 1000;
    if (view_token_issue(&t, p->view_sk, vt) != 0) {
        web_error_page(p, resp, 500, "일시적인 오류입니다.", "Cannot issue a view token.", "/inbox");
        return;
    }
    clock_rfc3339_ms(now, clock_now_ms());
    pthread_mutex_lock(&p->lock);
    int marked = platform_db_inbox_mark_read(p->db, n.notice, now);
    pthread_mutex_unlock(&p->lock);
    /* The member reads all the same (the agency reports the read to the
     * hub); only our mark is missing, which reminders go by. */
    if (marked != 0)
        log_error("open: cannot mark notice %s read here (database error); it may be"
                  " reminded until the agency reports the read", n.notice);
    redirect_with_token(resp, n.link, vt);
}

static void post_consent(platform *p, const member *m, const http_request *req,
                         http_response *resp)
{
    const char *v;
    int consent, rc = -1;
    form f;

    if (web_parse_form(p, req, resp, &f, "/inbox") != 0)
        return;
    v = form_get(&f, "consent");
    consent = v && !strcmp(v, "on");
    form_free(&f);
    pthread_mutex_lock(&p->lock);
    if (platform_db_begin(p->db) == 0) {
        rc = platform_members_set_consent_locked(p, m->id, consent, PLATFORM_KEEP_PREFERENCE);
        if (rc != 0 || platform_db_commit(p->db) != 0) {
            platform_db_rollback(p->db);
            rc = -1;
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (rc != 0) {
        temporary_error(p, resp);
        return;
    }
    platform_reports_wake(p);
    log_info("consent %s by member %lld", consent ? "given" : "withdrawn", m->id);
    web_redirect(resp, "/inbox");
}

static void post_logout(platform *p, const char *hash, http_response *resp)
{
    int rc;

    pthread_mutex_lock(&p->lock);
    rc = platform_db_session_delete(p->db, hash);
    pthread_mutex_unlock(&p->lock);
    if (rc < 0) { /* the session still works: saying "signed out" would be a lie */
        web_error_page(p, resp, 503, "로그아웃하지 못했습니다. 다시 시도해 주세요.",
                       "Could not sign you out: please try again.", "/inbox");
        return;
    }
    web_redirect(resp, "/");
    set_cookie(p, resp, SESSION_COOKIE, "", 0);
}

/* "/notices/ID..." (the only paths that reach here with an id): copies
 * ID; -1 when it is not a notice id's shape, so no lookup is tried. */
static int notice_id_of(const char *path, char id[65])
{
    const char *s = path + strlen("/notices/"), *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);

    if (n == 0 || n > 64)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-'))
            return -1;
    memcpy(id, s, n);
    id[n] = '\0';
    return 0;
}

typedef enum member_page { INBOX, CONSENT, NOTICE, OPEN, LOGOUT } member_page;

/* A member's POST: our origin, and the session's token in the form. The
 * form is read twice (here and by the handler): it is at most 64 KiB. */
static int member_post_ok(platform *p, const http_request *req, http_response *resp,
                          const char *hash)
{
    form f;
    int ok;

    if (!web_from_our_origin(p, req, resp) || web_parse_form(p, req, resp, &f, "/inbox") != 0)
        return 0;
    ok = web_token_ok(p, req, resp, &f, CSRF_SESSION, hash);
    form_free(&f);
    return ok;
}

/* The pages that need a signed-in member: without a session, back to the
 * sign-in form. */
static void with_member(void *role, const http_request *req, http_response *resp,
                        member_page page)
{
    platform *p = role;
    char id[65] = "", hash[65], token[CSRF_TOKEN_LEN + 1];
    member m;

    if ((page == NOTICE || page == OPEN) && notice_id_of(req->path, id) != 0) {
        http_reply_error(resp, 404, "no such page");
        return;
    }
    if (page != INBOX && page != NOTICE && !web_from_our_origin(p, req, resp))
        return;
    int in = session_hash(http_cookie(req, SESSION_COOKIE), hash) != 0 ? 0
             : session_member(p, hash, &m);
    if (in < 0) {
        temporary_error(p, resp);
        return;
    }
    if (in == 0) {
        web_redirect(resp, "/");
        return;
    }
    if (page != INBOX && page != NOTICE && !member_post_ok(p, req, resp, hash)) {
        secure_wipe(&m, sizeof m);
        return;
    }
    csrf_token(p->csrf_key, CSRF_SESSION, hash, token);
    switch (page) {
    case INBOX: web_inbox(p, &m, token, req, resp); break;
    case CONSENT: post_consent(p, &m, req, resp); break;
    case NOTICE: get_notice(p, &m, id, token, resp); break;
    case OPEN: open_notice(p, &m, id, token, req, resp); break;
    case LOGOUT: post_logout(p, hash, resp); break;
    }
    secure_wipe(&m, sizeof m);
}

PLATFORM_WEB_PAGE(platform_web_inbox)
{
    (void)caller;
    with_member(role, req, resp, INBOX);
}

PLATFORM_WEB_PAGE(platform_web_consent)
{
    (void)caller;
    with_member(role, req, resp, CONSENT);
}

PLATFORM_WEB_PAGE(platform_web_notice)
{
    (void)caller;
    with_member(role, req, resp, NOTICE);
}

PLATFORM_WEB_PAGE(platform_web_open)
{
    (void)caller;
    with_member(role, req, resp, OPEN);
}

PLATFORM_WEB_PAGE(platform_web_home)
{
    (void)caller;
    web_login_page(role, req, resp, 200, NULL, NULL);
}

PLATFORM_WEB_PAGE(platform_web_login)
{
    (void)caller;
    post_login(role, req, resp);
}

PLATFORM_WEB_PAGE(platform_web_logout)
{
    (void)caller;
    with_member(role, req, resp, LOGOUT);
}
