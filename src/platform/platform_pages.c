/* platform_pages.c -- see platform_pages.h. */
#include "platform_pages.h"

#include <string.h>

#include "clock.h"
#include "html_page.h"

static const char style[] =
    "body{font-family:sans-serif;margin:0 auto;max-width:480px;padding:12px;"
    "line-height:1.5;color:#222}"
    "h1{font-size:1.3em}h2{font-size:1.1em}"
    "label{display:block;margin-top:10px}"
    "input[type=text],input[type=tel],input[type=password]{width:100%;box-sizing:border-box;"
    "padding:10px;font-size:1em}"
    "button{margin-top:12px;width:100%;padding:12px;font-size:1em}"
    ".en{color:#666;font-size:.9em}"
    ".msg{border:1px solid #c60;background:#fff4e5;padding:8px;margin:10px 0}"
    ".n{border-bottom:1px solid #ddd;padding:8px 0}"
    ".unread{font-weight:bold}"
    "a{color:#0645ad}";

void platform_pages_begin(buf *b, const char *platform, const char *title_ko, const char *title_en)
{
    html_page_begin(b, title_ko, title_en, platform, style);
}

void platform_pages_end(buf *b)
{
    html_page_end(b);
}

void platform_pages_message(buf *b, const char *ko, const char *en, const char *detail)
{
    if (!ko)
        return;
    buf_printf(b, "<p class=\"msg\">%s<br><span class=\"en\">%s</span>", ko, en);
    if (detail) {
        buf_puts(b, "<br><span class=\"en\">");
        buf_html(b, detail);
        buf_puts(b, "</span>");
    }
    buf_puts(b, "</p>\n");
}

static void field(buf *b, const char *name, const char *type, const char *ko,
                  const char *en, const char *extra)
{
    buf_printf(b, "<label for=\"%s\">%s <span class=\"en\">/ %s</span></label>"
               "<input id=\"%s\" name=\"%s\" type=\"%s\" %s required>\n",
               name, ko, en, name, name, type, extra);
}

/* The form's token (csrf.h). */
static void csrf_field(buf *b, const char *csrf)
{
    buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    buf_html(b, csrf);
    buf_puts(b, "\">\n");
}

static void pin_field(buf *b)
{
    field(b, "pin", "password", "PIN (숫자 4~8자리)", "PIN (4-8 digits)",
          "inputmode=\"numeric\" pattern=\"[0-9]{4,8}\" maxlength=\"8\" "
          "autocomplete=\"current-password\"");
}

/* A PIN being chosen: said to the browser as a new password, with the
 * rule the platform checks it by (pin.h). */
static void new_pin_field(buf *b)
{
    field(b, "pin", "password", "PIN (숫자 4~8자리)", "PIN (4-8 digits)",
          "inputmode=\"numeric\" pattern=\"[0-9]{4,8}\" maxlength=\"8\" "
          "autocomplete=\"new-password\" aria-describedby=\"pin-rule\"");
    buf_puts(b, "<p id=\"pin-rule\">1234, 0000, 1004처럼 남이 먼저 짐작하는 PIN이나 휴대전화 "
                "번호·생년월일의 일부는 쓸 수 없습니다. <span class=\"en\">PINs others guess "
                "first, such as 1234, 0000 or 1004, or part of your phone number or date of "
                "birth, are not accepted.</span></p>\n");
}

/* The code that proves a web sign-up's phone (signup_code.h), asked at
 * its first sign-in: required once the platform knows it is due, else
 * offered to whoever has just signed up. */
static void code_field(buf *b, int required)
{
    buf_printf(b, "<label for=\"code\">가입 확인 코드%s <span class=\"en\">/ Sign-up code%s"
                  "</span></label><input id=\"code\" name=\"code\" type=\"text\""
                  " inputmode=\"numeric\" pattern=\"[0-9 -]{6,11}\" maxlength=\"11\""
                  " autocomplete=\"one-time-code\"%s>\n",
               required ? "" : " (가입 후 처음 로그인할 때)",
               required ? "" : " (first sign-in after signing up)", required ? " required" : "");
}

typedef enum code_ask { CODE_NONE, CODE_OFFERED, CODE_REQUIRED } code_ask;

static void login_form_with(buf *b, const char *csrf, code_ask code)
{
    buf_puts(b, "<form method=\"post\" action=\"/login\">\n");
    csrf_field(b, csrf);
    field(b, "phone", "tel", "휴대전화 번호", "Mobile phone number",
          "maxlength=\"13\" autocomplete=\"tel\" placeholder=\"010-1234-5678\"");
    pin_field(b);
    if (code != CODE_NONE)
        code_field(b, code == CODE_REQUIRED);
    buf_puts(b, "<button type=\"submit\">로그인 / Sign in</button></form>\n"
                "<p><a href=\"/signup\">회원가입 / Sign up</a></p>\n");
}

static void login_form(buf *b, const char *csrf)
{
    login_form_with(b, csrf, CODE_NONE);
}

void platform_pages_login(buf *b, const char *platform, const char *csrf, const char *msg_ko,
                          const char *msg_en)
{
    platform_pages_begin(b, platform, "로그인", "Sign in");
    platform_pages_message(b, msg_ko, msg_en, NULL);
    login_form(b, csrf);
    platform_pages_end(b);
}

void platform_pages_login_code(buf *b, const char *platform, const char *csrf,
                               const char *msg_ko, const char *msg_en)
{
    platform_pages_begin(b, platform, "가입 확인", "Confirm your sign-up");
    platform_pages_message(b, msg_ko, msg_en, NULL);
    login_form_with(b, csrf, CODE_REQUIRED);
    platform_pages_end(b);
}

void platform_pages_signup_received(buf *b, const char *platform, const char *csrf)
{
    platform_pages_begin(b, platform, "가입 신청", "Sign-up");
    platform_pages_message(b, "가입 신청을 받았습니다. 결과는 해당 휴대전화 번호로 문자(또는 앱 "
                              "알림)로 알려드립니다. 가입 확인 코드를 받으면 30분 안에 아래에서 "
                              "PIN과 함께 입력해 로그인하세요.",
                           "We have your sign-up. What became of it is sent to the phone "
                           "number concerned, by text message (or app notification). If it "
                           "brings a sign-up code, sign in below with your PIN and that code "
                           "within 30 minutes.",
                           NULL);
    login_form_with(b, csrf, CODE_OFFERED);
    platform_pages_end(b);
}

/* Said before sign-up and in the inbox until the back office verifies the
 * member: a web sign-up alone never brings anyone's notices. */
#define UNVERIFIED_NOTE \
    "<p class=\"msg\">공공기관의 전자고지는 본인 확인(휴대전화 본인인증 등)이 끝난 뒤부터 " \
    "받을 수 있습니다. 가입 후 고객센터에서 본인 확인을 받으세요. <span class=\"en\">" \
    "Public notices can reach you only after your identity has been confirmed (for " \
    "example by mobile phone authentication). After signing up, have it confirmed by " \
    "our customer service.</span></p>\n"

void platform_pages_signup(buf *b, const char *platform, const char *csrf, const char *msg_ko,
                           const char *msg_en, const char *detail)
{
    platform_pages_begin(b, platform, "회원가입", "Sign up");
    platform_pages_message(b, msg_ko, msg_en, detail);
    buf_puts(b, UNVERIFIED_NOTE);
    buf_puts(b, "<form method=\"post\" action=\"/signup\">\n");
    csrf_field(b, csrf);
    field(b, "name", "text", "이름", "Name", "maxlength=\"64\" autocomplete=\"name\"");
    field(b, "phone", "tel", "휴대전화 번호", "Mobile phone number",
          "maxlength=\"13\" autocomplete=\"tel\" placeholder=\"010-1234-5678\"");
    field(b, "rrn", "password", "주민등록번호 (본인확인 후 저장하지 않습니다)",
          "Resident registration number (used to identify you, never stored)",
          "maxlength=\"14\" autocomplete=\"off\" placeholder=\"YYMMDD-SNNNNNN\"");
    new_pin_field(b);
    buf_puts(b, "<label><input type=\"checkbox\" name=\"consent\" value=\"on\"> "
                "공공기관의 모바일 전자고지를 이 서비스로 받는 데 동의합니다. "
                "<span class=\"en\">I agree to receive official notices from public "
                "agencies through this service.</span></label>\n"
                "<button type=\"submit\">가입 / Sign up</button></form>\n"
                "<p><a href=\"/\">로그인 / Sign in</a></p>\n");
    platform_pages_end(b);
}

void platform_pages_inbox_begin(buf *b, const char *platform, const member *m,
                                const char *csrf)
{
    platform_pages_begin(b, platform, "받은 고지함", "Inbox");
    buf_puts(b, "<p>");
    buf_html(b, m->name);
    buf_puts(b, " 님 / ");
    buf_html(b, m->name);
    buf_puts(b, "</p>\n");
    if (!m->verified)
        buf_puts(b, UNVERIFIED_NOTE);
    buf_puts(b, "<form method=\"post\" action=\"/consent\">");
    csrf_field(b, csrf);
    if (m->consent)
        buf_puts(b, "<p>전자고지 수신에 동의하셨습니다. <span class=\"en\">You receive "
                    "official notices here.</span></p><input type=\"hidden\" name=\"consent\" "
                    "value=\"off\"><button type=\"submit\">수신 동의 철회 / Withdraw "
                    "consent</button>");
    else
        buf_puts(b, "<p>전자고지 수신에 동의하지 않으셨습니다. <span class=\"en\">You do not "
                    "receive official notices here.</span></p><input type=\"hidden\" "
                    "name=\"consent\" value=\"on\"><button type=\"submit\">수신 동의 / "
                    "Give consent</button>");
    buf_puts(b, "</form>\n<h2>고지 목록 <span class=\"en\">/ Notices</span></h2>\n");
}

/* Times are kept in UTC; people read them in Korean time. */
static void html_kst(buf *b, const char *utc)
{
    char text[32];

    clock_kst_text(text, utc);
    buf_html(b, text);
}

void platform_pages_inbox_row(buf *b, const notice_row *n)
{
    buf_printf(b, "<div class=\"n%s\"><a href=\"/notices/", n->read ? "" : " unread");
    buf_html(b, n->notice);
    buf_puts(b, "\">");
    buf_html(b, n->title);
    buf_puts(b, "</a><br>");
    buf_html(b, n->agency);
    buf_puts(b, " &middot; 받음 / received ");
    html_kst(b, n->received);
    buf_puts(b, "<br>기한 / deadline ");
    html_kst(b, n->deadline);
    buf_puts(b, n->read ? " &middot; 열람 / read" : " &middot; <b>읽지 않음 / unread</b>");
    if (n->withdrawn_at[0])
        buf_puts(b, " &middot; <b class=\"withdrawn\">기관이 철회함 / withdrawn by the agency</b>");
    buf_puts(b, "</div>\n");
}

/* A link to the inbox's page on one side of row: key "before" (older)
 * or "after" (newer), as web_inbox reads it. */
static void inbox_link(buf *b, const char *key, const notice_row *row, const char *label)
{
    buf_printf(b, "<a href=\"/inbox?%s=", key);
    buf_html(b, row->received);
    buf_puts(b, ",");
    buf_html(b, row->notice);
    buf_printf(b, "\">%s</a> ", label);
}

void platform_pages_inbox_end(buf *b, int rows, int older, const notice_row *newer,
                              const notice_row *next, const char *csrf)
{
    if (rows == 0 && !older)
        buf_puts(b, "<p>받은 고지가 없습니다. <span class=\"en\">No notices yet.</span></p>\n");
    else if (rows == 0)
        buf_puts(b, "<p>더 이전 고지가 없습니다. <span class=\"en\">No older notices.</span></p>\n");
    if (older || next)
        buf_puts(b, "<p>");
    if (older)
        buf_puts(b, "<a href=\"/inbox\">최근 고지 / Newest notices</a> ");
    if (older && newer)
        inbox_link(b, "after", newer, "더 최근 고지 / Newer notices");
    if (next)
        inbox_link(b, "before", next, "이전 고지 / Older notices");
    if (older || next)
        buf_puts(b, "</p>\n");
    buf_puts(b, "<form method=\"post\" action=\"/logout\">");
    csrf_field(b, csrf);
    buf_puts(b, "<button type=\"submit\">로그아웃 / Sign out</button></form>\n");
    platform_pages_end(b);
}

/* A cancelled notice's page ends here: no PIN form, nothing to open. */
static void withdrawn_notice(buf *b, const notice_row *n)
{
    buf_puts(b, "<p class=\"withdrawn\"><b>보낸 기관이 이 고지를 철회했습니다.</b> ");
    html_kst(b, n->withdrawn_at);
    buf_puts(b, "<br><span class=\"en\">Withdrawn by the agency that sent it; the document "
                "can no longer be opened.</span>");
    if (n->withdrawn_reason[0]) {
        buf_puts(b, "<br>사유 / Reason: ");
        buf_html(b, n->withdrawn_reason);
    }
    buf_puts(b, "</p>\n<p><a href=\"/inbox\">받은 고지함 / Inbox</a></p>\n");
    platform_pages_end(b);
}

void platform_pages_notice(buf *b, const char *platform, const notice_row *n, const char *csrf,
                           const char *msg_ko, const char *msg_en)
{
    platform_pages_begin(b, platform, "고지 상세", "Notice");
    platform_pages_message(b, msg_ko, msg_en, NULL);
    buf_puts(b, "<h2>");
    buf_html(b, n->title);
    buf_puts(b, "</h2>\n<p>보낸 기관 / From: ");
    buf_html(b, n->agency);
    buf_puts(b, "<br>받은 시각 / Received: ");
    html_kst(b, n->received);
    buf_puts(b, "<br>열람 기한 / Deadline: ");
    html_kst(b, n->deadline);
    buf_puts(b, "<br>문서 SHA-256 / Document SHA-256: <code style=\"word-break:break-all\">");
    buf_html(b, n->doc_sha256);
    buf_puts(b, "</code></p>\n");
    if (n->withdrawn_at[0]) {
        withdrawn_notice(b, n);
        return;
    }
    buf_puts(b, "<p>본인 확인을 위해 PIN을 다시 입력하세요. 문서는 보낸 기관의 "
                "서버에서 열립니다. <span class=\"en\">Enter your PIN again to confirm it is "
                "you. The document opens on the sending agency's server.</span></p>\n"
                "<form method=\"post\" action=\"/notices/");
    buf_html(b, n->notice);
    buf_puts(b, "/open\">");
    csrf_field(b, csrf);
    pin_field(b);
    buf_puts(b, "<button type=\"submit\">문서 열기 / Open the document</button></form>\n"
                "<p><a href=\"/inbox\">받은 고지함 / Inbox</a></p>\n");
    platform_pages_end(b);
}

void platform_pages_error(buf *b, const char *platform, const char *ko, const char *en,
                          const char *back)
{
    platform_pages_begin(b, platform, "안내", "Notice");
    platform_pages_message(b, ko, en, NULL);
    buf_puts(b, "<p><a href=\"");
    buf_html(b, back);
    buf_puts(b, "\">돌아가기 / Back</a></p>\n");
    platform_pages_end(b);
}
