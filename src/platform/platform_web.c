/* platform_web.c -- the citizen pages: sign-up, sign-in, inbox, and
 * opening a notice.
 *
 * Sessions are random 32-byte ids in an HttpOnly, SameSite=Strict cookie;
 * the server keeps only their SHA-256, so a copy of the database opens no
 * session. Every PIN check (sign-in and opening a notice) goes through one
 * function that enforces the five-failures-per-fifteen-minutes rule per
 * phone, counting an attempt as failed before the hash is checked so that
 * parallel guesses cannot slip past the limit. */
#include "platform_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "log.h"
#include "login_attempts.h"
#include "phone.h"
#include "pin.h"
#include "platform.h"
#include "platform_members.h"
#include "platform_pages.h"
#include "platform_reports.h"
#include "view_token.h"

#define SESSION_COOKIE "herald_sid"
#define INBOX_LIMIT 200

typedef enum pin_result { PIN_OK, PIN_WRONG, PIN_LOCKED, PIN_ERROR } pin_result;

static void reply_page(http_response *resp, int status, buf *b)
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
    http_add_header(resp, "Referrer-Policy", "no-referrer");
}

static void redirect(http_response *resp, const char *location)
{
    http_reply_body(resp, 303, "text/html; charset=utf-8", strdup(""), 0);
    http_add_header(resp, "Location", location);
    http_add_header(resp, "Referrer-Policy", "no-referrer");
}

static void error_page(platform *p, http_response *resp, int status, const char *ko,
                       const char *en, const char *back)
{
    buf b;

    buf_init(&b, 2048);
    platform_pages_error(&b, p->name, ko, en, back);
    reply_page(resp, status, &b);
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

/* The signed-in member, or 0 (no, expired or unknown session). */
static int session_member(platform *p, const http_request *req, member *m)
{
    char hash[65];
    long long id;
    int found = 0;

    if (session_hash(http_cookie(req, SESSION_COOKIE), hash) != 0)
        return 0;
    pthread_mutex_lock(&p->lock);
    id = platform_db_session_member(p->db, hash, clock_now_ms());
    if (id > 0)
        found = platform_db_member_by_id(p->db, id, m) == 1;
    pthread_mutex_unlock(&p->lock);
    return found;
}

static int new_session(platform *p, http_response *resp, long long member)
{
    uint8_t raw[32];
    char id[65], hash[65], cookie[200];
    int rc;

    random_bytes(raw, sizeof raw);
    hex_encode(id, raw, sizeof raw);
    session_hash(id, hash);
    pthread_mutex_lock(&p->lock);
    rc = platform_db_session_insert(p->db, hash, member, clock_now_ms() + p->session_ttl_s * 1000);
    pthread_mutex_unlock(&p->lock);
    snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s; Path=/; Max-Age=%ld; HttpOnly; "
             "SameSite=Strict%s", id, p->session_ttl_s, p->secure_cookie ? "; Secure" : "");
    if (rc == 0)
        http_add_header(resp, "Set-Cookie", cookie);
    secure_wipe(id, sizeof id);
    secure_wipe(cookie, sizeof cookie);
    return rc;
}

/* Checks a PIN for a phone under the attempt limit. m gets the member
 * when there is one. */
static pin_result check_pin(platform *p, const char *phone, const char *pin, member *m,
                            long long *wait_ms)
{
    login_attempts a;
    long long now = clock_now_ms();
    int found, ok;

    pthread_mutex_lock(&p->lock);
    if (platform_db_attempts_get(p->db, phone, &a) != 0) {
        pthread_mutex_unlock(&p->lock);
        return PIN_ERROR;
    }
    *wait_ms = login_attempts_locked_for(&a, now);
    if (*wait_ms > 0) {
        pthread_mutex_unlock(&p->lock);
        return PIN_LOCKED;
    }
    login_attempts_record_failure(&a, now); /* taken back below if the PIN is right */
    found = platform_db_attempts_set(p->db, phone, &a) == 0
                ? platform_db_member_by_phone(p->db, phone, m)
                : -1;
    pthread_mutex_unlock(&p->lock);
    if (found < 0)
        return PIN_ERROR;
    ok = pin_ok(pin) && pwhash_verify(found ? m->pin_hash : p->dummy_pin_hash, pin, strlen(pin));
    if (!ok || !found)
        return PIN_WRONG;
    pthread_mutex_lock(&p->lock);
    platform_db_attempts_clear(p->db, phone);
    pthread_mutex_unlock(&p->lock);
    return PIN_OK;
}

/* Bilingual text for a failed PIN check; returns the status to answer. */
static int pin_failure_text(pin_result r, long long wait_ms, char *ko, char *en, size_t len)
{
    long minutes = (long)((wait_ms + 59999) / 60000);

    if (r == PIN_LOCKED) {
        snprintf(ko, len, "PIN을 5회 잘못 입력하여 잠겼습니다. %ld분 후에 다시 시도하세요.", minutes);
        snprintf(en, len, "Too many wrong PINs (5 in 15 minutes): locked. Try again in %ld "
                 "minute%s.", minutes, minutes == 1 ? "" : "s");
        return 429;
    }
    if (r == PIN_WRONG) {
        snprintf(ko, len, "전화번호 또는 PIN이 맞지 않습니다.");
        snprintf(en, len, "Wrong phone number or PIN.");
        return 401;
    }
    snprintf(ko, len, "일시적인 오류입니다. 잠시 후 다시 시도하세요.");
    snprintf(en, len, "Temporary error. Please try again shortly.");
    return 500;
}

static int parse_form(platform *p, const http_request *req, http_response *resp, form *f,
                      const char *back)
{
    const char *why;

    if (form_parse(f, req->body, req->body_len, &why) == 0)
        return 0;
    error_page(p, resp, 400, "입력 형식이 올바르지 않습니다.", why, back);
    return -1;
}

static void login_page(platform *p, http_response *resp, int status, const char *ko,
                       const char *en)
{
    buf b;

    buf_init(&b, 4096);
    platform_pages_login(&b, p->name, ko, en);
    reply_page(resp, status, &b);
}

static void post_login(platform *p, const http_request *req, http_response *resp)
{
    char phone[PHONE_MAX_CHARS + 1], ko[256], en[256];
    const char *phone_in, *pin;
    long long wait_ms = 0;
    pin_result r;
    member m;
    form f;

    if (parse_form(p, req, resp, &f, "/") != 0)
        return;
    phone_in = form_get(&f, "phone");
    pin = form_get(&f, "pin");
    if (!phone_in || !pin || phone_normalize(phone_in, phone) != 0) {
        form_free(&f);
        login_page(p, resp, 400, "전화번호는 숫자와 하이픈 10~13자입니다.",
                   "The phone number is 10-13 digits and hyphens.");
        return;
    }
    r = check_pin(p, phone, pin, &m, &wait_ms);
    form_free(&f);
    if (r != PIN_OK) {
        int status = pin_failure_text(r, wait_ms, ko, en, sizeof ko);
        login_page(p, resp, status, ko, en);
        if (r == PIN_LOCKED)
            log_warn("sign-in refused: phone locked after repeated wrong PINs");
        return;
    }
    if (new_session(p, resp, m.id) != 0) {
        error_page(p, resp, 500, "일시적인 오류입니다.", "Temporary error.", "/");
        return;
    }
    redirect(resp, "/inbox");
}

typedef struct inbox_ctx {
    buf *b;
    int rows;
} inbox_ctx;

static void inbox_row(void *ctx, const notice_row *n)
{
    inbox_ctx *c = ctx;

    platform_pages_inbox_row(c->b, n);
    c->rows++;
}

static void get_inbox(platform *p, const member *m, http_response *resp)
{
    inbox_ctx c;
    buf b;
    int rc;

    buf_init(&b, 8192);
    c.b = &b;
    c.rows = 0;
    platform_pages_inbox_begin(&b, p->name, m);
    pthread_mutex_lock(&p->lock);
    rc = platform_db_inbox_list(p->db, m->id, INBOX_LIMIT, inbox_row, &c);
    pthread_mutex_unlock(&p->lock);
    platform_pages_inbox_end(&b, c.rows);
    if (rc != 0) {
        buf_free(&b);
        error_page(p, resp, 500, "일시적인 오류입니다.", "Temporary error.", "/inbox");
        return;
    }
    reply_page(resp, 200, &b);
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

static void notice_page(platform *p, http_response *resp, int status, const notice_row *n,
                        const char *ko, const char *en)
{
    buf b;

    buf_init(&b, 4096);
    platform_pages_notice(&b, p->name, n, ko, en);
    reply_page(resp, status, &b);
}

static void get_notice(platform *p, const member *m, const char *id, http_response *resp)
{
    notice_row n;

    /* Someone else's notice looks exactly like one that does not exist. */
    if (find_notice(p, id, &n) != 1 || n.member != m->id) {
        error_page(p, resp, 404, "고지를 찾을 수 없습니다.", "No such notice.", "/inbox");
        return;
    }
    notice_page(p, resp, 200, &n, NULL, NULL);
}

/* "link?token=T", or "&token=" when the link already has a query. */
static void redirect_with_token(http_response *resp, const char *link, const char *token)
{
    buf loc;

    buf_init(&loc, strlen(link) + strlen(token) + 16);
    buf_puts(&loc, link);
    buf_puts(&loc, strchr(link, '?') ? "&token=" : "?token=");
    buf_puts(&loc, token);
    if (loc.broken) {
        http_reply_error(resp, 500, "out of memory");
    } else {
        redirect(resp, loc.data);
    }
    buf_free(&loc);
}

static void open_notice(platform *p, const member *m, const char *id, const http_request *req,
                        http_response *resp)
{
    char rk[RK_HEX_LEN + 1], token[VIEW_TOKEN_MAX + 1], ko[256], en[256], now[25];
    long long wait_ms = 0;
    view_token t;
    notice_row n;
    member again;
    pin_result r;
    form f;

    if (parse_form(p, req, resp, &f, "/inbox") != 0)
        return;
    r = check_pin(p, m->phone, form_get(&f, "pin") ? form_get(&f, "pin") : "", &again, &wait_ms);
    form_free(&f);
    /* Someone else's notice looks exactly like one that does not exist,
     * whatever the PIN. */
    if (find_notice(p, id, &n) != 1 || n.member != m->id) {
        error_page(p, resp, 404, "고지를 찾을 수 없습니다.", "No such notice.", "/inbox");
        return;
    }
    if (r != PIN_OK) {
        notice_page(p, resp, pin_failure_text(r, wait_ms, ko, en, sizeof ko), &n, ko, en);
        return;
    }
    /* The binding that matters: this member's CI is the recipient's. */
    ci_rk(m->ci, rk);
    if (strcmp(rk, n.rk) != 0) {
        log_warn("open refused: a member asked for a notice addressed to someone else");
        error_page(p, resp, 403, "본인에게 온 고지가 아닙니다.",
                   "This notice is not addressed to you.", "/inbox");
        return;
    }
    memset(&t, 0, sizeof t);
    snprintf(t.platform, sizeof t.platform, "%s", p->name);
    snprintf(t.notice, sizeof t.notice, "%s", n.notice);
    memcpy(t.rk, rk, sizeof t.rk);
    t.exp_ms = clock_now_ms() + p->view_token_ttl_s * 1000;
    if (view_token_issue(&t, p->view_sk, token) != 0) {
        error_page(p, resp, 500, "일시적인 오류입니다.", "Cannot issue a view token.", "/inbox");
        return;
    }
    clock_rfc3339_ms(now, clock_now_ms());
    pthread_mutex_lock(&p->lock);
    platform_db_inbox_mark_read(p->db, n.notice, now);
    pthread_mutex_unlock(&p->lock);
    redirect_with_token(resp, n.link, token);
}

static void post_consent(platform *p, const member *m, const http_request *req,
                         http_response *resp)
{
    const char *v;
    int consent, rc = -1;
    form f;

    if (parse_form(p, req, resp, &f, "/inbox") != 0)
        return;
    v = form_get(&f, "consent");
    consent = v && !strcmp(v, "on");
    form_free(&f);
    pthread_mutex_lock(&p->lock);
    if (platform_db_begin(p->db) == 0) {
        rc = platform_members_set_consent_locked(p, m->id, consent, m->preference);
        if (rc != 0 || platform_db_commit(p->db) != 0) {
            platform_db_rollback(p->db);
            rc = -1;
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (rc != 0) {
        error_page(p, resp, 500, "일시적인 오류입니다.", "Temporary error.", "/inbox");
        return;
    }
    platform_reports_wake(p);
    log_info("consent %s by member %lld", consent ? "given" : "withdrawn", m->id);
    redirect(resp, "/inbox");
}

static void signup_page(platform *p, http_response *resp, int status, const char *ko,
                        const char *en, const char *detail)
{
    buf b;

    buf_init(&b, 8192);
    platform_pages_signup(&b, p->name, ko, en, detail);
    reply_page(resp, status, &b);
}

static void post_signup(platform *p, const http_request *req, http_response *resp)
{
    signup s;
    form f;

    if (parse_form(p, req, resp, &f, "/signup") != 0)
        return;
    memset(&s, 0, sizeof s);
    s.name = form_get(&f, "name");
    s.phone = form_get(&f, "phone");
    s.rrn = form_get(&f, "rrn");
    s.pin = form_get(&f, "pin");
    s.consent = form_get(&f, "consent") && !strcmp(form_get(&f, "consent"), "on");
    s.preference = 1;
    s.verified = 0; /* typing an RRN proves nothing: the back office verifies later */
    platform_members_signup(p, &s, 1);
    form_free(&f); /* wipes the RRN and the PIN */
    if (!s.member) {
        signup_page(p, resp, 400, "가입하지 못했습니다.", "Sign-up failed.", s.error);
        return;
    }
    platform_reports_wake(p);
    log_info("member %lld signed up on the web", s.member);
    if (new_session(p, resp, s.member) != 0) {
        redirect(resp, "/");
        return;
    }
    redirect(resp, "/inbox");
}

static void post_logout(platform *p, const http_request *req, http_response *resp)
{
    char hash[65];

    if (session_hash(http_cookie(req, SESSION_COOKIE), hash) == 0) {
        pthread_mutex_lock(&p->lock);
        platform_db_session_delete(p->db, hash);
        pthread_mutex_unlock(&p->lock);
    }
    redirect(resp, "/");
    http_add_header(resp, "Set-Cookie", SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
                    "SameSite=Strict");
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

typedef enum member_page { INBOX, CONSENT, NOTICE, OPEN } member_page;

/* The pages that need a signed-in member: without a session, back to the
 * sign-in form. */
static void with_member(void *role, const http_request *req, http_response *resp,
                        member_page page)
{
    platform *p = role;
    char id[65] = "";
    member m;

    if ((page == NOTICE || page == OPEN) && notice_id_of(req->path, id) != 0) {
        http_reply_error(resp, 404, "no such page");
        return;
    }
    if (!session_member(p, req, &m)) {
        redirect(resp, "/");
        return;
    }
    switch (page) {
    case INBOX: get_inbox(p, &m, resp); break;
    case CONSENT: post_consent(p, &m, req, resp); break;
    case NOTICE: get_notice(p, &m, id, resp); break;
    case OPEN: open_notice(p, &m, id, req, resp); break;
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
    (void)req;
    login_page(role, resp, 200, NULL, NULL);
}

PLATFORM_WEB_PAGE(platform_web_login)
{
    (void)caller;
    post_login(role, req, resp);
}

PLATFORM_WEB_PAGE(platform_web_signup_form)
{
    (void)caller;
    (void)req;
    signup_page(role, resp, 200, NULL, NULL, NULL);
}

PLATFORM_WEB_PAGE(platform_web_signup)
{
    (void)caller;
    post_signup(role, req, resp);
}

PLATFORM_WEB_PAGE(platform_web_logout)
{
    (void)caller;
    post_logout(role, req, resp);
}
