/* idsvc.c -- `herald idsvc`: the Identification Service Agency.
 *
 * The only party that holds the CI key. Agencies and platforms send batches
 * of RRNs and get CIs back in the same order; nothing is stored, and no RRN
 * is written anywhere, not even masked in logs: log lines carry counts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apikeys.h"
#include "buf.h"
#include "ci.h"
#include "cli.h"
#include "crypto.h"
#include "http_server.h"
#include "keyfile.h"
#include "log.h"
#include "rrn.h"

#define IDSVC_MAX_BATCH 10000
#define IDSVC_MAX_BODY (1u << 20)

typedef struct idsvc {
    hmac512_key *key; /* in secure memory */
    apikeys clients;
} idsvc;

static const char usage[] =
    "Usage: herald idsvc --key-file FILE --listen HOST:PORT --clients FILE\n"
    "                    [--threads N] [--quiet]\n\n"
    "Serves POST /v1/ci: {\"rrns\":[...]} (at most 10,000) -> {\"results\":[...]},\n"
    "each {\"ci\":...} or {\"error\":...}, in order. Callers authenticate with\n"
    "'Authorization: Bearer KEY'; the clients FILE lists \"NAME SHA256-OF-KEY\" per\n"
    "line (see 'herald apikey'). GET /v1/health answers without a key.\n"
    "SIGTERM or SIGINT finishes the requests in flight and exits.\n\n"
    "  --key-file FILE     the CI secret (made by 'herald keygen --hmac')\n"
    "  --listen HOST:PORT  where to listen, e.g. 127.0.0.1:7001\n"
    "  --clients FILE      who may call\n"
    "  --threads N         worker threads (default 2)\n"
    "  --quiet             log only warnings and errors\n";

static long elapsed_us(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Converts one batch into the response text. The answer is written
 * directly: CIs are base64 and reasons are our own constants, so nothing
 * needs escaping, and 10,000 results cost one buffer instead of 30,000
 * JSON nodes. */
static void convert_batch(const idsvc *s, json_t *rrns, int strict, buf *out,
                          size_t *failed)
{
    int today = rrn_today();
    size_t i;
    json_t *v;

    buf_init(out, json_array_size(rrns) * 100 + 16);
    buf_puts(out, "{\"results\":[");
    json_array_foreach(rrns, i, v) {
        const char *reason = "not a string";
        char ci[CI_LEN + 1];
        rrn r;
        rrn_status st = RRN_INVALID;

        if (i)
            buf_append(out, ",", 1);
        if (json_is_string(v))
            st = rrn_parse(json_string_value(v), json_string_length(v), today,
                           strict, &r, &reason);
        if (st == RRN_INVALID) {
            buf_printf(out, "{\"error\":\"%s\"}", reason);
            (*failed)++;
            continue;
        }
        ci_derive(s->key, r.digits, ci);
        secure_wipe(&r, sizeof r);
        buf_puts(out, "{\"ci\":\"");
        buf_append(out, ci, CI_LEN);
        if (st == RRN_CHECKSUM_WARNING)
            buf_printf(out, "\",\"warning\":\"%s\"}", reason);
        else
            buf_puts(out, "\"}");
    }
    buf_puts(out, "]}");
}

/* jansson keeps its own copies of the RRNs: wipe them before freeing. */
static void wipe_strings(json_t *array)
{
    size_t i;
    json_t *v;

    json_array_foreach(array, i, v)
        if (json_is_string(v))
            secure_wipe((char *)json_string_value(v), json_string_length(v));
}

static void handle_ci(idsvc *s, const apikey_entry *caller, const http_request *req,
                      http_response *resp)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *rrns, *strict;
    struct timespec t0;
    size_t failed = 0, n, len;
    buf out;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!body) {
        /* jansson's message may quote input text: report only the place. */
        http_reply_error(resp, 400, "malformed JSON at line %d column %d",
                         jerr.line, jerr.column);
        return;
    }
    rrns = json_object_get(body, "rrns");
    strict = json_object_get(body, "strict");
    if (!json_is_array(rrns) || (strict && !json_is_boolean(strict))) {
        json_decref(body);
        http_reply_error(resp, 400, "expected {\"rrns\":[...], \"strict\": optional boolean}");
        return;
    }
    n = json_array_size(rrns);
    if (n > IDSVC_MAX_BATCH) {
        json_decref(body);
        http_reply_error(resp, 413, "at most %d RRNs per request, got %zu",
                         IDSVC_MAX_BATCH, n);
        return;
    }
    convert_batch(s, rrns, json_is_true(strict), &out, &failed);
    wipe_strings(rrns);
    json_decref(body);
    char *text = buf_take(&out, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, 200, "application/json", text, len);
    log_info("POST /v1/ci client=%s rrns=%zu failed=%zu %.1f ms", caller->name, n,
             failed, elapsed_us(&t0) / 1000.0);
}

/* Refuses unknown paths and callers before their body is read. */
static int gate(void *ctx, const http_request *req, size_t *max_body)
{
    idsvc *s = ctx;
    (void)max_body;

    if (!strcmp(req->path, "/v1/health"))
        return 0;
    if (strcmp(req->path, "/v1/ci") != 0)
        return 404;
    return apikeys_check(&s->clients, http_header(req, "Authorization")) ? 0 : 401;
}

static void handle(void *ctx, const http_request *req, http_response *resp)
{
    idsvc *s = ctx;
    const apikey_entry *caller;

    if (http_answer_health(req, resp))
        return;
    if (strcmp(req->path, "/v1/ci") != 0) {
        http_reply_not_found(resp);
        return;
    }
    if (http_want_method(req, resp, "POST") &&
        (caller = apikeys_authorize(&s->clients, req, resp)) != NULL)
        handle_ci(s, caller, req, resp);
}

static int load_key(idsvc *s, const char *path)
{
    uint8_t raw[32];
    char err[512];

    if (keyfile_read(path, 1, raw, sizeof raw, err, sizeof err) != 0)
        return cli_fail("idsvc", "%s", err);
    s->key = secure_alloc(sizeof *s->key);
    if (!s->key) {
        secure_wipe(raw, sizeof raw);
        return cli_fail("idsvc", "cannot allocate secure memory for the key");
    }
    hmac512_key_init(s->key, raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    return EXIT_OK;
}

int cmd_idsvc(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key-file", required_argument, 0, 'k'},
        {"listen", required_argument, 0, 'l'},
        {"clients", required_argument, 0, 'c'},
        {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *keyfile = NULL, *listen = NULL, *clients = NULL;
    long threads = 2;
    idsvc s = {0};
    char err[512];
    http_server *srv;
    int c, sig;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': keyfile = optarg; break;
        case 'l': listen = optarg; break;
        case 'c': clients = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 1, 64, &threads) != 0)
                return cli_usage_error("idsvc", "--threads must be 1 to 64");
            break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error("idsvc", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("idsvc", "unexpected argument '%s'", argv[optind]);
    if (!keyfile || !listen || !clients)
        return cli_usage_error("idsvc", "--key-file, --listen and --clients are required");
    log_set_name("idsvc");
    if (apikeys_load(&s.clients, clients, err, sizeof err) != 0)
        return cli_fail("idsvc", "%s", err);
    if (load_key(&s, keyfile) != EXIT_OK) {
        apikeys_free(&s.clients);
        return EXIT_FAIL;
    }
    cli_block_shutdown_signals();
    srv = http_server_start_gated(listen, IDSVC_MAX_BODY, (unsigned)threads, gate, handle, &s,
                                  err, sizeof err);
    if (!srv) {
        secure_free(s.key);
        apikeys_free(&s.clients);
        return cli_fail("idsvc", "%s", err);
    }
    log_info("listening on %s (port %d), %zu clients, %ld threads", listen,
             http_server_port(srv), s.clients.count, threads);
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests in flight", sig);
    http_server_stop(srv);
    secure_free(s.key);
    apikeys_free(&s.clients);
    log_info("stopped");
    return EXIT_OK;
}
