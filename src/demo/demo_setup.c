/* demo_setup.c -- everything `herald demo` makes before the first citizen
 * signs up: loopback ports, keys, API keys (each caller's key in its own
 * folder, only the hash at the callee), the four roles' configurations, and
 * the role processes themselves, started as separate operators would.
 * The platforms' alert channels point at the peers demo_peers.c starts;
 * the roles speak TLS to each other with pinned keys (demo_tls.h). */
#include "demo_setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apikeys.h"
#include "buf.h"
#include "crypto.h"
#include "demo_api.h"
#include "demo_console.h"
#include "demo_peers.h"
#include "demo_tls.h"
#include "keyfile.h"
#include "procs.h"

static int ensure_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Issues an API key for caller `name`: the key goes to key_path (0600, for
 * the caller), its hash is returned for the callee's clients list. */
static int issue_key(const char *key_path, char hash[65], char *err, size_t errlen)
{
    char key[65];
    int r;

    apikeys_generate(key, hash);
    r = keyfile_create(key_path, 0600, key, err, errlen);
    secure_wipe(key, sizeof key);
    return r;
}

static int keygen(const char *what, const char *out)
{
    char *argv[] = {"keygen", (char *)what, "--out", (char *)out, NULL};
    return procs_run(NULL, argv, NULL, 0) == 0 ? 0 : -1;
}

static int make_dirs(demo *d, char *err, size_t errlen)
{
    static const char *const roles[] = {"idsvc", "signer", "hub", "agency", "platform-messenger",
                                        "platform-carrier", "certificates", "peers", "monitoring"};
    char p[4096];

    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        demo_path(d, p, sizeof p, roles[i], NULL);
        if (ensure_dir(p, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* A platform's alert channel (platform.ini): the carrier sends SMS to the
 * SMSC peer, the messenger pushes to the gateway peer; with no peer
 * (--no-channels), none, and the platform keeps its alerts queued. */
static void channel_section(const demo *d, int platform, buf *ini)
{
    if (platform == 1 && d->port_smpp)
        buf_printf(ini,
                   "\n[sms]\nhost = 127.0.0.1\nport = %d\nsystem_id = %s\n"
                   "password_file = %s\nsource_addr = %s\nwindow = 100\nreceipts = on\n",
                   d->port_smpp, DEMO_SMPP_SYSTEM_ID, DEMO_SMPP_PASSWORD_FILE,
                   DEMO_SMS_SOURCE);
    if (platform == 0 && d->port_push)
        buf_printf(ini, "\n[push]\nurl = http://127.0.0.1:%d%s\nkey_file = %s\n",
                   d->port_push, DEMO_PUSH_PATH, DEMO_PUSH_KEY_FILE);
}

/* The monitoring system's key for every role's GET /metrics
 * (monitoring/metrics.apikey) and the clients file each role names in its
 * metrics_clients (monitoring/clients). */
#define DEMO_METRICS "metrics = key\nmetrics_clients = ../monitoring/clients\n"

static int metrics_key(demo *d, char *err, size_t errlen)
{
    char p[4096], h[65], line[128];

    demo_path(d, p, sizeof p, "monitoring", "metrics.apikey");
    if (issue_key(p, h, err, errlen) != 0)
        return -1;
    snprintf(line, sizeof line, "prometheus %s\n", h);
    demo_path(d, p, sizeof p, "monitoring", "clients");
    return demo_write_file(p, line, 0600, err, errlen);
}

/* --hub-dsn: the store's section, naming this node. */
static void store_section(const demo *d, buf *ini, int node)
{
    if (d->hub_dsn)
        buf_printf(ini, "[store]\nkind = postgres\ndsn = %s\nnode = hub-%d\n\n", d->hub_dsn, node);
}

/* --hub-nodes 2: the second node's config, the first's with its own
 * folder (console users, its keys' copies), port and node name. */
static int write_second_node(demo *d, const buf *first, char *err, size_t errlen)
{
    char from[96], p[4096];
    const char *at, *store;
    buf ini;

    snprintf(from, sizeof from, "dir = .\nlisten = 127.0.0.1:%d\n", d->port_hub);
    if (!(at = strstr(first->data, from)) || !(store = strstr(first->data, "\n[store]\n")))
        return snprintf(err, errlen, "hub.ini lacks its listen or store"), -1;
    buf_init(&ini, first->len + 64);
    buf_printf(&ini, "%.*sdir = node-2\nlisten = 127.0.0.1:%d\n%.*s", (int)(at - first->data),
               first->data, d->port_hub2, (int)(store - at - strlen(from)), at + strlen(from));
    buf_printf(&ini, "\n");
    store_section(d, &ini, 2);
    demo_path(d, p, sizeof p, "hub", "hub-2.ini");
    int r = ini.broken ? -1 : demo_write_file(p, ini.data, 0600, err, errlen);
    buf_free(&ini);
    return r;
}

/* Keys, clients files and the four role configs. */
static int write_configs(demo *d, char *err, size_t errlen)
{
    char p[4096], h[65];
    buf hub_ini, clients_idsvc, text;

    if (metrics_key(d, err, errlen) != 0)
        return -1;

    demo_path(d, p, sizeof p, "idsvc", "ci.key");
    if (keygen("--hmac", p) != 0)
        return snprintf(err, errlen, "cannot make the CI key"), -1;
    demo_path(d, p, sizeof p, "signer", "log"); /* the hub never reads it */
    if (keygen("--ed25519", p) != 0)
        return snprintf(err, errlen, "cannot make the log key"), -1;

    buf_init(&clients_idsvc, 512);
    buf_init(&hub_ini, 2048);
    buf_printf(&hub_ini,
               "# The certified relay hub (written by herald demo).\n"
               "[hub]\ndir = .\nlisten = 127.0.0.1:%d\nhub_key_file = hub.apikey\n"
               "signer = ../signer/signer.sock\nlog_pub = ../signer/log.pub\n" DEMO_METRICS
               "# A member pre-noticed without consent has a week to consent; here\n"
               "# seconds (herald demo --consent-window), so that the demo settles.\n"
               "consent_window_s = %ld\n", d->port_hub, d->consent_window_s);
    demo_tls_section(d, &hub_ini, 1);
    buf_printf(&hub_ini, "\n");

    /* The agency: at idsvc and at the hub. */
    demo_path(d, p, sizeof p, "agency", "idsvc.apikey");
    if (issue_key(p, h, err, errlen) != 0)
        return -1;
    buf_printf(&clients_idsvc, "%s %s\n", DEMO_AGENCY, h);
    demo_path(d, p, sizeof p, "agency", "hub.apikey");
    if (issue_key(p, h, err, errlen) != 0)
        return -1;
    buf_printf(&hub_ini,
               "[agency %s]\nkey_sha256 = %s\n"
               "# its notices' links must point here: the member is sent there\n"
               "documents = http://127.0.0.1:%d/documents/\n\n",
               DEMO_AGENCY, h, d->port_agency);

    /* The hub's own key, which it presents to platforms. */
    demo_path(d, p, sizeof p, "hub", "hub.apikey");
    char hub_hash[65];
    if (issue_key(p, hub_hash, err, errlen) != 0)
        return -1;

    for (int i = 0; i < POP_PLATFORMS; i++) {
        char role[64], clients[1024];
        snprintf(role, sizeof role, "platform-%s", demo_platform_names[i]);
        demo_path(d, p, sizeof p, role, "idsvc.apikey");
        if (issue_key(p, h, err, errlen) != 0)
            return -1;
        buf_printf(&clients_idsvc, "%s %s\n", demo_platform_names[i], h);
        demo_path(d, p, sizeof p, role, "hub.apikey");
        if (issue_key(p, h, err, errlen) != 0)
            return -1;
        /* common = 1: our platforms read a relay's shared fields once. */
        buf_printf(&hub_ini, "[platform %s]\nkey_sha256 = %s\ncommon = 1\n",
                   demo_platform_names[i], h);
        demo_tls_peer(d, &hub_ini, d->port_platform_api[i], d->pin_platform[i]);
        buf_printf(&hub_ini, "\n");
        demo_path(d, p, sizeof p, role, "admin.apikey");
        if (issue_key(p, h, err, errlen) != 0)
            return -1;
        snprintf(clients, sizeof clients, "hub %s\nadmin %s\n", hub_hash, h);
        demo_path(d, p, sizeof p, role, "clients");
        if (demo_write_file(p, clients, 0600, err, errlen) != 0)
            return -1;
        demo_path(d, p, sizeof p, role, "view");
        if (keygen("--ed25519", p) != 0)
            return snprintf(err, errlen, "cannot make a view key"), -1;
        buf_init(&text, 1024);
        buf_printf(&text,
                   "# Platform '%s' (written by herald demo).\n"
                   "[platform]\nname = %s\ndir = .\nlisten = 127.0.0.1:%d\n",
                   demo_platform_names[i], demo_platform_names[i], d->port_platform_api[i]);
        if (!d->plain_http)
            buf_printf(&text, "# the citizen pages in plain HTTP, on loopback only\n"
                              "web_listen = 127.0.0.1:%d\n", d->port_platform[i]);
        buf_printf(&text,
                   "public_url = http://127.0.0.1:%d\nview_key = view.key\nclients = clients\n"
                   "pin_hash = min\n" DEMO_METRICS "\n[idsvc]\nkey_file = idsvc.apikey\n",
                   d->port_platform[i]);
        demo_tls_peer(d, &text, d->port_idsvc, d->pin_idsvc);
        buf_printf(&text, "\n[hub]\nkey_file = hub.apikey\n");
        demo_tls_peer(d, &text, d->hub_nodes > 1 ? d->port_hub2 : d->port_hub, d->pin_hub);
        demo_tls_section(d, &text, 1);
        channel_section(d, i, &text);
        demo_path(d, p, sizeof p, role, "platform.ini");
        int r = text.broken ? -1 : demo_write_file(p, text.data, 0600, err, errlen);
        buf_free(&text);
        if (r != 0)
            return -1;
    }

    buf_init(&text, 2048);
    buf_printf(&text,
             "# The sending agency (written by herald demo).\n"
             "[agency]\nname = %s\ndir = .\nlisten = 127.0.0.1:%d\npublic_url = http://127.0.0.1:%d\n"
             DEMO_METRICS "\n"
             "# when a notice takes legal effect, and the unit costs `agency report` uses\n"
             "effect_rule = ContentHandover, ContentConsignment+7d, PrintHandover+10d\npostal_cost_usd = 0.30\nmobile_cost_usd = 0.08\n\n"
             "[idsvc]\nkey_file = idsvc.apikey\n", DEMO_AGENCY, d->port_agency, d->port_agency);
    demo_tls_peer(d, &text, d->port_idsvc, d->pin_idsvc);
    buf_printf(&text, "\n[hub]\nkey_file = hub.apikey\n");
    demo_tls_peer(d, &text, d->port_hub, d->pin_hub);
    buf_printf(&text,
             "\n[platform messenger]\nview_pub = ../platform-messenger/view.pub\nchannel = push\n\n"
             "[platform carrier]\nview_pub = ../platform-carrier/view.pub\nchannel = sms\n\n"
             "[letters]\nreturn_name = 국세청 / National Tax Service\n"
             "return_address = 세종특별자치시 국세청로 8-14 (30128)\n"
             "return_contact = 국번 없이 126 / call 126\n");
    /* The agency's own pages are citizen-facing (documents) or its back
     * office's: no role calls it, so it stays on loopback HTTP here. */
    demo_tls_section(d, &text, 0);
    demo_path(d, p, sizeof p, "agency", "agency.ini");
    int r = text.broken ? -1 : demo_write_file(p, text.data, 0600, err, errlen);
    buf_free(&text);
    if (r != 0)
        return -1;
    store_section(d, &hub_ini, 1);
    demo_path(d, p, sizeof p, "hub", "hub.ini");
    if (hub_ini.broken || demo_write_file(p, hub_ini.data, 0600, err, errlen) != 0)
        return -1;
    if (d->hub_nodes > 1 && write_second_node(d, &hub_ini, err, errlen) != 0)
        return -1;
    demo_path(d, p, sizeof p, "idsvc", "clients");
    if (clients_idsvc.broken || demo_write_file(p, clients_idsvc.data, 0600, err, errlen) != 0)
        return -1;
    buf_free(&hub_ini);
    buf_free(&clients_idsvc);
    return 0;
}

/* Starts a role and waits for an answer at port (over TLS when tls). */
static int start_one(demo *d, const char *name, const char *role, char *const argv[],
                     int port, int tls, const char *health, char *err, size_t errlen)
{
    char log[4096], url[256];

    snprintf(log, sizeof log, "%s/%s/%s.log", d->dir, role, name);
    if (procs_start(&d->procs, name, log, argv, err, errlen) != 0)
        return -1;
    if (tls)
        demo_tls_url(d, port, url, sizeof url);
    else
        snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    snprintf(url + strlen(url), sizeof url - strlen(url), "%s", health);
    return procs_wait_ready(&d->procs, name, url, 20000, err, errlen);
}

/* `herald signer` with the log key, ready once its socket is there. */
static int start_signer(demo *d, char *err, size_t errlen)
{
    char key[4096], sock[4096], log[4096];
    struct stat st;

    demo_path(d, key, sizeof key, "signer", "log.key");
    demo_path(d, sock, sizeof sock, "signer", "signer.sock");
    demo_path(d, log, sizeof log, "signer", "signer.log");
    char *signer[] = {"signer", "--key", key, "--socket", sock, "--new-log", NULL};
    if (procs_start(&d->procs, "signer", log, signer, err, errlen) != 0)
        return -1;
    for (int i = 0; i < 200 && procs_alive(&d->procs, "signer"); i++) {
        if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
            return 0;
        usleep(25000);
    }
    snprintf(err, errlen, "the signer did not start: see %s", log);
    return -1;
}

static int start_roles(demo *d, char *err, size_t errlen)
{
    char key[4096], clients[4096], listen[64], cfg[4096];

    demo_path(d, key, sizeof key, "idsvc", "ci.key");
    demo_path(d, clients, sizeof clients, "idsvc", "clients");
    snprintf(listen, sizeof listen, "127.0.0.1:%d", d->port_idsvc);
    char mclients[4096];
    demo_path(d, mclients, sizeof mclients, "monitoring", "clients");
    char cert[4096], tkey[4096];
    demo_path(d, cert, sizeof cert, "idsvc", "tls.crt");
    demo_path(d, tkey, sizeof tkey, "idsvc", "tls.key");
    char *idsvc[] = {"idsvc", "--key-file", key, "--clients", clients, "--listen", listen,
                     "--metrics", "key", "--metrics-clients", mclients,
                     "--tls-cert", cert, "--tls-key", tkey, NULL};
    if (d->plain_http) {
        idsvc[11] = "--plain-http";
        idsvc[12] = NULL;
    }
    if (start_one(d, "idsvc", "idsvc", idsvc, d->port_idsvc, 1, "/v1/health", err, errlen) != 0)
        return -1;

    if (start_signer(d, err, errlen) != 0)
        return -1;
    demo_path(d, cfg, sizeof cfg, "hub", "hub.ini");
    char *hub[] = {"hub", "--config", cfg, NULL};
    if (start_one(d, "hub", "hub", hub, d->port_hub, 1, "/v1/health", err, errlen) != 0)
        return -1;
    if (d->hub_nodes > 1) {
        demo_path(d, cfg, sizeof cfg, "hub", "hub-2.ini");
        char *hub2[] = {"hub", "--config", cfg, NULL};
        if (start_one(d, "hub-2", "hub", hub2, d->port_hub2, 1, "/v1/health", err, errlen) != 0)
            return -1;
    }

    for (int i = 0; i < POP_PLATFORMS; i++) {
        char role[64], name[64];
        snprintf(role, sizeof role, "platform-%s", demo_platform_names[i]);
        snprintf(name, sizeof name, "platform-%s", demo_platform_names[i]);
        demo_path(d, cfg, sizeof cfg, role, "platform.ini");
        char *platform[] = {"platform", "--config", cfg, NULL};
        if (start_one(d, name, role, platform, d->port_platform[i], 0, "/", err, errlen) != 0)
            return -1;
    }

    demo_path(d, cfg, sizeof cfg, "agency", "agency.ini");
    char *agency[] = {"agency", "serve", "--config", cfg, NULL};
    return start_one(d, "agency", "agency", agency, d->port_agency, 0, "/v1/health", err, errlen);
}

static int pick_ports(demo *d, char *err, size_t errlen)
{
    int *ports[] = {&d->port_idsvc, &d->port_hub, &d->port_hub2, &d->port_agency,
                    &d->port_platform[0], &d->port_platform[1],
                    &d->port_platform_api[0], &d->port_platform_api[1]};

    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        /* Retry until all differ: the kernel may hand one out twice. */
        for (int tries = 0; tries < 20; tries++) {
            int p = procs_free_port(), clash = 0;
            for (size_t j = 0; j < i; j++)
                clash |= *ports[j] == p;
            if (p > 0 && !clash) {
                *ports[i] = p;
                break;
            }
        }
        if (*ports[i] <= 0) {
            snprintf(err, errlen, "no free loopback port");
            return -1;
        }
    }
    if (d->plain_http)
        for (int i = 0; i < POP_PLATFORMS; i++)
            d->port_platform_api[i] = d->port_platform[i];
    return 0;
}

int demo_setup(demo *d, char *err, size_t errlen)
{
    /* The peers first: the platforms' configs name their ports. */
    if (pick_ports(d, err, errlen) != 0 || make_dirs(d, err, errlen) != 0 ||
        demo_peers_start(d, err, errlen) != 0 || demo_tls_setup(d, err, errlen) != 0 ||
        write_configs(d, err, errlen) != 0 || demo_api_setup(d, err, errlen) != 0 ||
        demo_console_setup(d, err, errlen) != 0)
        return -1;
    fprintf(stderr, "demo: starting idsvc, the signer, hub, platforms and agency under %s\n", d->dir);
    return start_roles(d, err, errlen);
}
