/* http_client.c -- see http_client.h. */
#include "http_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "tls_pin.h"

#define REPLY_MAX (64u << 20)

struct http_client {
    CURL *curl;
    char *base;
    struct curl_slist *headers;
    /* Replies, kept from call to call: a batch's answer is hundreds of KB,
     * and freeing a block that size made glibc merge all its small free
     * chunks every call. Wiped after each call (replies carry CIs). */
    buf resp;
    long retry_after_s; /* the last answer's Retry-After in seconds; -1: none */
    char pin[TLS_PIN_LEN]; /* the peer's pinned key (tls_pin.h); "" for none */
    int pin_refused;       /* the last call failed on the pin */
    long timeout_ms;       /* a whole call's, http_client_call's (DEFAULT_TIMEOUT_MS) */
    size_t reply_max;      /* the longest reply taken (REPLY_MAX unless set) */
    struct sink {          /* where the call in progress writes its reply */
        buf *b;
        size_t max;
        int too_long;      /* the reply went past max: the call failed */
    } sink;
    int slash;             /* the base URL ended in '/', taken off base */
    const atomic_llong *abort_at; /* a call in progress ends past this time */
};

/* A relay of 1,000 notices to a busy platform may take a while; a peer
 * that says nothing for this long is not going to. */
#define DEFAULT_TIMEOUT_MS 120000L

/* libcurl's progress callback, called while a call connects and at
 * least once a second while it waits: non-zero ends the call
 * (CURLE_ABORTED_BY_CALLBACK). */
static int abort_check(void *cls, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const http_client *c = cls;
    long long at = atomic_load(c->abort_at);
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;

    return at && clock_mono_ms() >= at;
}

/* Set again after every curl_easy_reset, as the pin is. */
static void use_abort(http_client *c)
{
    if (!c->abort_at)
        return;
    curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, abort_check);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
}

/* A herald peer with a pinned key: trust is that key (not a CA, not a
 * name; the peer's certificate is self-signed), over TLS 1.3 only. Set
 * again after every curl_easy_reset. A peer without a pin (a push gateway,
 * an agency's callback URL) gets libcurl's usual CA checks. */
static void use_pin(http_client *c)
{
    if (!c->pin[0])
        return;
    curl_easy_setopt(c->curl, CURLOPT_PINNEDPUBLICKEY, c->pin);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c->curl, CURLOPT_SSLVERSION,
                     (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_DEFAULT));
}

/* Why a call got no answer, in words an operator can act on. */
static void describe_failure(http_client *c, CURLcode rc, const char *method,
                             const char *url, char *err, size_t errlen)
{
    c->pin_refused = rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
    if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
        snprintf(err, errlen,
                 "%s %s: refused: the peer's public key does not match the pin %s in the "
                 "config (a wrong pin, a replaced key, or not the peer); nothing was sent",
                 method, url, c->pin);
    else if (c->pin[0] && (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM))
        snprintf(err, errlen, "%s %s: TLS 1.3 handshake failed: %s (is the peer serving TLS?)",
                 method, url, curl_easy_strerror(rc));
    else if (rc == CURLE_WRITE_ERROR && c->sink.too_long)
        snprintf(err, errlen, "%s %s: the reply is longer than the %zu bytes taken", method, url,
                 c->sink.max);
    else
        snprintf(err, errlen, "%s %s: %s", method, url, curl_easy_strerror(rc));
}

/* For a caller that wants the status only: the body is read and let go,
 * whatever its size. */
static size_t on_data_dropped(char *p, size_t size, size_t n, void *ud)
{
    (void)p, (void)ud;
    return size * n;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct sink *k = ud;
    buf *b = k->b;

    if (b->len + size * n > k->max) {
        k->too_long = 1;
        return 0; /* aborts the transfer */
    }
    buf_append(b, p, size * n);
    return b->broken ? 0 : size * n;
}

http_client *http_client_new(const char *base_url, const char *bearer_key)
{
    static int global_done;
    http_client *c = calloc(1, sizeof *c);
    char auth[400];

    if (!c)
        return NULL;
    if (!global_done) { /* first call happens before threads start */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        global_done = 1;
    }
    buf_init(&c->resp, 4096);
    buf_set_secret(&c->resp);
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    c->curl = curl_easy_init();
    c->base = strdup(base_url);
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, "Expect:");
    if (bearer_key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer_key);
        c->headers = curl_slist_append(c->headers, auth);
        secure_wipe(auth, sizeof auth);
    }
    if (!c->curl || !c->base || !c->headers || c->resp.broken) {
        http_client_free(c);
        return NULL;
    }
    size_t n = strlen(c->base);
    if (n && c->base[n - 1] == '/') {
        c->base[n - 1] = '\0';
        c->slash = 1;
    }
    if (!strncmp(c->base, "https://", 8) && !tls_pin_for(c->base, c->pin))
        c->pin[0] = '\0';
    return c;
}

/* base + path; an empty path is the URL as it was given, its final '/'
 * included: a receiver routed at ".../callbacks/" may answer the same
 * path without it with a redirect or a 404. */
static void make_url(const http_client *c, const char *path, char *url, size_t cap)
{
    snprintf(url, cap, "%s%s", c->base, path[0] ? path : c->slash ? "/" : "");
}

void http_client_abort_at(http_client *c, const atomic_llong *at_ms)
{
    c->abort_at = at_ms;
}

void http_client_set_timeout_ms(http_client *c, long ms)
{
    c->timeout_ms = ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

void http_client_set_reply_max(http_client *c, size_t bytes)
{
    c->reply_max = bytes > 0 && bytes < REPLY_MAX ? bytes : REPLY_MAX;
}

/* The reply of the call about to be made goes to b, within the limit. */
static struct sink *sink_to(http_client *c, buf *b)
{
    c->sink = (struct sink){b, c->reply_max ? c->reply_max : REPLY_MAX, 0};
    return &c->sink;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->base);
    buf_free(&c->resp);
    free(c);
}

/* Beyond this a reply's buffer is not kept for the next call: one huge
 * answer must not pin its memory for the client's lifetime. */
#define REPLY_KEEP_MAX ((size_t)4 << 20)

/* Empties the reply buffer for the next call; a buffer that grew too big
 * or broke (a failed allocation) is started afresh. */
static void wipe_reply(buf *resp)
{
    if (resp->data)
        secure_wipe(resp->data, resp->len);
    resp->len = 0;
    if (resp->broken || resp->cap > REPLY_KEEP_MAX) {
        buf_free(resp);
        buf_init(resp, 4096);
        buf_set_secret(resp);
    }
}

/* A 429's or 503's Retry-After, for http_client_retry_after_s. */
static void read_retry_after(http_client *c, long status)
{
    curl_off_t after = -1;

    if (curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after >= 0 &&
        (status == 429 || status == 503))
        c->retry_after_s = after > 86400 ? 86400 : (long)after;
}

int http_client_call(http_client *c, const char *method, const char *path,
                     const char *body, size_t body_len, json_t **reply,
                     char *err, size_t errlen)
{
    char url[2048];
    buf *resp = &c->resp;
    long status = 0;
    CURLcode rc;

    *reply = NULL;
    if (errlen)
        err[0] = '\0';
    c->retry_after_s = -1;
    make_url(c, path, url, sizeof url);
    curl_easy_reset(c->curl);
    use_pin(c);
    use_abort(c);
    c->pin_refused = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, sink_to(c, resp));
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    rc = curl_easy_perform(c->curl);
    if (rc != CURLE_OK) {
        describe_failure(c, rc, method, url, err, errlen);
        wipe_reply(resp);
        return 0;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    read_retry_after(c, status);
    if (resp->len) {
        json_error_t jerr;
        *reply = json_loadb(resp->data, resp->len, 0, &jerr);
        /* the error text quotes the reply near the fault: a CI, perhaps */
        secure_wipe(&jerr, sizeof jerr);
    }
    if (status >= 400) {
        /* our roles' {"error": …}, or a problem's (RFC 9457) "detail";
         * anything else in them is not text to log */
        const char *e = json_string_value(json_object_get(*reply, "error"));
        if (!e)
            e = json_string_value(json_object_get(*reply, "detail"));
        snprintf(err, errlen, "%s %s: HTTP %ld%s%s", method, url, status, e ? ": " : "",
                 e ? e : "");
        /* the peer's words may reach a log line or an evidence leaf's
         * reason: one line of text */
        for (char *ch = err; *ch; ch++)
            if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
                *ch = ' ';
    } else if (status != 200) { /* callers treat all but 200 as a failure, and log err */
        snprintf(err, errlen, "%s %s: HTTP %ld", method, url, status);
    }
    wipe_reply(resp);
    return (int)status;
}

int http_client_pin_refused(const http_client *c)
{
    return c->pin_refused;
}

long http_client_retry_after_s(const http_client *c)
{
    return c->retry_after_s;
}

/* Nothing of the request can have left: the connection was never made. */
static int never_sent(CURL *curl, CURLcode rc)
{
    long request_bytes = 0;

    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
        rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_URL_MALFORMAT ||
        rc == CURLE_UNSUPPORTED_PROTOCOL)
        return 1;
    return curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes) == CURLE_OK &&
           request_bytes == 0;
}

/* Appends each "Name: value" line of lines (separated by '\n'; NULL for
 * none). 0, or -1 when out of memory. */
static int add_header_lines(struct curl_slist **headers, const char *lines)
{
    char line[1024];

    while (lines && *lines) {
        size_t n = strcspn(lines, "\n");
        if (n >= sizeof line)
            return -1;
        memcpy(line, lines, n);
        line[n] = '\0';
        struct curl_slist *h = curl_slist_append(*headers, line);
        if (!h)
            return -1;
        *headers = h;
        lines += n + (lines[n] == '\n');
    }
    return 0;
}

int http_client_get_raw(http_client *c, const char *path, const char *header, buf *reply,
                        char *err, size_t errlen)
{
    struct curl_slist *headers = NULL, *h;
    char url[2048];
    long status = 0;
    CURLcode rc;

    for (h = c->headers; h; h = h->next)
        if (!(headers = curl_slist_append(headers, h->data)))
            break;
    if (!headers || add_header_lines(&headers, header) != 0) {
        curl_slist_free_all(headers);
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    make_url(c, path, url, sizeof url);
    curl_easy_reset(c->curl);
    use_pin(c);
    use_abort(c);
    c->pin_refused = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, sink_to(c, reply));
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    rc = curl_easy_perform(c->curl);
    if (rc != CURLE_OK)
        describe_failure(c, rc, "GET", url, err, errlen);
    else
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return (int)status;
}

int http_client_post_raw(http_client *c, const char *path, const char *header,
                         const char *body, size_t body_len, long timeout_ms, buf *reply,
                         int *unsent, char *err, size_t errlen)
{
    struct curl_slist *headers = NULL, *h;
    char url[2048];
    long status = 0;
    CURLcode rc;

    *unsent = 0;
    for (h = c->headers; h; h = h->next)
        if (!(headers = curl_slist_append(headers, h->data)))
            break;
    if (!headers || add_header_lines(&headers, header) != 0) {
        curl_slist_free_all(headers);
        snprintf(err, errlen, "out of memory");
        *unsent = 1;
        return 0;
    }
    make_url(c, path, url, sizeof url);
    curl_easy_reset(c->curl);
    use_pin(c);
    use_abort(c);
    c->pin_refused = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, reply ? on_data : on_data_dropped);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, sink_to(c, reply)); /* (NULL: dropped) */
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    c->retry_after_s = -1;
    rc = curl_easy_perform(c->curl);
    if (rc != CURLE_OK) {
        *unsent = never_sent(c->curl, rc);
        describe_failure(c, rc, "POST", url, err, errlen);
    } else {
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        read_retry_after(c, status);
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return (int)status;
}

int http_client_json(http_client *c, const char *method, const char *path,
                     json_t *body, json_t **reply, char *err, size_t errlen)
{
    char *text = json_dumps(body, JSON_COMPACT);
    int status;

    if (!text) {
        snprintf(err, errlen, "cannot encode request");
        *reply = NULL;
        return 0;
    }
    status = http_client_call(c, method, path, text, strlen(text), reply, err, errlen);
    secure_wipe(text, strlen(text));
    free(text);
    return status;
}

int http_client_read_key(const char *path, char *key, size_t keylen,
                         char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    size_t n;

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
        fclose(f);
        snprintf(err, errlen, "%s: API key file is readable by others; run chmod 600 on it", path);
        return -1;
    }
    if (!fgets(key, (int)keylen, f)) {
        fclose(f);
        snprintf(err, errlen, "%s: empty", path);
        return -1;
    }
    fclose(f);
    n = strcspn(key, "\r\n");
    key[n] = '\0';
    if (n == 0 || n > 256) {
        snprintf(err, errlen, "%s: expected one line holding an API key", path);
        return -1;
    }
    return 0;
}
