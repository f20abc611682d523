/* hub_console_pages.c -- see hub_console.h: the operators' pages. Charts
 * are SVG drawn here (no script); every label that goes into one, an
 * agency's or platform's name among them, is escaped like any other
 * text. No page names a notice, a person or a reference. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "html_page.h"
#include "hub.h"
#include "hub_console.h"

#define DAY_MS 86400000LL
#define DAYS HUB_CONSOLE_DAYS
#define NAMES_MAX 64 /* agencies or platforms shown on the volumes page */

static hub_console *console_of(void *role, http_response *resp)
{
    hub_console *c = ((hub *)role)->console;

    if (!c)
        http_reply_not_found(resp);
    return c;
}

static void day_text(long long day, char out[11])
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A figure below 0 is one the database did not give: a dash, not -1. */
static void card(buf *b, const char *ko, const char *en, long long v)
{
    buf_puts(b, "<div class=\"card\"><div>");
    console_bi(b, ko, en);
    if (v < 0)
        buf_puts(b, "</div><div class=\"v err\" title=\"could not be read\">&mdash;</div></div>");
    else
        buf_printf(b, "</div><div class=\"v\">%lld</div></div>", v);
}

/* "3분 전" / "3 min ago" for an age in ms; "없음" / "never" for 0. */
static void age(buf *b, long long at_ms, long long now)
{
    char ko[48], en[48];
    long long s = (now - at_ms) / 1000;

    if (!at_ms) {
        console_bi(b, "없음", "never");
        return;
    }
    if (s < 120) {
        snprintf(ko, sizeof ko, "%lld초 전", s);
        snprintf(en, sizeof en, "%lld s ago", s);
    } else if (s < 7200) {
        snprintf(ko, sizeof ko, "%lld분 전", s / 60);
        snprintf(en, sizeof en, "%lld min ago", s / 60);
    } else {
        snprintf(ko, sizeof ko, "%lld시간 전", s / 3600);
        snprintf(en, sizeof en, "%lld h ago", s / 3600);
    }
    console_bi(b, ko, en);
}

/* Horizontal bars, one per label: labels and values n long. */
static void bars_svg(buf *b, const char *id, const char *title, const char *const *labels,
                     const long long *values, size_t n, const char *colour)
{
    const int width = 640, row = 28, label = 170, bar_max = width - label - 90;
    long long max = 1;

    for (size_t i = 0; i < n; i++)
        if (values[i] > max)
            max = values[i];
    buf_printf(b, "<svg role=\"img\" aria-labelledby=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                  "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"%s\">", id, width,
               (int)(row * (n ? n : 1) + 10), width, id);
    buf_html(b, title);
    buf_puts(b, "</title>");
    for (size_t i = 0; i < n; i++) {
        int w = (int)(values[i] * bar_max / max), y = 5 + (int)i * row;
        buf_printf(b, "<text x=\"0\" y=\"%d\" font-size=\"14\" fill=\"#1a1a1a\">", y + 18);
        buf_html(b, labels[i]);
        buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
                      "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#1a1a1a\">%lld</text>",
                   label, y + 3, w > 0 ? w : 1, row - 8, colour, label + w + 6, y + 18,
                   values[i]);
    }
    buf_puts(b, "</svg>\n");
}

/* ---- /console: backlog, platforms, log and signer ---- */

static void backlog(hub_console *c, buf *b, long long today)
{
    long long accepted, relayed, received, due;

    pthread_mutex_lock(&c->lock);
    accepted = hub_console_db_state(c, "accepted");
    relayed = hub_console_db_state(c, "relayed");
    received = hub_console_db_state(c, "received");
    due = hub_console_db_due_by(c, today);
    pthread_mutex_unlock(&c->lock);
    buf_puts(b, "<section aria-labelledby=\"backlog\"><h2 id=\"backlog\">");
    console_bi(b, "대기열", "Backlog");
    buf_puts(b, "</h2><div class=\"cards\">");
    card(b, "접수, 중계 대기", "Accepted, to relay", accepted);
    card(b, "중계됨, 수신 보고 대기", "Relayed, to report receipt", relayed);
    card(b, "수신됨, 열람 보고 대기", "Received, to report reading", received);
    card(b, "오늘까지의 열람 기한", "Read deadlines due by today", due);
    buf_puts(b, "</div>\n<p>");
    if (accepted < 0 || relayed < 0 || received < 0 || due < 0) {
        buf_puts(b, "<span class=\"err\">");
        console_bi(b, "일부 수치를 데이터베이스에서 지금 읽을 수 없습니다 (허브 로그 참조).",
                   "Some figures could not be read from the database just now (see the "
                   "hub's log).");
        buf_puts(b, "</span><br>");
    }
    buf_printf(b, "중계 작업자의 메모리 대기열: %zu건. <span class=\"en\" lang=\"en\">In the relay "
                  "workers' memory queue: %zu.</span></p></section>\n",
               hub_relay_queue_count(&c->h->routed), hub_relay_queue_count(&c->h->routed));
}

static void platforms(hub_console *c, buf *b, long long now)
{
    hub *h = c->h;

    buf_puts(b, "<section aria-labelledby=\"platforms\"><h2 id=\"platforms\">");
    console_bi(b, "플랫폼 상태", "Platforms' health");
    buf_puts(b, "</h2><div class=\"scroll\" " SCROLL_REGION("Platforms") "><table><thead><tr>"
                "<th scope=\"col\">");
    console_bi(b, "플랫폼", "Platform");
    buf_puts(b, "</th><th scope=\"col\">");
    console_bi(b, "마지막 성공", "Last success");
    buf_puts(b, "</th><th scope=\"col\">");
    console_bi(b, "마지막 실패", "Last failure");
    buf_puts(b, "</th><th scope=\"col\" class=\"n\">");
    console_bi(b, "연속 실패", "Failures in a row");
    buf_puts(b, "</th><th scope=\"col\" class=\"n\">");
    console_bi(b, "호출 / 실패", "Calls / failed");
    buf_puts(b, "</th><th scope=\"col\">");
    console_bi(b, "재시도 대기", "Back-off");
    buf_puts(b, "</th></tr></thead><tbody>");
    for (size_t p = 0; p < h->nplatforms; p++) {
        hub_platform_health hl = hub_platform_health_of(h, p);
        buf_puts(b, "<tr><th scope=\"row\">");
        buf_html(b, h->platforms[p].name);
        buf_puts(b, "</th><td>");
        age(b, hl.last_ok_ms, now);
        buf_puts(b, "</td><td>");
        age(b, hl.last_fail_ms, now);
        buf_printf(b, "</td><td class=\"n\">%ld</td><td class=\"n\">%llu / %llu</td><td>",
                   hl.failures, hl.calls, hl.failed);
        if (hl.failures) {
            /* what its notices wait after as many failures in a row */
            long long s = notice_retry_delay_ms((int)hl.failures) / 1000;
            char ko[48], en[48];
            snprintf(ko, sizeof ko, "%lld초", s);
            snprintf(en, sizeof en, "%lld s", s);
            buf_puts(b, "<span class=\"err\">");
            console_bi(b, ko, en);
            buf_puts(b, "</span>");
        } else {
            buf_puts(b, "<span class=\"ok\">");
            console_bi(b, "없음", "none");
            buf_puts(b, "</span>");
        }
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div></section>\n");
}

static void signer_state(buf *b, int state)
{
    static const char *const ko[] = {"응답 없음", "서명 중", "서명 거부", "허브가 직접 서명",
                                     "서명 키 없음"};
    static const char *const en[] = {"not reachable", "reachable, signing",
                                     "reachable, refusing heads", "the hub signs (log_key)",
                                     "no key: heads are not signed"};
    const char *cls = state == HUB_SIGNER_SIGNING || state == HUB_SIGNER_IN_PROCESS ? "ok" : "err";

    buf_printf(b, "<span class=\"%s\">", cls);
    if (state == HUB_SIGNER_NOT_ASKED)
        console_bi(b, "아직 요청하지 않음", "not asked yet");
    else if (state >= 0 && state <= HUB_SIGNER_NONE)
        console_bi(b, ko[state], en[state]);
    buf_puts(b, "</span>");
}

static void evidence(hub_console *c, buf *b, long long now)
{
    uint8_t sig[STH_SIG_LEN];
    char root[2 * SHA256_LEN + 1], when[32];
    sth head;

    buf_puts(b, "<section aria-labelledby=\"log\"><h2 id=\"log\">");
    console_bi(b, "증거 로그와 서명자", "Evidence log and signer");
    buf_puts(b, "</h2><dl><dt>");
    console_bi(b, "서명자", "Signer");
    buf_puts(b, "</dt><dd>");
    signer_state(b, hub_evidence_log_signer_state(c->h->log));
    buf_printf(b, "</dd><dt>");
    console_bi(b, "로그의 잎", "Leaves in the log");
    buf_printf(b, "</dt><dd>%llu</dd><dt>",
               (unsigned long long)hub_evidence_log_size(c->h->log));
    console_bi(b, "마지막 서명된 트리 헤드", "Latest signed tree head");
    buf_puts(b, "</dt><dd>");
    if (hub_evidence_log_latest(c->h->log, &head, sig) != 0) {
        console_bi(b, "아직 없음", "none yet");
    } else {
        hex_encode(root, head.root_hash, SHA256_LEN);
        clock_rfc3339_ms(when, (long long)head.timestamp_ms);
        buf_printf(b, "<span lang=\"en\">size %llu, root <code>%s</code>, signed %s (",
                   (unsigned long long)head.tree_size, root, when);
        age(b, (long long)head.timestamp_ms, now);
        buf_puts(b, ")</span>");
    }
    buf_puts(b, "</dd></dl></section>\n");
}

void hub_console_home(void *role, const void *caller, const http_request *req,
                      http_response *resp)
{
    hub_console *c = console_of(role, resp);
    long long now = clock_now_ms();
    console_user u;
    buf b;

    (void)caller;
    if (!c || !console_require(&c->site, req, resp, CONSOLE_VIEWER, &u))
        return;
    buf_init(&b, 16384);
    console_page_begin(&c->site, req, &b, &u, "현황", "Status");
    backlog(c, &b, now / DAY_MS);
    platforms(c, &b, now);
    evidence(c, &b, now);
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}

/* ---- /console/volumes ---- */

/* One agency's or platform's notices per day and state. */
typedef struct series {
    char name[HUB_NAME_MAX + 1];
    long long n[DAYS][NS_COUNT];
} series;

/* Past NAMES_MAX names the rest are left out of the tables and of the
 * bars per name, and said to be; the bars per day (the totals) count
 * every one. */
typedef struct volumes {
    long long first; /* the first day shown */
    series agencies[NAMES_MAX], platforms[NAMES_MAX];
    size_t nagencies, nplatforms;
    long long agency_days[DAYS][NS_COUNT], platform_days[DAYS][NS_COUNT];
    int agencies_cut, platforms_cut; /* names were left out */
} volumes;

static series *series_of(series *s, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(s[i].name, name))
            return &s[i];
    if (*n == NAMES_MAX)
        return NULL;
    memset(&s[*n], 0, sizeof s[*n]);
    snprintf(s[*n].name, sizeof s[*n].name, "%s", name);
    return &s[(*n)++];
}

static void put_row(void *ctx, long long day, const char *agency, const char *platform,
                    const char *state, long long n)
{
    volumes *v = ctx;
    int st = notice_state_parse(state), d = (int)(day - v->first);
    series *a, *p;

    if (st < 0 || st >= NS_COUNT || d < 0 || d >= DAYS)
        return;
    v->agency_days[d][st] += n;
    if ((a = series_of(v->agencies, &v->nagencies, agency)))
        a->n[d][st] += n;
    else
        v->agencies_cut = 1;
    if (!*platform)
        return;
    v->platform_days[d][st] += n;
    if ((p = series_of(v->platforms, &v->nplatforms, platform)))
        p->n[d][st] += n;
    else
        v->platforms_cut = 1;
}

static const notice_state shown[] = {NS_ACCEPTED, NS_RELAYED, NS_RECEIVED, NS_READ,
                                     NS_POSTAL, NS_CANCELLED, NS_PAID};
#define NSHOWN (sizeof shown / sizeof shown[0])

/* A table of each series' notices per day, for the states in states. */
static void volume_table(buf *b, const volumes *v, const series *s, size_t n,
                         const char *caption_ko, const char *caption_en, const char *region)
{
    char day[11];

    buf_printf(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\">"
                  "<table><caption>", region);
    console_bi(b, caption_ko, caption_en);
    buf_puts(b, "</caption><thead><tr><th scope=\"col\">");
    console_bi(b, "이름", "Name");
    buf_puts(b, "</th><th scope=\"col\">");
    console_bi(b, "날짜", "Day (UTC)");
    buf_puts(b, "</th>");
    for (size_t k = 0; k < NSHOWN; k++)
        buf_printf(b, "<th scope=\"col\" class=\"n\" lang=\"en\">%s</th>",
                   notice_state_name(shown[k]));
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++)
        for (int d = DAYS - 1; d >= 0; d--) {
            day_text(v->first + d, day);
            buf_puts(b, "<tr><th scope=\"row\">");
            buf_html(b, s[i].name[0] ? s[i].name : "-");
            buf_printf(b, "</th><td>%s</td>", day);
            for (size_t k = 0; k < NSHOWN; k++)
                buf_printf(b, "<td class=\"n\">%lld</td>", s[i].n[d][shown[k]]);
            buf_puts(b, "</tr>");
        }
    if (!n) {
        buf_printf(b, "<tr><td colspan=\"%zu\">", NSHOWN + 2);
        console_bi(b, "최근 7일 동안 없음", "None in the last 7 days");
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>\n");
}

/* Bars of each series' 7-day total of state st, and of every day's
 * (days: the totals of every name, those left out included). */
static void volume_bars(buf *b, const volumes *v, const series *s, size_t n,
                        const long long (*days_total)[NS_COUNT], int cut, notice_state st,
                        const char *id, const char *title_names, const char *title_days,
                        const char *colour)
{
    const char *labels[NAMES_MAX > DAYS ? NAMES_MAX : DAYS];
    long long values[NAMES_MAX > DAYS ? NAMES_MAX : DAYS];
    char days[DAYS][11], id2[32];

    for (size_t i = 0; i < n; i++) {
        labels[i] = s[i].name[0] ? s[i].name : "-";
        values[i] = 0;
        for (int d = 0; d < DAYS; d++)
            values[i] += s[i].n[d][st];
    }
    if (cut) {
        char ko[160], en[160];
        snprintf(ko, sizeof ko, "이름이 %d개를 넘어 나머지는 이름별 그림과 표에 없습니다. "
                                "날짜별 그림은 모두 셉니다.", NAMES_MAX);
        snprintf(en, sizeof en, "More than %d names: the rest are left out of the chart and "
                                "table per name; the chart per day counts them all.", NAMES_MAX);
        buf_puts(b, "<p class=\"err\">");
        console_bi(b, ko, en);
        buf_puts(b, "</p>\n");
    }
    if (n)
        bars_svg(b, id, title_names, labels, values, n, colour);
    for (int d = 0; d < DAYS; d++) {
        day_text(v->first + d, days[d]);
        labels[d] = days[d];
        values[d] = days_total[d][st];
    }
    snprintf(id2, sizeof id2, "%s-days", id);
    bars_svg(b, id2, title_days, labels, values, DAYS, colour);
}

void hub_console_volumes(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    hub_console *c = console_of(role, resp);
    static __thread volumes v; /* 60 KB: off the request thread's stack */
    console_user u;
    int rc;
    buf b;

    (void)caller;
    if (!c || !console_require(&c->site, req, resp, CONSOLE_VIEWER, &u))
        return;
    memset(&v, 0, sizeof v);
    v.first = clock_now_ms() / DAY_MS - (DAYS - 1);
    pthread_mutex_lock(&c->lock);
    rc = hub_console_db_days(c, v.first, put_row, &v);
    pthread_mutex_unlock(&c->lock);
    if (rc != 0) {
        console_web_error(resp, 500, "데이터베이스 오류입니다.", "Database error.", "/console");
        return;
    }
    buf_init(&b, 65536);
    console_page_begin(&c->site, req, &b, &u, "처리량", "Volumes");
    buf_puts(&b, "<p>");
    console_bi(&b, "최근 7일, 날짜는 UTC 기준. 각 상태에 그날 도달한 알림 수입니다.",
               "Last 7 days, UTC days: the notices that reached each state that day.");
    buf_puts(&b, "</p><section aria-labelledby=\"agencies\"><h2 id=\"agencies\">");
    console_bi(&b, "기관별", "Per agency");
    buf_puts(&b, "</h2>");
    volume_bars(&b, &v, v.agencies, v.nagencies, v.agency_days, v.agencies_cut, NS_ACCEPTED,
                "agencies-chart",
                "기관별 접수, 최근 7일 / Accepted per agency, last 7 days",
                "날짜별 접수 / Accepted per day", "#1d3b6a");
    volume_table(&b, &v, v.agencies, v.nagencies, "기관별, 날짜별", "Per agency and day",
                 "Per agency");
    buf_puts(&b, "</section>\n<section aria-labelledby=\"platforms\"><h2 id=\"platforms\">");
    console_bi(&b, "플랫폼별", "Per platform");
    buf_puts(&b, "</h2>");
    volume_bars(&b, &v, v.platforms, v.nplatforms, v.platform_days, v.platforms_cut, NS_RELAYED,
                "platforms-chart",
                "플랫폼별 중계, 최근 7일 / Relayed per platform, last 7 days",
                "날짜별 중계 / Relayed per day", "#2f7d4a");
    volume_table(&b, &v, v.platforms, v.nplatforms, "플랫폼별, 날짜별", "Per platform and day",
                 "Per platform");
    buf_puts(&b, "</section>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}

/* ---- /console/latency ---- */

static void bucket_label(int k, char *out, size_t cap)
{
    long long ms = hub_tally_latency_le_ms[k];

    if (ms < 0)
        snprintf(out, cap, "> %lld h", hub_tally_latency_le_ms[k - 1] / 3600000);
    else if (ms < 60000)
        snprintf(out, cap, "≤ %lld s", ms / 1000);
    else if (ms < 3600000)
        snprintf(out, cap, "≤ %lld min", ms / 60000);
    else
        snprintf(out, cap, "≤ %lld h", ms / 3600000);
}

void hub_console_latency(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    hub_console *c = console_of(role, resp);
    long long counts[HUB_TALLY_BUCKETS], total = 0;
    char names[HUB_TALLY_BUCKETS][24];
    const char *labels[HUB_TALLY_BUCKETS];
    console_user u;
    int rc;
    buf b;

    (void)caller;
    if (!c || !console_require(&c->site, req, resp, CONSOLE_VIEWER, &u))
        return;
    pthread_mutex_lock(&c->lock);
    rc = hub_console_db_latency(c, clock_now_ms() / DAY_MS - (DAYS - 1), counts);
    pthread_mutex_unlock(&c->lock);
    if (rc != 0) {
        console_web_error(resp, 500, "데이터베이스 오류입니다.", "Database error.", "/console");
        return;
    }
    for (int k = 0; k < HUB_TALLY_BUCKETS; k++) {
        bucket_label(k, names[k], sizeof names[k]);
        labels[k] = names[k];
        total += counts[k];
    }
    buf_init(&b, 16384);
    console_page_begin(&c->site, req, &b, &u, "중계 지연", "Relay latency");
    buf_puts(&b, "<p>");
    console_bi(&b, "최근 7일, 허브가 알림을 접수한 때부터 플랫폼이 중계를 수락할 때까지.",
               "Last 7 days: from the hub's acceptance of a notice to a platform's acceptance "
               "of its relay.");
    buf_printf(&b, "</p>\n<p>중계 %lld건. <span class=\"en\" lang=\"en\">%lld relays.</span></p>\n",
               total, total);
    bars_svg(&b, "latency-chart", "중계 지연 분포 / Relay latency histogram", labels, counts,
             HUB_TALLY_BUCKETS, "#2e6da4");
    buf_puts(&b, "<div class=\"scroll\" " SCROLL_REGION("Relay latency") "><table><thead><tr>"
                 "<th scope=\"col\">");
    console_bi(&b, "지연", "Latency");
    buf_puts(&b, "</th><th scope=\"col\" class=\"n\">");
    console_bi(&b, "중계", "Relays");
    buf_puts(&b, "</th></tr></thead><tbody>");
    for (int k = 0; k < HUB_TALLY_BUCKETS; k++) {
        buf_puts(&b, "<tr><th scope=\"row\">");
        buf_html(&b, names[k]);
        buf_printf(&b, "</th><td class=\"n\">%lld</td></tr>", counts[k]);
    }
    buf_puts(&b, "</tbody></table></div>\n");
    html_page_end(&b);
    console_web_reply(resp, 200, &b);
}
