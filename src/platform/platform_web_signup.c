/* platform_web_signup.c -- the public sign-up page, and the first
 * sign-in that proves a web sign-up's phone with the code sent to it
 * (signup_code.h).
 *
 * A web sign-up answers the same page whatever became of it; the outcome
 * goes to the phone it concerns (platform_alert.h), so the page tells no
 * one who is a member. The code goes the same way, so only the phone's
 * owner can confirm, and only with the PIN the sign-up chose. */
#include "platform_web.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "login_guard.h"
#include "phone.h"
#include "platform_members.h"
#include "platform_pages.h"
#include "platform_reports.h"
#include "platform_signin.h"
#include "platform_web_internal.h"
#include "signup_code.h"
#include "signup_limit.h"
#include "sms_channel.h"

static void code_page(platform *p, const http_request *req, http_response *resp,
                      const char *ko, const char *en)
{
    char token[CSRF_TOKEN_LEN + 1];
    buf b;

    web_pre_token(p, req, resp, token);
    buf_init(&b, 4096);
    platform_pages_login_code(&b, p->name, token, ko, en);
    web_reply_page(resp, 401, &b);
}

/* What a first sign-in with the right PIN does to a web sign-up whose
 * phone is not yet proved (signup_code.h). */
typedef enum confirm_step {
    CONFIRM_ASK,
    CONFIRM_LAPSED,
    CONFIRM_DONE,
    CONFIRM_WRONG,
    CONFIRM_GONE, /* replaced or dropped since it was read */
} confirm_step;

static confirm_step confirm_step_of(const member *m, const char *typed)
{
    char now[25], code[SIGNUP_CODE_DIGITS + 1];
    int right;

    clock_rfc3339_ms(now, clock_now_ms());
    if (strcmp(m->confirm_until, now) < 0)
        return CONFIRM_LAPSED;
    if (!typed[0])
        return CONFIRM_ASK;
    right = signup_code_read(typed, code) == 0 &&
            signup_code_matches(m->phone, code, m->confirm_hash);
    secure_wipe(code, sizeof code);
    return right ? CONFIRM_DONE : CONFIRM_WRONG;
}

/* The PIN was right; the code decides. Lapsed and spent sign-ups are
 * dropped, so the phone and the person are free for a new one. */
void web_confirm_signup(platform *p, const http_request *req, http_response *resp,
                        const member *m, const char *typed)
{
    char masked[LOGIN_GUARD_MASKED_MAX], ko[256], en[256];
    confirm_step step = confirm_step_of(m, typed);
    int rc = 0;

    login_guard_mask_phone(m->phone, masked);
    if (step == CONFIRM_ASK) {
        code_page(p, req, resp, "휴대전화로 받은 가입 확인 코드를 PIN과 함께 입력하세요.",
                  "Give the sign-up code sent to your phone with your PIN.");
        return;
    }
    pthread_mutex_lock(&p->lock);
    if (step == CONFIRM_LAPSED)
        rc = platform_db_member_drop_unconfirmed(p->db, m->id, m->confirm_hash);
    else if (step == CONFIRM_DONE)
        rc = platform_db_member_confirm(p->db, m->id, m->confirm_hash);
    else
        rc = platform_db_member_code_wrong(p->db, m->id, m->confirm_hash);
    pthread_mutex_unlock(&p->lock);
    if ((step == CONFIRM_DONE && rc == 0) || (step == CONFIRM_WRONG && rc == -2))
        step = CONFIRM_GONE;
    else if (step == CONFIRM_LAPSED && rc == 0)
        step = CONFIRM_GONE; /* its row is another's now: nothing dropped */
    if (rc < 0 && step != CONFIRM_GONE) {
        web_error_page(p, resp, 503, "일시적인 오류입니다. 잠시 후 다시 시도하세요.",
                       "Temporary error. Please try again shortly.", "/");
        web_retry_after(resp, 5000);
        return;
    }
    if (step == CONFIRM_DONE) {
        log_info("sign-up of %s confirmed: its phone proved by the code", masked);
        web_sign_in(p, req, resp, m);
        return;
    }
    if (step == CONFIRM_GONE) {
        web_login_page(p, req, resp, 401,
                       "이 가입 신청은 더 이상 확인을 기다리지 않습니다(새 신청으로 바뀌었거나 "
                       "취소됨). 다시 가입하세요.",
                       "This sign-up no longer waits for its code (a newer one replaced it, or "
                       "it was cancelled): sign up again.");
        return;
    }
    if (step == CONFIRM_LAPSED) {
        log_info("sign-up of %s dropped at sign-in: its code lapsed", masked);
        web_login_page(p, req, resp, 401,
                       "가입 확인 시간(30분)이 지나 가입 신청이 취소되었습니다. 다시 가입하세요.",
                       "The sign-up was not confirmed within 30 minutes and is cancelled: sign "
                       "up again.");
        return;
    }
    if (rc == 0) {
        log_info("sign-up of %s dropped at sign-in: too many wrong codes", masked);
        web_login_page(p, req, resp, 401,
                       "가입 확인 코드가 여러 번 틀려 가입 신청이 취소되었습니다. 다시 가입하세요.",
                       "Too many wrong sign-up codes: the sign-up is cancelled. Sign up again.");
        return;
    }
    log_warn("sign-up of %s: a wrong code at sign-in (%d tries left)", masked, rc);
    snprintf(ko, sizeof ko, "가입 확인 코드가 맞지 않습니다. 남은 횟수: %d", rc);
    snprintf(en, sizeof en, "Wrong sign-up code: %d tr%s left.", rc, rc == 1 ? "y" : "ies");
    code_page(p, req, resp, ko, en);
}

static void signup_page(platform *p, const http_request *req, http_response *resp, int status,
                        const char *ko, const char *en, const char *detail)
{
    char token[CSRF_TOKEN_LEN + 1];
    buf b;

    web_pre_token(p, req, resp, token);
    buf_init(&b, 8192);
    platform_pages_signup(&b, p->name, token, ko, en, detail);
    web_reply_page(resp, status, &b);
}

/* Every PIN-check slot was taken: nothing stored, try again in a moment. */
static void signup_busy(platform *p, const http_request *req, http_response *resp)
{
    char ko[256], en[256];

    platform_signin_failure_text(PIN_BUSY, LOGIN_GO, 0, ko, en, sizeof ko);
    signup_page(p, req, resp, 503, ko, en, NULL);
    web_retry_after(resp, 2000);
}

/* Counts a sign-up against its source's window: 0, or the ms to wait. */
static long long signup_allowed(platform *p, const char *source)
{
    signup_window w;
    long long wait = -1;

    pthread_mutex_lock(&p->lock);
    if (platform_db_signup_window(p->db, source, &w) == 0 &&
        (wait = signup_limit_take(&w, clock_now_ms())) == 0 &&
        platform_db_signup_window_set(p->db, source, &w) != 0)
        wait = -1;
    pthread_mutex_unlock(&p->lock);
    return wait;
}

static void log_signup(const char *source, const signup *s, const char *phone_in)
{
    char phone[PHONE_MAX_CHARS + 1], masked[LOGIN_GUARD_MASKED_MAX];

    if (phone_normalize(phone_in, phone) != 0)
        snprintf(phone, sizeof phone, "?");
    login_guard_mask_phone(phone, masked);
    if (s->member)
        log_info("web sign-up from %s for %s: member %lld, its code sent by message", source,
                 masked, s->member);
    else if (s->taken == 3)
        log_info("web sign-up from %s for %s: nobody stored and nothing replaced, the phone "
                 "was sent its sign-up messages for today", source, masked);
    else
        log_info("web sign-up from %s for %s: %s, %s", source, masked,
                 s->taken == 1 ? "phone taken" : "person already a member",
                 s->told ? "told by message to the holder"
                         : "the holder not told (their phone had its sign-up messages today)");
}

static void post_signup(platform *p, const http_request *req, http_response *resp)
{
    char source[WEB_SOURCE_MAX], token[CSRF_TOKEN_LEN + 1], wk[32], we[32], ko[256], en[256];
    long long wait;
    signup s;
    form f;
    buf b;

    if (!web_from_our_origin(p, req, resp) || web_parse_form(p, req, resp, &f, "/signup") != 0)
        return;
    if (!web_token_ok(p, req, resp, &f, CSRF_PRE_SESSION, http_cookie(req, WEB_PRE_COOKIE))) {
        form_free(&f);
        return;
    }
    memset(&s, 0, sizeof s);
    s.name = form_get(&f, "name");
    s.phone = form_get(&f, "phone");
    s.rrn = form_get(&f, "rrn");
    s.pin = form_get(&f, "pin");
    s.consent = form_get(&f, "consent") && !strcmp(form_get(&f, "consent"), "on");
    s.preference = 1;
    s.verified = 0; /* typing an RRN proves nothing: the back office verifies later */
    s.tell = 1;     /* the outcome goes to a phone, never to this page */
    s.capped = 1;   /* its PIN hash among the sign-ins' (a flood of sign-ups) */
    /* A form mistaken here costs no idsvc call and sends no message: it
     * does not use up the network's sign-ups (many share one address). */
    if (platform_members_signup_check(&s) != 0) {
        form_free(&f); /* wipes the RRN and the PIN */
        signup_page(p, req, resp, 400, "가입하지 못했습니다.", "Sign-up failed.", s.error);
        return;
    }
    /* Every PIN-check slot hashing: busy before the idsvc call and the
     * source's count, which a flood would spend for nothing. */
    if (platform_pin_slots_full(p)) {
        form_free(&f);
        signup_busy(p, req, resp);
        return;
    }
    web_source_of(req, source);
    if ((wait = signup_allowed(p, source)) != 0) {
        form_free(&f);
        if (wait < 0) {
            signup_page(p, req, resp, 503, "일시적인 오류입니다.", "Temporary error.", NULL);
            web_retry_after(resp, 2000);
            return;
        }
        platform_signin_wait_text(wait, wk, we, sizeof wk);
        snprintf(ko, sizeof ko, "이 네트워크에서 가입 신청이 너무 많습니다. %s 후에 다시 시도하세요.",
                 wk);
        snprintf(en, sizeof en, "Too many sign-ups from this network: try again in %s.", we);
        signup_page(p, req, resp, 429, ko, en, NULL);
        web_retry_after(resp, wait);
        log_warn("web sign-up refused from %s: more than %d in an hour", source,
                 SIGNUP_LIMIT_PER_SOURCE);
        return;
    }
    signup_outcome done = platform_members_signup(p, &s, 1);
    if (s.member || s.taken)
        log_signup(source, &s, s.phone);
    form_free(&f); /* wipes the RRN and the PIN */
    /* Faults are ours, not the form's (and say nothing of who is a member). */
    if (done == SIGNUP_BUSY) { /* the slots filled during the idsvc call: it counted */
        signup_busy(p, req, resp);
        return;
    }
    if (done == SIGNUP_NO_IDSVC) {
        signup_page(p, req, resp, 503, "본인 확인 서비스가 응답하지 않습니다. 잠시 후 다시 시도하세요.",
                    "The identity service is not answering: try again in a moment.", NULL);
        web_retry_after(resp, 5000);
        return;
    }
    if (done == SIGNUP_FAILED) {
        signup_page(p, req, resp, 503, "일시적인 오류입니다.", "Temporary error.", NULL);
        web_retry_after(resp, 2000);
        return;
    }
    if (!s.member && !s.taken) { /* what the form said wrong */
        signup_page(p, req, resp, 400, "가입하지 못했습니다.", "Sign-up failed.", s.error);
        return;
    }
    if (p->sms)
        sms_channel_wake(p->sms);
    platform_reports_wake(p);
    web_pre_token(p, req, resp, token);
    buf_init(&b, 4096);
    platform_pages_signup_received(&b, p->name, token);
    web_reply_page(resp, 200, &b);
}

PLATFORM_WEB_PAGE(platform_web_signup_form)
{
    (void)caller;
    signup_page(role, req, resp, 200, NULL, NULL, NULL);
}

PLATFORM_WEB_PAGE(platform_web_signup)
{
    (void)caller;
    post_signup(role, req, resp);
}
