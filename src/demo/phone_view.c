/* phone_view.c -- see phone_view.h. */
#include "phone_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_page.h"
#include "http_client.h"
#include "http_server.h"
#include "phone_texts.h"
#include "population.h"

#define PAGE_PHONES 50

struct phone_view {
    demo *d;
    http_server *http;
};

static const char style[] =
    "body{font-family:sans-serif;margin:0 auto;max-width:480px;padding:12px;"
    "line-height:1.5;color:#222;background:#f4f4f4}"
    "h1{font-size:1.3em}h2{font-size:1.05em;margin:18px 0 6px}"
    ".en{color:#666;font-size:.9em}"
    ".sms,.push{background:#fff;border-radius:14px;padding:10px 12px;margin:8px 0;"
    "overflow-wrap:anywhere;border:1px solid #ddd}"
    ".push{background:#fff9d6}"
    ".from{color:#666;font-size:.85em}"
    ".signin{background:#e8f0fe;padding:8px 12px;border-radius:8px}"
    "ul{list-style:none;padding:0}li{border-bottom:1px solid #ddd;padding:10px 0}"
    "li a{display:block}"
    "a{color:#0645ad}";

/* ---- texts as HTML */

static int url_byte(unsigned char c)
{
    return c > ' ' && c < 0x80 && !strchr("<>\"'`", c);
}

/* Appends text[0..len) escaped. */
static void html_n(buf *b, const char *text, size_t len)
{
    char *copy = strndup(text, len);

    if (copy)
        buf_html(b, copy);
    else
        b->broken = 1;
    free(copy);
}

void phone_view_text_html(buf *b, const char *text)
{
    const char *p = text;

    while (*p) {
        const char *http = strstr(p, "http://"), *https = strstr(p, "https://");
        const char *at = !http ? https : !https ? http : http < https ? http : https;
        if (!at) {
            buf_html(b, p);
            return;
        }
        size_t scheme = at == https ? 8 : 7, len = scheme;
        while (url_byte((unsigned char)at[len]))
            len++;
        while (len > scheme && strchr(".,;:!?)", at[len - 1]))
            len--;
        html_n(b, p, (size_t)(at - p));
        if (len == scheme) { /* a scheme with no address after it */
            html_n(b, at, len);
        } else {
            buf_puts(b, "<a href=\"");
            html_n(b, at, len);
            buf_puts(b, "\">");
            html_n(b, at, len);
            buf_puts(b, "</a>");
        }
        p = at + len;
    }
}

/* ---- what the peers saw */

/* A peer's GET /stats, or NULL when it does not answer (or has no port:
 * no such peer in this run). */
static json_t *peer_stats(int port)
{
    char base[64], err[256];
    json_t *reply = NULL;

    if (!port)
        return NULL;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    http_client *hc = http_client_new(base, NULL);
    if (!hc)
        return NULL;
    if (http_client_call(hc, "GET", "/stats", NULL, 0, &reply, err, sizeof err) != 200) {
        json_decref(reply);
        reply = NULL;
    }
    http_client_free(hc);
    return reply;
}

/* ---- GET / */

typedef struct page_counts {
    const demo *d;
    long from, n;
    int *sms, *push;
    int *into; /* which of the two phone_texts_counts is filling */
} page_counts;

static void add_count(void *ctx, const char *phone, int texts)
{
    page_counts *c = ctx;
    uint64_t i;

    if (population_index_of_phone(phone, (uint64_t)c->d->notices, &i) == 0 &&
        (long)i >= c->from && (long)i < c->from + c->n)
        c->into[i - (uint64_t)c->from] += texts;
}

static void list_phones(phone_view *v, long from, buf *b)
{
    const demo *d = v->d;
    int sms[PAGE_PHONES] = {0}, push[PAGE_PHONES] = {0};
    long n = d->notices - from < PAGE_PHONES ? d->notices - from : PAGE_PHONES;
    page_counts c = {d, from, n, sms, push, sms};
    json_t *smsc = peer_stats(d->port_smsc_control), *gw = peer_stats(d->port_push_control);
    citizen z;

    phone_texts_counts(smsc, add_count, &c);
    c.into = push;
    phone_texts_counts(gw, add_count, &c);
    html_page_begin(b, "데모 휴대전화", "The demo's phones", "herald demo", style);
    buf_puts(b, "<p>시민마다 받은 문자와 알림입니다. 번호를 누르세요.<br><span class=\"en\">"
                "The texts each demo citizen's phone received. Tap a number.</span></p>\n");
    if (!smsc && d->port_smsc_control)
        buf_puts(b, "<p class=\"en\">(The SMSC peer did not answer.)</p>\n");
    if (!gw && d->port_push_control)
        buf_puts(b, "<p class=\"en\">(The push gateway peer did not answer.)</p>\n");
    buf_puts(b, "<ul>\n");
    for (long k = 0; k < n; k++) {
        population_citizen(d->seed, (uint64_t)(from + k), d->today, &z);
        buf_printf(b, "<li><a href=\"/phones/%s\">%s</a><span class=\"en\">SMS %d, push %d",
                   z.phone, z.phone, sms[k], push[k]);
        if (!population_reachable(&z))
            buf_puts(b, " (no platform: paper)");
        buf_puts(b, "</span></li>\n");
    }
    buf_puts(b, "</ul>\n<p>");
    if (from > 0)
        buf_printf(b, "<a href=\"/?from=%ld\">&larr; 이전 / previous</a> ",
                   from > PAGE_PHONES ? from - PAGE_PHONES : 0);
    if (from + n < d->notices)
        buf_printf(b, "<a href=\"/?from=%ld\">다음 / next &rarr;</a>", from + n);
    buf_puts(b, "</p>\n");
    html_page_end(b);
    json_decref(smsc);
    json_decref(gw);
}

/* ---- GET /phones/{number} */

typedef struct bubbles {
    buf *b;
    const char *cls, *from; /* the bubble's class, and who sent it (HTML) */
} bubbles;

static void one_text(void *ctx, const char *text)
{
    bubbles *u = ctx;

    buf_printf(u->b, "<div class=\"%s\"><div class=\"from\">%s</div>", u->cls, u->from);
    phone_view_text_html(u->b, text);
    buf_puts(u->b, "</div>\n");
}

/* The texts one peer holds for phone, as bubbles; how many. */
static int texts_section(buf *b, json_t *stats, int port, const char *phone, const char *cls,
                         const char *from)
{
    bubbles u = {b, cls, from};

    if (!port)
        return 0;
    if (!stats) {
        buf_printf(b, "<p class=\"en\">(%s did not answer.)</p>\n", from);
        return 0;
    }
    return phone_texts_each(stats, phone, one_text, &u);
}

static void show_phone(phone_view *v, const char *number, buf *b, int *status)
{
    const demo *d = v->d;
    char phone[14];
    uint64_t i;
    citizen z;

    if (phone_texts_number(number, phone) != 0 ||
        population_index_of_phone(phone, (uint64_t)d->notices, &i) != 0) {
        *status = 404;
        html_page_begin(b, "없는 번호입니다", "No such demo phone", "herald demo", style);
        buf_puts(b, "<p><a href=\"/\">데모 휴대전화 목록 / all demo phones</a></p>\n");
        html_page_end(b);
        return;
    }
    population_citizen(d->seed, i, d->today, &z);
    json_t *smsc = peer_stats(d->port_smsc_control), *gw = peer_stats(d->port_push_control);
    html_page_begin(b, z.phone, "A demo citizen's phone", "herald demo", style);
    buf_puts(b, "<p class=\"signin\">로그인 / Sign in: ");
    buf_html(b, z.phone);
    buf_puts(b, "<br>PIN: ");
    buf_html(b, z.pin);
    buf_puts(b, "<br><span class=\"en\">The PIN this demo citizen chose when signing up.</span>"
                "</p>\n<h2>문자와 알림 / Texts and alerts</h2>\n");
    int n = texts_section(b, smsc, d->port_smsc_control, z.phone, "sms",
                          "SMS &middot; carrier (SMSC peer)");
    n += texts_section(b, gw, d->port_push_control, z.phone, "push",
                       "Push &middot; messenger (gateway peer)");
    if (n == 0)
        buf_puts(b, population_reachable(&z)
                        ? "<p>아직 받은 문자가 없습니다.<br><span class=\"en\">No text has "
                          "reached this phone yet.</span></p>\n"
                        : "<p>이 시민은 어느 플랫폼에도 없어 종이 우편으로 받습니다.<br>"
                          "<span class=\"en\">This citizen is on no platform (or gave no "
                          "consent): the notice goes by post.</span></p>\n");
    buf_puts(b, "<p><a href=\"/\">&larr; 데모 휴대전화 목록 / all demo phones</a></p>\n");
    html_page_end(b);
    json_decref(smsc);
    json_decref(gw);
}

/* ---- serving */

static void handle(void *ctx, const http_request *req, http_response *resp)
{
    phone_view *v = ctx;
    buf b;
    int status = 200;

    if (!http_want_method(req, resp, "GET"))
        return;
    buf_init(&b, 8192);
    if (!strcmp(req->path, "/")) {
        const char *from = http_query(req, "from");
        long f = from ? strtol(from, NULL, 10) : 0;
        list_phones(v, f > 0 && f < v->d->notices ? f : 0, &b);
    } else if (!strncmp(req->path, "/phones/", 8)) {
        show_phone(v, req->path + 8, &b, &status);
    } else {
        buf_free(&b);
        http_reply_not_found(resp);
        return;
    }
    if (b.broken) {
        buf_free(&b);
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    size_t len;
    char *body = buf_take(&b, &len);
    http_reply_body(resp, status, "text/html; charset=utf-8", body, len);
    /* The same strict policy as the citizen pages: no script, nothing from
     * elsewhere, the inline style only. */
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    http_add_header(resp, "Referrer-Policy", "no-referrer");
}

phone_view *phone_view_start(demo *d, char *err, size_t errlen)
{
    phone_view *v = calloc(1, sizeof *v);

    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->d = d;
    v->http = http_server_bind("127.0.0.1:0", err, errlen);
    if (!v->http) {
        free(v);
        return NULL;
    }
    d->port_phones = http_server_port(v->http);
    if (http_server_serve(v->http, 4096, 2, NULL, handle, v, err, errlen) != 0) {
        http_server_stop(v->http);
        free(v);
        d->port_phones = 0;
        return NULL;
    }
    return v;
}

void phone_view_stop(phone_view *v)
{
    if (!v)
        return;
    http_server_stop(v->http);
    free(v);
}
