/* agency_config.c -- the agency.ini every `herald agency` subcommand
 * reads.
 *
 * The gateway is several tools over one database (send, serve, postal,
 * status), as git is several tools over one repository; they share the
 * config loading here so that a key means the same thing to each. */
#include "agency_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agency_effect.h"
#include "agency_ref.h"
#include "apikeys.h"
#include "http_client.h"
#include "keyfile.h"

static int make_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    return 0;
}

static int read_key(const agency_cfg *c, const char *section, char *key,
                    char *err, size_t errlen)
{
    char path[AGENCY_PATH_MAX];
    const char *v = config_require(&c->ini, section, "key_file", err, errlen);

    if (!v)
        return -1;
    config_path(&c->ini, v, path, sizeof path);
    return http_client_read_key(path, key, AGENCY_KEY_MAX, err, errlen);
}

typedef struct platform_load {
    agency_cfg *c;
    char *err;
    size_t errlen;
} platform_load;

static int add_platform(void *ctx, const config *ini, const char *section, const char *name)
{
    platform_load *pl = ctx;
    agency_cfg *c = pl->c;
    const char *pub = config_get(ini, section, "view_pub");
    char path[AGENCY_PATH_MAX], kerr[512];
    agency_platform *p;

    if (!apikeys_name_ok(name, strlen(name))) {
        snprintf(pl->err, pl->errlen, "%s: [%s]: a platform name is 1-64 of [A-Za-z0-9._-]",
                 ini->path, section);
        return -1;
    }
    if (c->nplatforms >= AGENCY_MAX_PLATFORMS) {
        snprintf(pl->err, pl->errlen, "%s: at most %d platforms", ini->path,
                 AGENCY_MAX_PLATFORMS);
        return -1;
    }
    if (!pub) {
        snprintf(pl->err, pl->errlen, "%s: [%s] view_pub is required", ini->path, section);
        return -1;
    }
    p = &c->platforms[c->nplatforms];
    snprintf(p->name, sizeof p->name, "%s", name);
    const char *channel = config_get(ini, section, "channel");
    if (channel && strcmp(channel, "sms") != 0 && strcmp(channel, "push") != 0) {
        snprintf(pl->err, pl->errlen, "%s:%d: [%s] channel must be sms or push", ini->path,
                 config_line(ini, section, "channel"), section);
        return -1;
    }
    snprintf(p->channel, sizeof p->channel, "%s", channel ? channel : "");
    config_path(ini, pub, path, sizeof path);
    if (keyfile_read(path, 0, p->view_pub, sizeof p->view_pub, kerr, sizeof kerr) != 0) {
        snprintf(pl->err, pl->errlen, "%s: [%s] view_pub: %s", ini->path, section, kerr);
        return -1;
    }
    c->nplatforms++;
    return 0;
}

static int load_platforms(agency_cfg *c, char *err, size_t errlen)
{
    platform_load pl = {c, err, errlen};

    if (config_each_section(&c->ini, "platform", add_platform, &pl) != 0)
        return -1;
    if (!c->nplatforms) {
        snprintf(err, errlen, "%s: at least one [platform NAME] section with view_pub is "
                 "required: without a pinned key no view token can be accepted", c->ini.path);
        return -1;
    }
    return 0;
}

/* The back-office API's files (agency_config.h). The callback URL is
 * checked where it is used and set (agency_callback.h). */
static int load_api_paths(agency_cfg *c, char *err, size_t errlen)
{
    const char *v;
    char path[AGENCY_PATH_MAX + 16];
    FILE *f;

    if ((v = config_get(&c->ini, "agency", "api_clients")) != NULL)
        config_path(&c->ini, v, c->api_clients, sizeof c->api_clients);
    else
        snprintf(c->api_clients, sizeof c->api_clients, "%s/api.clients", c->dir);
    if ((v = config_get(&c->ini, "agency", "api_test_clients")) != NULL)
        config_path(&c->ini, v, c->api_test_clients, sizeof c->api_test_clients);
    else
        snprintf(c->api_test_clients, sizeof c->api_test_clients, "%s/api-test.clients",
                 c->dir);
    if ((v = config_get(&c->ini, "agency", "templates")) != NULL)
        config_path(&c->ini, v, c->templates_dir, sizeof c->templates_dir);
    else
        snprintf(c->templates_dir, sizeof c->templates_dir, "%s/templates", c->dir);
    snprintf(c->callback_key_path, sizeof c->callback_key_path, "%s/callback.key", c->dir);
    c->callback_url[0] = '\0';
    if ((v = config_get(&c->ini, "callback", "url")) != NULL) {
        if (strlen(v) >= sizeof c->callback_url) {
            snprintf(err, errlen, "%s: [callback] url is too long", c->ini.path);
            return -1;
        }
        snprintf(c->callback_url, sizeof c->callback_url, "%s", v);
        return 0;
    }
    snprintf(path, sizeof path, "%s/callback.url", c->dir);
    if ((f = fopen(path, "r")) != NULL) {
        if (fgets(c->callback_url, sizeof c->callback_url, f))
            c->callback_url[strcspn(c->callback_url, "\r\n")] = '\0';
        fclose(f);
    }
    return 0;
}

/* [agency] effect_rule, the documented default when absent. A rule that
 * does not parse, or names an event whose time the agency does not learn
 * (agency_effect.h), stops every subcommand, naming its line. */
static int load_effect_rule(agency_cfg *c, char *err, size_t errlen)
{
    const char *text = config_get(&c->ini, "agency", "effect_rule");
    char why[512];

    if (effect_rule_parse(text ? text : EFFECT_RULE_DEFAULT, &c->effect, why, sizeof why) == 0 &&
        agency_effect_rule_check(&c->effect, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s:%d: [agency] effect_rule: %s (e.g. effect_rule = %s)",
             c->ini.path, config_line(&c->ini, "agency", "effect_rule"), why,
             EFFECT_RULE_DEFAULT);
    return -1;
}

/* A unit cost in USD, 0 to 1000, def when absent. */
static int load_cost(agency_cfg *c, const char *key, double def, double *out, char *err,
                     size_t errlen)
{
    const char *v = config_get(&c->ini, "agency", key);
    char *end;

    *out = def;
    if (!v)
        return 0;
    errno = 0;
    *out = strtod(v, &end);
    if (errno || end == v || *end || !(*out >= 0 && *out <= 1000)) {
        snprintf(err, errlen, "%s:%d: [agency] %s must be a cost in USD from 0 to 1000, e.g. %.2f",
                 c->ini.path, config_line(&c->ini, "agency", key), key, def);
        return -1;
    }
    return 0;
}

static int load_agency_section(agency_cfg *c, char *err, size_t errlen)
{
    const char *dir;

    if (!(c->name = config_require(&c->ini, "agency", "name", err, errlen)) ||
        !(dir = config_require(&c->ini, "agency", "dir", err, errlen)) ||
        !(c->public_url = config_require(&c->ini, "agency", "public_url", err, errlen)))
        return -1;
    if (!apikeys_name_ok(c->name, strlen(c->name))) {
        snprintf(err, errlen, "%s: [agency] name must be 1-64 of [A-Za-z0-9._-]", c->ini.path);
        return -1;
    }
    if (!agency_ref_public_url_ok(c->public_url)) {
        snprintf(err, errlen, "%s: [agency] public_url must be http(s)://HOST[:PORT][/path]",
                 c->ini.path);
        return -1;
    }
    c->listen = config_get(&c->ini, "agency", "listen");
    config_path(&c->ini, dir, c->dir, sizeof c->dir);
    snprintf(c->db_path, sizeof c->db_path, "%s/agency.db", c->dir);
    snprintf(c->test_db_path, sizeof c->test_db_path, "%s/test.db", c->dir);
    if (load_api_paths(c, err, errlen) != 0)
        return -1;
    if (config_long(&c->ini, "agency", "poll_ms", 2000, 50, 3600000, &c->poll_ms, err, errlen) ||
        config_long(&c->ini, "agency", "report_ms", 500, 50, 3600000, &c->report_ms, err,
                    errlen) ||
        config_long(&c->ini, "agency", "threads", 4, 1, 64, &c->threads, err, errlen) ||
        http_limits_load(&c->ini, &c->http, err, errlen) ||
        config_long(&c->ini, "agency", "retention_days", 90, 1, 36500, &c->retention_days, err,
                    errlen) ||
        load_effect_rule(c, err, errlen) != 0 ||
        load_cost(c, "postal_cost_usd", 0.30, &c->postal_cost_usd, err, errlen) != 0 ||
        load_cost(c, "mobile_cost_usd", 0.08, &c->mobile_cost_usd, err, errlen) != 0)
        return -1;
    c->contact = config_get(&c->ini, "agency", "contact");
    if (!c->contact)
        c->contact = "Please contact the agency that sent the notice. / 보낸 기관에 문의하세요.";
    return make_dir(c->dir, err, errlen);
}

int agency_config_load(agency_cfg *c, const char *path, int need, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (config_load(&c->ini, path, err, errlen) != 0)
        return -1;
    if (load_agency_section(c, err, errlen) != 0 ||
        transport_from_config(&c->tls, &c->ini, err, errlen) != 0)
        return -1;
    if ((need & AGENCY_WANT_IDSVC) && config_get(&c->ini, "idsvc", "url"))
        need |= AGENCY_NEED_IDSVC;
    if (need & AGENCY_NEED_IDSVC) {
        if (!(c->idsvc_url = config_require(&c->ini, "idsvc", "url", err, errlen)) ||
            transport_peer(&c->tls, &c->ini, "idsvc", c->idsvc_url, err, errlen) != 0 ||
            read_key(c, "idsvc", c->idsvc_key, err, errlen) != 0)
            return -1;
    }
    if (need & AGENCY_NEED_HUB) {
        if (!(c->hub_url = config_require(&c->ini, "hub", "url", err, errlen)) ||
            transport_peer(&c->tls, &c->ini, "hub", c->hub_url, err, errlen) != 0 ||
            read_key(c, "hub", c->hub_key, err, errlen) != 0)
            return -1;
    }
    if ((need & AGENCY_NEED_PLATFORMS) && load_platforms(c, err, errlen) != 0)
        return -1;
    return 0;
}

void agency_config_free(agency_cfg *c)
{
    secure_wipe(c->idsvc_key, sizeof c->idsvc_key);
    secure_wipe(c->hub_key, sizeof c->hub_key);
    transport_free(&c->tls);
    config_free(&c->ini);
}
