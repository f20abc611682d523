/* platform.c -- the running platform: loading platform.ini's settings,
 * keys and database, then starting and stopping its threads. See
 * platform.h for how the work is split. */
#include "platform.h"
#include "str_copy.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csrf.h"
#include "http_client.h"
#include "keyfile.h"
#include "log.h"
#include "platform_api.h"
#include "platform_reports.h"
#include "push_channel.h"

/* Reads a one-line API key file into secure memory. */
static char *read_key(const config *cfg, const char *section, char *err, size_t errlen)
{
    const char *v = config_require(cfg, section, "key_file", err, errlen);
    char path[PATH_MAX], *key;

    if (!v)
        return NULL;
    config_path(cfg, v, path, sizeof path);
    key = secure_alloc(APIKEY_TOKEN_MAX + 2);
    if (!key) {
        snprintf(err, errlen, "cannot allocate secure memory");
        return NULL;
    }
    if (http_client_read_key(path, key, APIKEY_TOKEN_MAX + 2, err, errlen) != 0) {
        secure_free(key);
        return NULL;
    }
    return key;
}

static int load_view_key(platform *p, const config *cfg, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "platform", "view_key", err, errlen);
    uint8_t seed[ED25519_SEED_LEN], pk[ED25519_PUBLIC_LEN];
    char path[PATH_MAX];

    if (!v)
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (keyfile_read(path, 1, seed, sizeof seed, err, errlen) != 0)
        return -1;
    p->view_sk = secure_alloc(ED25519_SECRET_LEN);
    if (!p->view_sk) {
        secure_wipe(seed, sizeof seed);
        snprintf(err, errlen, "cannot allocate secure memory");
        return -1;
    }
    ed25519_from_seed(pk, p->view_sk, seed);
    /* The forms' token key (csrf.h): derived, so no key file more, and
     * one way, so a token never tells anything of the view key. */
    p->csrf_key = secure_alloc(CSRF_KEY_LEN);
    if (!p->csrf_key) {
        secure_wipe(seed, sizeof seed);
        snprintf(err, errlen, "cannot allocate secure memory");
        return -1;
    }
    hmac_sha256_2(seed, sizeof seed, "herald csrf key", 15, "", 0, p->csrf_key);
    secure_wipe(seed, sizeof seed);
    return 0;
}

static int copy_setting(const config *cfg, const char *section, const char *key, char *out,
                        size_t outlen, char *err, size_t errlen)
{
    const char *v = config_require(cfg, section, key, err, errlen);

    if (!v)
        return -1;
    if (strlen(v) >= outlen) {
        snprintf(err, errlen, "%s: [%s] %s is too long", cfg->path, section, key);
        return -1;
    }
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

static int load_settings(platform *p, const config *cfg, char *err, size_t errlen)
{
    const char *v;

    if (copy_setting(cfg, "platform", "name", p->name, sizeof p->name, err, errlen) ||
        copy_setting(cfg, "platform", "public_url", p->public_url, sizeof p->public_url, err,
                     errlen) ||
        copy_setting(cfg, "idsvc", "url", p->idsvc_url, sizeof p->idsvc_url, err, errlen) ||
        copy_setting(cfg, "hub", "url", p->hub_url, sizeof p->hub_url, err, errlen))
        return -1;
    if (transport_from_config(&p->tls, cfg, err, errlen) != 0 ||
        transport_peer(&p->tls, cfg, "idsvc", p->idsvc_url, err, errlen) != 0 ||
        transport_peer(&p->tls, cfg, "hub", p->hub_url, err, errlen) != 0)
        return -1;
    if ((v = config_get(cfg, "platform", "web_listen")) != NULL &&
        str_copy(p->web_listen, sizeof p->web_listen, v) != strlen(v)) {
        snprintf(err, errlen, "%s: [platform] web_listen is too long", cfg->path);
        return -1;
    }
    if (!apikeys_name_ok(p->name, strlen(p->name))) {
        snprintf(err, errlen, "%s: [platform] name must be 1-64 of [A-Za-z0-9._-]", cfg->path);
        return -1;
    }
    if (csrf_origin_of(p->public_url, p->public_origin) != 0) {
        snprintf(err, errlen, "%s: [platform] public_url must be an http:// or https:// URL",
                 cfg->path);
        return -1;
    }
    p->secure_cookie = !strncmp(p->public_origin, "https://", 8);
    v = config_get(cfg, "platform", "pin_hash");
    if (!v || !strcmp(v, "interactive"))
        p->pin_cost = PWHASH_INTERACTIVE;
    else if (!strcmp(v, "min"))
        p->pin_cost = PWHASH_MIN;
    else {
        snprintf(err, errlen, "%s: [platform] pin_hash must be interactive or min", cfg->path);
        return -1;
    }
    if (config_long(cfg, "platform", "view_token_ttl_s", 300, 10, 900, &p->view_token_ttl_s,
                    err, errlen) ||
        config_long(cfg, "platform", "session_ttl_s", 1800, 60, 86400, &p->session_ttl_s, err,
                    errlen) ||
        config_long(cfg, "platform", "threads", 4, 1, 64, &p->threads, err, errlen) ||
        http_limits_load(cfg, &p->http, err, errlen) ||
        config_long(cfg, "platform", "report_interval_ms", 200, 10, 60000,
                    &p->report_interval_ms, err, errlen))
        return -1;
    p->pin_check_slots = p->threads > 1 ? (int)p->threads / 2 : 1;
    return 0;
}

/* What an alert moved from channel `from` to `to` should say of its
 * text, made for `from`: none's is push's, bilingual. */
static const char *text_note(const char *from, const char *to)
{
    int from_sms = !strcmp(from, SMS_CHANNEL_NAME), to_sms = !strcmp(to, SMS_CHANNEL_NAME);

    if (from_sms && !to_sms)
        return "; their text was made for SMS (Korean only, shorter) and is sent as it is";
    if (!from_sms && to_sms)
        return "; their text is the bilingual one, sent as it is (it may take more SMS segments)";
    return "";
}

/* Alerts queued under the channel the platform had before ([sms], [push]
 * or none) go to the one it has now: left under the old name they would
 * never be sent, and the hub would hear of no later alert either. Sent
 * with the old channel's text, they still reach the member. */
static int adopt_queued(platform *p)
{
    outbox_adopted a;
    int moved, named = 0;

    if (!strcmp(p->channel, "none")) /* nothing sends: they wait for a channel */
        return 0;
    if ((moved = platform_db_outbox_adopt(p->db, p->channel, &a)) <= 0)
        return moved;
    for (int i = 0; i < a.named; i++) {
        named += a.from[i].n;
        log_warn("outbox: %d alerts queued under channel %s%s now go to %s%s", a.from[i].n,
                 a.from[i].channel, strcmp(a.from[i].channel, "none") ? "" : " (no channel)",
                 p->channel, text_note(a.from[i].channel, p->channel));
    }
    if (moved > named)
        log_warn("outbox: %d alerts queued under other channels now go to %s", moved - named,
                 p->channel);
    return 0;
}

int platform_open_db(platform *p, const config *cfg, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "platform", "dir", err, errlen);
    char dir[PATH_MAX], path[PATH_MAX + 32];

    if (!v)
        return -1;
    config_path(cfg, v, dir, sizeof dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/platform.db", dir);
    snprintf(p->db_path, sizeof p->db_path, "%s", path);
    p->db = platform_db_open(path, err, errlen);
    if (!p->db)
        return -1;
    if (adopt_queued(p) != 0) {
        snprintf(err, errlen, "%s: cannot give the alerts queued for another channel to %s"
                 " (see the log)", path, p->channel);
        return -1;
    }
    platform_metrics_open(p);
    return 0;
}

/* The one alert channel: [sms] (a carrier), [push] (a messenger) or
 * none, when alerts stay queued (nothing is sent, so nothing is reported
 * as notified). */
static int load_channel(platform *p, const config *cfg, char *err, size_t errlen)
{
    int sms = sms_settings_present(cfg), push = push_channel_configured(cfg);

    if (sms && push) {
        snprintf(err, errlen, "%s: [sms] and [push] both set: a platform has one alert channel",
                 cfg->path);
        return -1;
    }
    snprintf(p->channel, sizeof p->channel, "%s",
             sms ? SMS_CHANNEL_NAME : push ? PUSH_CHANNEL : "none");
    if (push)
        return (p->push = push_channel_open(cfg, err, errlen)) ? 0 : -1;
    if (!sms)
        return 0;
    p->has_sms = 1;
    return sms_settings_load(&p->sms_set, cfg, err, errlen);
}

int platform_open(platform *p, const config *cfg, char *err, size_t errlen)
{
    const char *v;
    char path[PATH_MAX];

    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    if (load_settings(p, cfg, err, errlen) != 0 || load_view_key(p, cfg, err, errlen))
        return -1;
    if (!(v = config_require(cfg, "platform", "clients", err, errlen)))
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (apikeys_load(&p->clients, path, err, errlen) != 0)
        return -1;
    if (!(p->idsvc_key = read_key(cfg, "idsvc", err, errlen)) ||
        !(p->hub_key = read_key(cfg, "hub", err, errlen)))
        return -1;
    if (pwhash_str(p->dummy_pin_hash, "0000", 4, p->pin_cost) != 0) {
        snprintf(err, errlen, "cannot hash a PIN (out of memory?)");
        return -1;
    }
    if (load_channel(p, cfg, err, errlen) != 0 ||
        metrics_access_config(&p->metrics, cfg, "platform", err, errlen) != 0)
        return -1;
    return 0;
}

void platform_close(platform *p)
{
    /* Bound but never served: a start that failed before platform_start. */
    http_server_stop(p->server);
    http_server_stop(p->web);
    push_channel_free(p->push);
    platform_metrics_close(p);
    http_metrics_free(p->requests);
    metrics_access_close(&p->metrics);
    if (p->db)
        platform_db_close(p->db);
    apikeys_free(&p->clients);
    if (p->view_sk)
        secure_free(p->view_sk);
    if (p->csrf_key)
        secure_free(p->csrf_key);
    if (p->idsvc_key)
        secure_free(p->idsvc_key);
    if (p->hub_key)
        secure_free(p->hub_key);
    sms_settings_wipe(&p->sms_set);
    transport_free(&p->tls);
    pthread_mutex_destroy(&p->lock);
}

/* web_listen is plain HTTP by its nature, and so loopback only. */
static const transport web_plain = {.plain_loopback = 1, .tls_setting = "nothing",
                                    .plain_setting = "web_listen"};

int platform_bind(platform *p, const char *listen, char *err, size_t errlen)
{
    if (!(p->server = http_server_bind(listen, err, errlen)))
        return -1;
    if (p->web_listen[0] && !(p->web = http_server_bind(p->web_listen, err, errlen))) {
        http_server_stop(p->server);
        p->server = NULL;
        return -1;
    }
    return 0;
}

/* Serves the platform's routes on s, bound to listen, over t; -1 with
 * err (s is then stopped). */
static int serve_on(platform *p, http_server *s, const char *listen, const transport *t,
                    const char *what, char *err, size_t errlen)
{
    if (transport_serve(t, s, listen, what, err, errlen) != 0 ||
        (http_server_observe(s, p->requests), http_server_limit(s, &p->http),
         http_server_serve(s, PLATFORM_MAX_BODY, (unsigned)p->threads, platform_api_gate,
                           platform_api_handle, p, err, errlen)) != 0) {
        http_server_stop(s);
        return -1;
    }
    return 0;
}

/* Both servers stopped and forgotten, as after a failed start. */
static void unbind(platform *p)
{
    http_server_stop(p->server);
    p->server = NULL;
    http_server_stop(p->web);
    p->web = NULL;
}

int platform_start(platform *p, const char *listen, char *err, size_t errlen)
{
    if (!p->server && platform_bind(p, listen, err, errlen) != 0)
        return -1;
    if (platform_reports_start(p) != 0) {
        unbind(p);
        snprintf(err, errlen, "cannot start the reporter thread");
        return -1;
    }
    if (p->has_sms) {
        p->sms = sms_channel_start(&p->sms_set, p->db, &p->lock, err, errlen);
        sms_settings_wipe(&p->sms_set);
        if (!p->sms) {
            platform_reports_stop(p);
            unbind(p);
            return -1;
        }
    } else if (p->push) {
        if (push_channel_start(p->push, p) != 0) {
            platform_reports_stop(p);
            unbind(p);
            snprintf(err, errlen, "cannot start the push channel's thread");
            return -1;
        }
    } else
        log_warn("no alert channel ([sms] or [push] in platform.ini): alerts stay queued, and"
                 " no ConsignmentNotification is reported until one is configured (they go"
                 " to it then)");
    int failed = !p->requests && !(p->requests = platform_api_metrics_new());
    if (failed) {
        snprintf(err, errlen, "out of memory");
    } else if (serve_on(p, p->server, listen, &p->tls, "[platform] listen", err, errlen) != 0) {
        p->server = NULL; /* serve_on stopped it */
        failed = 1;
    } else if (p->web && serve_on(p, p->web, p->web_listen, &web_plain, "[platform] web_listen",
                                  err, errlen) != 0) {
        p->web = NULL;
        failed = 1;
    }
    if (failed) {
        unbind(p);
        sms_channel_stop(p->sms);
        p->sms = NULL;
        push_channel_stop(p->push);
        platform_reports_stop(p);
        return -1;
    }
    char how[128];
    log_info("listening on %s (port %d), platform %s, %zu clients, %ld threads, %s", listen,
             http_server_port(p->server), p->name, p->clients.count, p->threads,
             transport_describe(&p->tls, how, sizeof how));
    if (p->web)
        log_info("also serving the same pages in plain HTTP on %s (web port %d), for loopback"
                 " clients only", p->web_listen, http_server_port(p->web));
    /* Behind a proxy on loopback, every citizen would be one source to the
     * sign-in limits: ten mistyped phones anywhere would block them all. */
    if (p->web && !p->http.ntrusted)
        log_warn("[platform] web_listen is set and [http] trusted_proxies is not: every"
                 " client of a proxy in front counts as the proxy's address for the sign-in"
                 " limits (name the proxy in trusted_proxies; docs/operations.md)");
    return 0;
}

void platform_stop(platform *p)
{
    if (p->server)
        http_server_stop(p->server);
    p->server = NULL;
    http_server_stop(p->web);
    p->web = NULL;
    sms_channel_stop(p->sms);
    p->sms = NULL;
    push_channel_stop(p->push);
    platform_reports_stop(p);
}
