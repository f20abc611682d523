/* verify_page.c -- see verify_page.h. */
#include "verify_page.h"

#include <inttypes.h>

#include "html_page.h"

static const char style[] =
    "body{font-family:'Noto Sans CJK KR',sans-serif;max-width:760px;margin:0 auto;"
    "padding:12px;color:#222}"
    "textarea{width:100%;height:14em;font-family:monospace;font-size:12px}"
    ".valid{background:#e6f4ea;border:2px solid #1e8e3e;padding:10px}"
    ".invalid{background:#fce8e6;border:2px solid #d93025;padding:10px}"
    "table{border-collapse:collapse;width:100%;font-size:14px}"
    "td,th{border-bottom:1px solid #ddd;padding:4px;text-align:left;vertical-align:top}"
    ".en{color:#555;font-size:90%}.mono{font-family:monospace;word-break:break-all}";

static void page_head(buf *b)
{
    html_page_begin(b, "유통증명서 검증", "Verify a distribution certificate", NULL, style);
}

static void form(buf *b, const char *log_key_b64, const char *pasted)
{
    buf_puts(b, "<p>증명서(JSON)를 붙여 넣고 검증을 누르십시오. 이 허브의 로그 키로 "
                "서명을 확인합니다.<br><span class=\"en\">Paste the certificate (JSON) and "
                "press Verify. It is checked against this hub's log key:</span> "
                "<span class=\"mono\">");
    buf_html(b, log_key_b64);
    buf_puts(b, "</span></p>\n<form method=\"post\" action=\"/verify\">"
                "<textarea name=\"certificate\" required>");
    if (pasted)
        buf_html(b, pasted);
    buf_puts(b, "</textarea><p><button type=\"submit\">검증 / Verify</button></p></form>\n");
}

static void timeline(buf *b, const cert_result *res)
{
    buf_puts(b, "<table><tr><th>시각 / Time (UTC)</th><th>사건 / Event</th>"
                "<th>주체 / Actor</th><th>사유 / Reason</th><th>채널 / Channel</th>"
                "<th>#</th></tr>\n");
    for (size_t i = 0; i < res->count; i++) {
        const cert_event *e = &res->events[i];
        char channel[sizeof e->channel + sizeof e->reference];
        cert_event_channel(e, channel, sizeof channel);
        buf_puts(b, "<tr><td>");
        buf_html(b, e->at);
        buf_puts(b, "</td><td>");
        buf_html(b, e->event);
        buf_puts(b, "</td><td>");
        buf_html(b, e->actor);
        buf_puts(b, "</td><td>");
        buf_html(b, e->reason);
        buf_puts(b, "</td><td>");
        buf_html(b, channel);
        buf_printf(b, "</td><td>%" PRIu64 "</td></tr>\n", e->leaf_index);
    }
    buf_puts(b, "</table>\n");
}

static void verdict(buf *b, const cert_result *res, const char *why)
{
    if (why) {
        buf_puts(b, "<div class=\"invalid\"><h2>INVALID — 유효하지 않음</h2><p>사유 / "
                    "Reason: ");
        buf_html(b, why);
        buf_puts(b, "</p></div>\n");
        return;
    }
    buf_puts(b, "<div class=\"valid\"><h2>VALID — 유효한 증명서</h2><p>통지 / Notice: "
                "<span class=\"mono\">");
    buf_html(b, res->notice);
    buf_printf(b, "</span><br>서명된 트리 헤드 / Signed tree head: size %" PRIu64
                  ", timestamp %" PRIu64 " ms</p>\n",
               res->head.tree_size, res->head.timestamp_ms);
    timeline(b, res);
    buf_puts(b, "</div>\n");
}

void verify_page_render(buf *b, const char *log_key_b64, const char *pasted, int checked,
                        const cert_result *res, const char *why)
{
    page_head(b);
    if (checked)
        verdict(b, res, why);
    form(b, log_key_b64, pasted);
    buf_puts(b, "<p class=\"en\">herald: 모바일 전자고지 / Mobile Certified Mail. "
                "Offline: <code>herald verify --log-key LOG.pub CERT.json</code></p>\n"
                "</body></html>\n");
}
