/* demo_api.c -- see demo_api.h. */
#include "demo_api.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "crypto.h"
#include "http_client.h"
#include "http_server.h"
#include "population.h"
#include "procs.h"
#include "push_signature.h"
#include "rrn.h"

#define DEMO_API_TEMPLATE "vehicle-tax"

/* The receiver: the first signed batch it got. */
struct demo_api {
    http_server *http;
    char key[128];
    char api_key[128];
    pthread_mutex_t lock;
    char *first; /* the first body whose signature verified */
    char key_id[64];
};

static const char template_html[] =
    "<!doctype html><html lang=\"ko\"><meta charset=\"utf-8\"><title>((title))</title>\n"
    "<h1>((title))</h1><p>((name)) 님 / ((address))</p>\n"
    "<p>납부 금액 / Amount: ((amount)) 원, 기한 / due ((deadline))</p>\n";

static void receive(void *ctx, const http_request *req, http_response *resp)
{
    struct demo_api *a = ctx;
    const char *sig = http_header(req, PUSH_SIGNATURE_HEADER), *kid;
    char err[128];

    if (!sig || push_signature_check(sig, (const uint8_t *)a->key, strlen(a->key),
                                     clock_now_ms(), req->body, req->body_len, err,
                                     sizeof err) != 0) {
        http_reply_error(resp, 401, "bad signature");
        return;
    }
    pthread_mutex_lock(&a->lock);
    if (!a->first) {
        a->first = strdup(req->body);
        kid = http_header(req, "Herald-Key-Id");
        snprintf(a->key_id, sizeof a->key_id, "%s", kid ? kid : "?");
    }
    pthread_mutex_unlock(&a->lock);
    http_reply_json(resp, 200, json_pack("{sb}", "ok", 1));
}

static int run_last_line(const demo *d, char *const argv[], char *out, size_t len, char *err,
                         size_t errlen)
{
    char log[4096];

    demo_path(d, log, sizeof log, "agency", "api-setup.log");
    if (procs_run(log, argv, out, len) != 0) {
        snprintf(err, errlen, "herald %s %s failed; see %s", argv[0], argv[1], log);
        return -1;
    }
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int demo_api_setup(demo *d, char *err, size_t errlen)
{
    struct demo_api *a = calloc(1, sizeof *a);
    char path[4096], cfg[4096], url[128], line[1024];

    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&a->lock, NULL);
    d->api = a;
    demo_path(d, path, sizeof path, "agency", "templates");
    demo_path(d, cfg, sizeof cfg, "agency", "agency.ini");
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    demo_path(d, path, sizeof path, "agency", "templates/" DEMO_API_TEMPLATE ".html");
    if (demo_write_file(path, template_html, 0644, err, errlen) != 0)
        return -1;
    char *key_add[] = {"agency", "key", "add", "--config", cfg, "demo-backoffice", NULL};
    if (run_last_line(d, key_add, a->api_key, sizeof a->api_key, err, errlen) != 0)
        return -1;
    if (!(a->http = http_server_start("127.0.0.1:0", 1 << 20, 1, receive, a, err, errlen)))
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/callbacks", http_server_port(a->http));
    char *cb_set[] = {"agency", "callback", "set", "--config", cfg, url, NULL};
    if (run_last_line(d, cb_set, line, sizeof line, err, errlen) != 0)
        return -1;
    json_t *o = json_loads(line, 0, NULL);
    const char *key = json_string_value(json_object_get(o, "key"));
    snprintf(a->key, sizeof a->key, "%s", key ? key : "");
    json_decref(o);
    secure_wipe(line, sizeof line);
    return 0;
}

/* A citizen no platform reaches: their notice makes no alert (the demo's
 * alert counts stay as the send left them) and goes to paper. */
static int unreachable(const demo *d, citizen *c)
{
    for (uint64_t i = 0; i < 100000; i++) {
        population_citizen(d->seed, i, d->today, c);
        if (!population_reachable(c))
            return 0;
    }
    return -1;
}

static json_t *notice_json(const citizen *c, const char *rrn, const char *deadline)
{
    char amount[32];

    snprintf(amount, sizeof amount, "%ld", c->amount);
    return json_pack("{ss ss ss ss ss s{ss} ss ss}", "template", DEMO_API_TEMPLATE, "reference",
                     "nts-api-2026-000001", "rrn", rrn, "name", c->name, "address", c->address,
                     "personalisation", "amount", amount, "title",
                     "2026년 자동차세 납부 안내 / Vehicle tax 2026", "deadline", deadline);
}

static void print_json(const char *prefix, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    printf("%s%s\n", prefix, text ? text : "?");
    free(text);
}

static void post_notice(demo *d)
{
    struct demo_api *a = d->api;
    char url[64], masked[RRN_MASKED_LEN + 1], err[256];
    json_t *reply = NULL;
    citizen c;

    if (unreachable(d, &c) != 0) {
        printf("Back-office API: no citizen without a platform to post for\n");
        return;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d", d->port_agency);
    http_client *hc = http_client_new(url, a->api_key);
    json_t *body = notice_json(&c, c.rrn, d->deadline);
    rrn_mask(masked, c.rrn, strlen(c.rrn));
    json_t *shown = notice_json(&c, masked, d->deadline);
    int status = hc ? http_client_json(hc, "POST", "/v1/notices", body, &reply, err, sizeof err)
                    : 0;
    printf("\nThe agency's back-office API (RRN shown masked):\n  POST %s/v1/notices\n", url);
    print_json("  ", shown);
    printf("  -> HTTP %d ", status);
    if (reply)
        print_json("", reply);
    else
        printf("%s\n", err);
    json_decref(body);
    json_decref(shown);
    json_decref(reply);
    http_client_free(hc);
    secure_wipe(&c, sizeof c);
}

void demo_api_show(demo *d)
{
    struct demo_api *a = d->api;
    char *first = NULL;

    if (!a)
        return;
    post_notice(d);
    for (int i = 0; i < 100 && !first; i++) {
        pthread_mutex_lock(&a->lock);
        if (a->first)
            first = strdup(a->first);
        pthread_mutex_unlock(&a->lock);
        if (!first) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (first)
        printf("A callback the back office received (signature verified, key id %s):\n  %s\n",
               a->key_id, first);
    else
        printf("No callback arrived within 10 s (see agency/agency.log)\n");
    fflush(stdout);
    free(first);
}

void demo_api_stop(demo *d)
{
    struct demo_api *a = d->api;

    if (!a)
        return;
    if (a->http)
        http_server_stop(a->http);
    free(a->first);
    pthread_mutex_destroy(&a->lock);
    secure_wipe(a, sizeof *a);
    free(a);
    d->api = NULL;
}
