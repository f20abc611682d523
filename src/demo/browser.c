/* browser.c -- see browser.h. */
#include "browser.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define PAGE_MAX (8u << 20)

#define TOKEN_MAX 128

struct browser {
    CURL *curl;
    char csrf[TOKEN_MAX + 1]; /* the last page's form token, or "" */
};

/* Keeps the token of the page's first form, as the form a person would
 * submit next carries it. */
static void remember_token(browser *b, const char *body)
{
    static const char mark[] = "name=\"csrf\" value=\"";
    const char *at = body ? strstr(body, mark) : NULL;
    size_t n;

    if (!at)
        return;
    at += sizeof mark - 1;
    n = strcspn(at, "\"");
    if (n == 0 || n > TOKEN_MAX)
        return;
    memcpy(b->csrf, at, n);
    b->csrf[n] = '\0';
}

/* "Origin: scheme://host:port" of url, as a browser sends with a form. */
static void origin_header(const char *url, char *out, size_t outlen)
{
    const char *host = strstr(url, "://");
    size_t n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : strlen(url);

    snprintf(out, outlen, "Origin: %.*s", (int)n, url);
}

browser *browser_new(void)
{
    browser *b = calloc(1, sizeof *b);

    if (!b)
        return NULL;
    b->curl = curl_easy_init();
    if (!b->curl) {
        free(b);
        return NULL;
    }
    curl_easy_setopt(b->curl, CURLOPT_COOKIEFILE, ""); /* cookies in memory */
    return b;
}

void browser_free(browser *b)
{
    if (!b)
        return;
    curl_easy_cleanup(b->curl);
    free(b);
}

static size_t on_data(char *d, size_t size, size_t n, void *ud)
{
    buf *out = ud;

    if (out->len + size * n > PAGE_MAX)
        return 0;
    buf_append(out, d, size * n);
    return size * n;
}

static int perform(browser *b, const char *url, const char *form, page *p)
{
    struct curl_slist *headers = NULL;
    char origin[512];
    buf body;
    char *loc = NULL;
    CURLcode rc;

    memset(p, 0, sizeof *p);
    buf_init(&body, 4096);
    curl_easy_setopt(b->curl, CURLOPT_URL, url);
    curl_easy_setopt(b->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(b->curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(b->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(b->curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(b->curl, CURLOPT_NOSIGNAL, 1L);
    if (form) {
        origin_header(url, origin, sizeof origin);
        headers = curl_slist_append(NULL, origin);
        curl_easy_setopt(b->curl, CURLOPT_POSTFIELDS, form);
    } else {
        curl_easy_setopt(b->curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(b->curl, CURLOPT_HTTPHEADER, headers);
    rc = curl_easy_perform(b->curl);
    curl_easy_setopt(b->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        buf_free(&body);
        return -1;
    }
    curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &p->status);
    if (curl_easy_getinfo(b->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
        strncpy(p->location, loc, sizeof p->location - 1);
    p->body = buf_take(&body, &p->len);
    remember_token(b, p->body);
    return p->body ? 0 : -1;
}

int browser_get(browser *b, const char *url, page *p)
{
    return perform(b, url, NULL, p);
}

int browser_post_form(browser *b, const char *url, const char *const *pairs, page *p)
{
    buf form;
    int r;

    buf_init(&form, 256);
    buf_printf(&form, "csrf=%s", b->csrf); /* hex: nothing to escape */
    for (int i = 0; pairs[i] && pairs[i + 1]; i += 2) {
        char *v = curl_easy_escape(b->curl, pairs[i + 1], 0);
        buf_printf(&form, "&%s=%s", pairs[i], v ? v : "");
        curl_free(v);
    }
    r = form.broken ? -1 : perform(b, url, form.data ? form.data : "", p);
    buf_free(&form);
    return r;
}

void browser_page_free(page *p)
{
    free(p->body);
    memset(p, 0, sizeof *p);
}
