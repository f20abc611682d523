/* platform_alert.c -- see platform_alert.h. */
#include "platform_alert.h"

#include <string.h>

#include "clock.h"
#include "log.h"
#include "platform_db.h"
#include "signup_limit.h"

/* Every alert goes to the platform's one channel; the outbox row names
 * it (design.md §3). */
static const char *channel_of(const platform *p)
{
    return p->channel;
}

const char *platform_alert_kind_name(platform_alert_kind k)
{
    switch (k) {
    case PLATFORM_ALERT_REMINDER: return "reminder";
    case PLATFORM_ALERT_PRE_NOTICE: return "pre_notice";
    case PLATFORM_ALERT_SIGNUP: return "signup";
    default: return "alert";
    }
}

/* Pieces rather than one printf: formatting was 6% of a relay's time. */
static void new_text(const platform *p, const notice_row *row, buf *b)
{
    buf_puts(b, "[");
    buf_puts(b, p->name);
    buf_puts(b, "] 모바일 전자고지가 도착했습니다: ");
    buf_puts(b, row->title);
    buf_puts(b, " (");
    buf_puts(b, row->agency);
    buf_puts(b, "). ");
    buf_puts(b, p->public_url);
    buf_puts(b, " 에서 확인하세요. / New official notice: ");
    buf_puts(b, row->title);
    buf_puts(b, " (");
    buf_puts(b, row->agency);
    buf_puts(b, "). Read it at ");
    buf_puts(b, p->public_url);
}

static void reminder_text(const platform *p, const notice_row *row, buf *b)
{
    buf_puts(b, "[");
    buf_puts(b, p->name);
    buf_puts(b, "] 아직 열람하지 않은 전자고지가 있습니다: ");
    buf_puts(b, row->title);
    buf_puts(b, " (");
    buf_puts(b, row->agency);
    buf_puts(b, "). ");
    buf_puts(b, p->public_url);
    buf_puts(b, " 에서 확인하세요. / Reminder: your official notice ");
    buf_puts(b, row->title);
    buf_puts(b, " (");
    buf_puts(b, row->agency);
    buf_puts(b, ") is still unread. Read it at ");
    buf_puts(b, p->public_url);
}

static void pre_notice_text(const platform *p, const notice_row *row, buf *b)
{
    buf_puts(b, "[");
    buf_puts(b, p->name);
    buf_puts(b, "] 공공기관(");
    buf_puts(b, row->agency);
    buf_puts(b, ")의 전자고지가 도착했습니다. 수신에 동의하시면 여기서 받아보실 수 있습니다: ");
    buf_puts(b, p->public_url);
    buf_puts(b, " / An official notice from ");
    buf_puts(b, row->agency);
    buf_puts(b, " awaits; consent to receive it here: ");
    buf_puts(b, p->public_url);
}

/* The SMS texts say it once and in Korean alone, since every 67 UTF-16
 * units past the first 70 is one more segment the carrier bills
 * (sms_text.h); a short title keeps an alert to one. */
static void sms_text_of(const platform *p, const notice_row *row, platform_alert_kind k, buf *b)
{
    buf_puts(b, "[");
    buf_puts(b, p->name);
    if (k == PLATFORM_ALERT_PRE_NOTICE) {
        buf_puts(b, "] 공공기관(");
        buf_puts(b, row->agency);
        buf_puts(b, ") 전자고지 도착. 수신 동의 후 열람: ");
        buf_puts(b, p->public_url);
        return;
    }
    buf_puts(b, k == PLATFORM_ALERT_REMINDER ? "] 미열람 전자고지: " : "] 전자고지 도착: ");
    buf_puts(b, row->title);
    buf_puts(b, " (");
    buf_puts(b, row->agency);
    buf_puts(b, ") ");
    buf_puts(b, p->public_url);
}

void platform_alert_text(const platform *p, const notice_row *row, platform_alert_kind k,
                         buf *b)
{
    if (p->has_sms) {
        sms_text_of(p, row, k, b);
        return;
    }
    switch (k) {
    case PLATFORM_ALERT_REMINDER: reminder_text(p, row, b); break;
    case PLATFORM_ALERT_PRE_NOTICE: pre_notice_text(p, row, b); break;
    default: new_text(p, row, b); break;
    }
}

int platform_alert_queue(platform *p, const notice_row *row, platform_alert_kind k,
                         const char *phone, const char *at, buf *scratch)
{
    scratch->len = 0;
    platform_alert_text(p, row, k, scratch);
    if (scratch->broken)
        return -1;
    if (k == PLATFORM_ALERT_NEW) /* the relay's path: the statement it always used */
        return platform_db_outbox_insert(p->db, row->notice, channel_of(p), phone,
                                         scratch->data, at);
    return platform_db_outbox_insert_kind(p->db, platform_alert_kind_name(k), row->notice,
                                          channel_of(p), phone, scratch->data, at);
}

/* Korean first; the SMS channel gets the Korean alone (the done one, with
 * its code and what to do with it, takes two segments; the code comes in
 * the first). */
static const char *const signup_ko[] = {
    "가입 확인 코드 %s. 30분 안에 처음 로그인할 때 PIN과 함께 입력하세요. 본인이 신청하지 "
    "않았다면 무시하세요. ",
    "이 번호로 가입 신청이 있었으나 이미 가입된 번호입니다. 본인이 아니면 무시하세요. ",
    ("회원님 명의로 새 가입 신청이 있었으나 이미 가입되어 있습니다. 본인이 아니면 고객센터에 "
     "알려주세요. "),
};
static const char *const signup_en[] = {
    (" / Your sign-up code is %s: give it with your PIN when you first sign in, within 30 "
     "minutes. If you did not sign up, ignore this. "),
    (" / Someone asked to sign up with this number, which already has an account; if it was "
     "not you, ignore this. "),
    (" / Someone asked to sign up in your name, but you are already a member; if it was not "
     "you, tell our customer service. "),
};

/* One language's text: the code, when there is one, where it says %s. */
static void signup_line(buf *b, const char *text, const char *code)
{
    const char *at = strstr(text, "%s");

    if (!at || !code) {
        buf_puts(b, text);
        return;
    }
    buf_append(b, text, (size_t)(at - text));
    buf_puts(b, code);
    buf_puts(b, at + 2);
}

void platform_alert_signup_text(const platform *p, platform_signup_outcome o, const char *code,
                                buf *b)
{
    buf_puts(b, "[");
    buf_puts(b, p->name);
    buf_puts(b, "] ");
    signup_line(b, signup_ko[o], code);
    buf_puts(b, p->public_url);
    if (p->has_sms)
        return;
    signup_line(b, signup_en[o], code);
    buf_puts(b, p->public_url);
}

int platform_alert_signup_room(platform *p, const char *phone)
{
    char since[25];
    int sent;

    /* Anyone may sign up with any phone: its owner is told, but only a
     * few times a day, however many sources try. */
    clock_rfc3339_ms(since, clock_now_ms() - SIGNUP_MESSAGES_WINDOW_MS);
    if ((sent = platform_db_signups_to_phone(p->db, phone, since)) < 0)
        return -1;
    if (sent >= SIGNUP_MESSAGES_PER_PHONE) {
        log_warn("signup: a phone told of %d sign-ups since %s is not told of another", sent,
                 since);
        return 0;
    }
    return 1;
}

int platform_alert_queue_signup(platform *p, platform_signup_outcome o, const char *code,
                                const char *phone, const char *at, buf *scratch)
{
    int room = platform_alert_signup_room(p, phone);

    if (room <= 0)
        return room;
    scratch->len = 0;
    platform_alert_signup_text(p, o, code, scratch);
    if (scratch->broken)
        return -1;
    /* Someone waits for it (a code lives 30 minutes): before any backlog
     * of notices' alerts, as an urgent notice's is. */
    return platform_db_outbox_insert_kind(p->db, platform_alert_kind_name(PLATFORM_ALERT_SIGNUP),
                                          "signup", channel_of(p), phone, scratch->data,
                                          at) == 0 &&
                   platform_db_outbox_mark_urgent(p->db) == 0
               ? 1
               : -1;
}
