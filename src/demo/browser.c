/* browser.c -- see browser.h. */
#include "browser.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define PAGE_MAX (8u << 20)

struct browser {
    CURL *curl;
};

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
        curl_easy_setopt(b->curl, CURLOPT_POSTFIELDS, form);
    } else {
        curl_easy_setopt(b->curl, CURLOPT_HTTPGET, 1L);
    }
    rc = curl_easy_perform(b->curl);
    if (rc != CURLE_OK) {
        buf_free(&body);
        return -1;
    }
    curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &p->status);
    if (curl_easy_getinfo(b->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
        strncpy(p->location, loc, sizeof p->location - 1);
    p->body = buf_take(&body, &p->len);
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
    for (int i = 0; pairs[i] && pairs[i + 1]; i += 2) {
        char *v = curl_easy_escape(b->curl, pairs[i + 1], 0);
        buf_printf(&form, "%s%s=%s", i ? "&" : "", pairs[i], v ? v : "");
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
