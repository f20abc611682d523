/* agency_console_dash.c -- the console's dashboard: what the notices
 * became today, over the last 7 days and in each bulk job, as figures, a
 * funnel and daily bars drawn as SVG here on the server (no script), the
 * median time from inbox to reading, and the money not spent on post.
 *
 * Every figure comes from the count tables the database keeps as notices
 * change (agency_db_counts.c), never from a scan of the documents; the
 * money is `agency report`'s arithmetic (agency_report.h) over them.
 * Every label that goes into the SVG is escaped like any other text. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agency_console.h"
#include "agency_report.h"
#include "html_page.h"

#define DAYS 7
#define JOBS_SHOWN 20
#define NSTAGES 7

typedef struct stage {
    const char *ko, *en, *colour;
} stage;

static const stage stages[NSTAGES] = {
    {"접수", "submitted", "#1d3b6a"}, {"알림", "alerted", "#2e6da4"},
    {"수신", "received", "#2f7d4a"},  {"열람", "read", "#1b5e20"},
    {"우편", "paper", "#8a5a00"},     {"실패", "failed", "#a00000"},
    {"취소", "cancelled", "#555555"},
};

static long long stage_value(const agency_counts *c, int i)
{
    const long long v[NSTAGES] = {c->submitted, c->alerted, c->received, c->read,
                                  c->paper,     c->failed,  c->cancelled};
    return v[i];
}

static void add_counts(agency_counts *to, const agency_counts *c)
{
    to->submitted += c->submitted, to->alerted += c->alerted, to->received += c->received;
    to->read += c->read, to->paper += c->paper, to->failed += c->failed;
    to->cancelled += c->cancelled;
}

typedef struct week {
    char day[DAYS][11];
    agency_counts c[DAYS];
} week;

static void put_day(void *ctx, const char *day, const agency_counts *c)
{
    week *w = ctx;

    for (int i = 0; i < DAYS; i++)
        if (!strcmp(w->day[i], day))
            w->c[i] = *c;
}

static void fill_days(week *w)
{
    time_t now = time(NULL);

    memset(w, 0, sizeof *w);
    for (int i = 0; i < DAYS; i++) {
        time_t t = now - (time_t)(DAYS - 1 - i) * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(w->day[i], sizeof w->day[i], "%Y-%m-%d", &tm);
    }
}

static void card(buf *b, const char *ko, const char *en, long long v)
{
    buf_puts(b, "<div class=\"card\"><div>");
    agency_console_bi(b, ko, en);
    buf_printf(b, "</div><div class=\"v\">%lld</div></div>", v);
}

static void cards(buf *b, const agency_counts *c)
{
    buf_puts(b, "<div class=\"cards\">");
    for (int i = 0; i < NSTAGES; i++)
        card(b, stages[i].ko, stages[i].en, stage_value(c, i));
    buf_puts(b, "</div>\n");
}

/* The funnel: one bar per stage, as long as its share of the largest. */
static void funnel_svg(buf *b, const char *id, const char *title, const agency_counts *c)
{
    const int width = 640, row = 30, label = 190, bar_max = width - label - 80;
    long long max = 1;

    for (int i = 0; i < NSTAGES; i++)
        if (stage_value(c, i) > max)
            max = stage_value(c, i);
    buf_printf(b, "<svg role=\"img\" aria-labelledby=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                  "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"%s\">", id, width,
               row * NSTAGES + 10, width, id);
    buf_html(b, title);
    buf_puts(b, "</title>");
    for (int i = 0; i < NSTAGES; i++) {
        long long v = stage_value(c, i);
        int w = (int)(v * bar_max / max), y = 5 + i * row;
        buf_printf(b, "<text x=\"0\" y=\"%d\" font-size=\"14\" fill=\"#1a1a1a\">", y + 19);
        buf_html(b, stages[i].ko);
        buf_puts(b, " ");
        buf_html(b, stages[i].en);
        buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
                      "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#1a1a1a\">%lld</text>",
                   label, y + 3, w > 0 ? w : 1, row - 8, stages[i].colour, label + w + 6,
                   y + 19, v);
    }
    buf_puts(b, "</svg>\n");
}

/* Daily bars: submitted and read side by side for each day. */
static void daily_svg(buf *b, const week *w)
{
    const int width = 640, height = 220, base = 180, top = 20, group = width / DAYS;
    long long max = 1;

    for (int i = 0; i < DAYS; i++) {
        if (w->c[i].submitted > max)
            max = w->c[i].submitted;
        if (w->c[i].read > max)
            max = w->c[i].read;
    }
    buf_printf(b, "<svg role=\"img\" aria-labelledby=\"daily-title\" viewBox=\"0 0 %d %d\" "
                  "width=\"%d\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"daily-title\">"
                  "최근 7일 접수와 열람 / Submitted and read, last 7 days</title>",
               width, height + 20, width);
    for (int i = 0; i < DAYS; i++) {
        long long s = w->c[i].submitted, r = w->c[i].read;
        int hs = (int)(s * (base - top) / max), hr = (int)(r * (base - top) / max);
        int x = i * group + 10;
        buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"28\" height=\"%d\" fill=\"#1d3b6a\"/>"
                      "<rect x=\"%d\" y=\"%d\" width=\"28\" height=\"%d\" fill=\"#1b5e20\"/>"
                      "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">%lld/%lld</text>"
                      "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">",
                   x, base - hs, hs, x + 30, base - hr, hr, x, base - (hs > hr ? hs : hr) - 4,
                   s, r, x, base + 16);
        buf_html(b, w->day[i] + 5);
        buf_puts(b, "</text>");
    }
    buf_printf(b, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#1d3b6a\"/>"
                  "<text x=\"26\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">접수 submitted</text>"
                  "<rect x=\"160\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#1b5e20\"/>"
                  "<text x=\"176\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">열람 read</text>"
                  "</svg>\n", height, height + 11, height, height + 11);
}

static void days_table(buf *b, const week *w)
{
    buf_puts(b, "<div class=\"scroll\" " SCROLL_REGION("By day") "><table><caption>");
    agency_console_bi(b, "날짜별", "By day (UTC)");
    buf_puts(b, "</caption><thead><tr><th scope=\"col\">");
    agency_console_bi(b, "날짜", "Day");
    buf_puts(b, "</th>");
    for (int i = 0; i < NSTAGES; i++) {
        buf_puts(b, "<th scope=\"col\" class=\"n\">");
        agency_console_bi(b, stages[i].ko, stages[i].en);
        buf_puts(b, "</th>");
    }
    buf_puts(b, "</tr></thead><tbody>");
    for (int d = DAYS - 1; d >= 0; d--) {
        buf_printf(b, "<tr><th scope=\"row\">%s</th>", w->day[d]);
        for (int i = 0; i < NSTAGES; i++)
            buf_printf(b, "<td class=\"n\">%lld</td>", stage_value(&w->c[d], i));
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div>\n");
}

static void put_job(void *ctx, const char *job, const char *created, const agency_counts *c)
{
    buf *b = ctx;

    buf_puts(b, "<tr><th scope=\"row\"><a href=\"/console/notices?job=");
    buf_html(b, job);
    buf_puts(b, "\">");
    buf_html(b, job);
    buf_puts(b, "</a><br>");
    buf_html(b, created);
    buf_puts(b, "</th>");
    for (int i = 0; i < NSTAGES; i++)
        buf_printf(b, "<td class=\"n\">%lld</td>", stage_value(c, i));
    buf_puts(b, "</tr>");
}

static void jobs_table(agency_console *c, buf *b)
{
    buf_puts(b, "<h2>");
    agency_console_bi(b, "대량 발송 작업", "Bulk jobs");
    buf_puts(b, "</h2><div class=\"scroll\" " SCROLL_REGION("Bulk jobs") "><table><thead><tr><th scope=\"col\">");
    agency_console_bi(b, "작업", "Job");
    buf_puts(b, "</th>");
    for (int i = 0; i < NSTAGES; i++) {
        buf_puts(b, "<th scope=\"col\" class=\"n\">");
        agency_console_bi(b, stages[i].ko, stages[i].en);
        buf_puts(b, "</th>");
    }
    buf_puts(b, "</tr></thead><tbody>");
    if (agency_db_counts_jobs(c->db, JOBS_SHOWN, put_job, b) != 0) {
        buf_printf(b, "<tr><td colspan=\"%d\" class=\"err\">", NSTAGES + 1);
        agency_console_bi(b, "작업 목록을 지금 읽을 수 없습니다. 잠시 후 다시 여세요.",
                          "The jobs could not be read just now: reload in a moment.");
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>\n");
}

/* "15분" / "15 min", "3시간" / "3 h" */
static void duration(long long s, char *ko, char *en, size_t n)
{
    if (s < 3600) {
        snprintf(ko, n, "%lld분", s / 60);
        snprintf(en, n, "%lld min", s / 60);
    } else if (s < 86400) {
        snprintf(ko, n, "%lld시간", s / 3600);
        snprintf(en, n, "%lld h", s / 3600);
    } else {
        snprintf(ko, n, "%lld일", s / 86400);
        snprintf(en, n, "%lld days", s / 86400);
    }
}

static void median_and_money(agency_console *c, buf *b, const week *w, const agency_counts *t)
{
    long long lo, hi;
    char ko[64], en[64], ko2[32], en2[32];
    report r;
    int m = agency_db_counts_median_read(c->db, w->day[0], w->day[DAYS - 1], &lo, &hi);

    buf_puts(b, "<h2>");
    agency_console_bi(b, "열람까지 걸린 시간과 절감액", "Time to read and money saved");
    buf_puts(b, "</h2><p>");
    agency_console_bi(b, "최근 7일 열람까지 걸린 시간의 중앙값:",
                      "Median time from inbox to reading, last 7 days:");
    buf_puts(b, " <strong>");
    if (m < 0) {
        agency_console_bi(b, "지금 읽을 수 없음", "could not be read just now");
    } else if (m == 0) {
        agency_console_bi(b, "아직 없음", "none yet");
    } else {
        duration(lo, ko, en, sizeof ko);
        if (hi < 0) {
            snprintf(ko2, sizeof ko2, "%s 이상", ko);
            snprintf(en2, sizeof en2, "over %s", en);
        } else {
            char k3[32], e3[32];
            duration(hi, k3, e3, sizeof k3);
            snprintf(ko2, sizeof ko2, "%s~%s", lo ? ko : "0분", k3);
            snprintf(en2, sizeof en2, "%s to %s", lo ? en : "0 min", e3);
        }
        agency_console_bi(b, ko2, en2);
    }
    buf_puts(b, "</strong></p>\n");
    report_init(&r, c->cfg->postal_cost_usd, c->cfg->mobile_cost_usd);
    r.n[OUT_READ] = t->read;
    r.n[OUT_RECEIVED] = t->received > t->read ? t->received - t->read : 0;
    buf_printf(b, "<p>최근 7일 우편 대신 휴대폰으로 받은 알림 %lld건, 절감액 <strong>USD %.2f"
                  "</strong> (우편 USD %.2f − 모바일 USD %.2f).<br><span class=\"en\" lang=\"en\">"
                  "Last 7 days: %lld notices reached a phone instead of paper, saving "
                  "<strong>USD %.2f</strong> (post USD %.2f − mobile USD %.2f each).</span></p>\n",
               report_paper_avoided(&r), report_saved_usd(&r), r.postal_usd, r.mobile_usd,
               report_paper_avoided(&r), report_saved_usd(&r), r.postal_usd, r.mobile_usd);
    report_free(&r);
}

void agency_console_home(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);
    console_user u;
    agency_counts total = {0};
    week w;
    buf b;

    (void)caller;
    if (!c || !agency_console_require(c, req, resp, CONSOLE_VIEWER, &u))
        return;
    fill_days(&w);
    /* Zeros would read as a quiet week: without the figures, no page. */
    if (agency_db_counts_days(c->db, w.day[0], w.day[DAYS - 1], put_day, &w) != 0) {
        console_web_error(resp, 503, "일시적인 오류입니다. 잠시 후 다시 시도하세요.",
                          "The figures could not be read just now: try again in a moment.",
                          "/console");
        http_add_header(resp, "Retry-After", "5");
        return;
    }
    for (int i = 0; i < DAYS; i++)
        add_counts(&total, &w.c[i]);
    buf_init(&b, 32768);
    agency_console_begin(c, req, &b, &u, "대시보드", "Dashboard");
    buf_puts(&b, "<section aria-labelledby=\"today\"><h2 id=\"today\">");
    agency_console_bi(&b, "오늘", "Today");
    buf_printf(&b, " (%s UTC)</h2>", w.day[DAYS - 1]);
    cards(&b, &w.c[DAYS - 1]);
    funnel_svg(&b, "funnel-today", "오늘의 흐름 / Today's funnel", &w.c[DAYS - 1]);
    buf_puts(&b, "</section>\n<section aria-labelledby=\"week\"><h2 id=\"week\">");
    agency_console_bi(&b, "최근 7일", "Last 7 days");
    buf_puts(&b, "</h2>");
    cards(&b, &total);
    funnel_svg(&b, "funnel-week", "최근 7일의 흐름 / Funnel, last 7 days", &total);
    daily_svg(&b, &w);
    days_table(&b, &w);
    median_and_money(c, &b, &w, &total);
    buf_puts(&b, "</section>\n<section aria-label=\"작업 Jobs\">");
    jobs_table(c, &b);
    buf_puts(&b, "</section>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}
