/* demo.c -- `herald demo`: the whole system on one machine.
 *
 * Makes keys and configuration for every role, starts idsvc, the hub, two
 * platforms (messenger, carrier) and one agency on loopback, signs up a
 * synthetic population, sends each citizen a notice through the agency,
 * has a share of them read through the real citizen path (sign in, view
 * token, document), and prints a summary. Every step goes through the
 * roles' public interfaces, exactly as separate operators would. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apikeys.h"
#include "buf.h"
#include "cli.h"
#include "crypto.h"
#include "demo.h"
#include "http_client.h"
#include "keyfile.h"
#include "log.h"
#include "population.h"
#include "procs.h"
#include "rrn.h"

static const char usage[] =
    "Usage: herald demo [--dir DIR] [--notices N] [--read-share PCT] [--no-serve]\n\n"
    "Runs the whole system on loopback: idsvc, hub, platforms 'messenger' and\n"
    "'carrier', and one agency, each with its data under DIR (DIR/idsvc, DIR/hub,\n"
    "DIR/agency, DIR/platform-messenger, DIR/platform-carrier). Signs up N\n"
    "synthetic citizens (most on one or both platforms, some on neither), writes\n"
    "them to DIR/agency/recipients.csv, sends each a notice, has a share of them\n"
    "read through the citizen pages, and prints a JSON summary as the last line.\n"
    "Without --no-serve it then stays up, prints the URLs and a few sign-ins to\n"
    "try in a browser, and stops on Ctrl-C.\n\n"
    "  --dir DIR         where everything goes (default demo-data; must be empty\n"
    "                    or absent)\n"
    "  --notices N       citizens and notices, 1 to 10,000,000 (default 1000)\n"
    "  --read-share PCT  percent of reachable citizens who read (default 40)\n"
    "  --no-serve        stop after the summary\n"
    "  --stats FILE      write step timings and each role's peak memory as JSON\n";

static const char *const platform_names[POP_PLATFORMS] = {"messenger", "carrier"};

static int ensure_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int demo_write_file(const char *path, const char *text, int mode, char *err, size_t errlen)
{
    FILE *f;

    umask(077);
    f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    chmod(path, (mode_t)mode);
    return 0;
}

/* Issues an API key for caller `name`: the key goes to key_path (0600, for
 * the caller), its hash is returned for the callee's clients list. */
static int issue_key(const char *key_path, char hash[65], char *err, size_t errlen)
{
    char key[65];
    int r;

    apikey_generate(key, hash);
    r = keyfile_create(key_path, 0600, key, err, errlen);
    secure_wipe(key, sizeof key);
    return r;
}

static int keygen(const char *what, const char *out)
{
    char *argv[] = {"keygen", (char *)what, "--out", (char *)out, NULL};
    return procs_run(NULL, argv, NULL, 0) == 0 ? 0 : -1;
}

static int dir_is_empty_or_absent(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    int empty = 1;

    if (!dir)
        return errno == ENOENT;
    while (empty && (e = readdir(dir)))
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(dir);
    return empty;
}

static void role_path(const demo *d, char *out, size_t len, const char *role, const char *file)
{
    snprintf(out, len, "%s/%s%s%s", d->dir, role, file ? "/" : "", file ? file : "");
}

/* Keys, clients files and the four role configs. */
static int write_configs(demo *d, char *err, size_t errlen)
{
    static const char *const roles[] = {"idsvc", "hub", "agency", "platform-messenger",
                                        "platform-carrier", "certificates"};
    char p[4096], h[65], text[8192];
    buf hub_ini, clients_idsvc;

    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        role_path(d, p, sizeof p, roles[i], NULL);
        if (ensure_dir(p, err, errlen) != 0)
            return -1;
    }
    role_path(d, p, sizeof p, "idsvc", "ci.key");
    if (keygen("--hmac", p) != 0)
        return snprintf(err, errlen, "cannot make the CI key"), -1;
    role_path(d, p, sizeof p, "hub", "log");
    if (keygen("--ed25519", p) != 0)
        return snprintf(err, errlen, "cannot make the log key"), -1;

    buf_init(&clients_idsvc, 512);
    buf_init(&hub_ini, 2048);
    buf_printf(&hub_ini,
               "# The certified relay hub (written by herald demo).\n"
               "[hub]\ndir = .\nlisten = 127.0.0.1:%d\nhub_key_file = hub.apikey\n"
               "log_key = log.key\n\n", d->port_hub);

    /* The agency: at idsvc and at the hub. */
    role_path(d, p, sizeof p, "agency", "idsvc.apikey");
    if (issue_key(p, h, err, errlen) != 0)
        return -1;
    buf_printf(&clients_idsvc, "%s %s\n", DEMO_AGENCY, h);
    role_path(d, p, sizeof p, "agency", "hub.apikey");
    if (issue_key(p, h, err, errlen) != 0)
        return -1;
    buf_printf(&hub_ini, "[agency %s]\nkey_sha256 = %s\n\n", DEMO_AGENCY, h);

    /* The hub's own key, which it presents to platforms. */
    role_path(d, p, sizeof p, "hub", "hub.apikey");
    char hub_hash[65];
    if (issue_key(p, hub_hash, err, errlen) != 0)
        return -1;

    for (int i = 0; i < POP_PLATFORMS; i++) {
        char role[64], clients[1024];
        snprintf(role, sizeof role, "platform-%s", platform_names[i]);
        role_path(d, p, sizeof p, role, "idsvc.apikey");
        if (issue_key(p, h, err, errlen) != 0)
            return -1;
        buf_printf(&clients_idsvc, "%s %s\n", platform_names[i], h);
        role_path(d, p, sizeof p, role, "hub.apikey");
        if (issue_key(p, h, err, errlen) != 0)
            return -1;
        /* common = 1: our platforms read a relay's shared fields once. */
        buf_printf(&hub_ini,
                   "[platform %s]\nkey_sha256 = %s\nurl = http://127.0.0.1:%d\ncommon = 1\n\n",
                   platform_names[i], h, d->port_platform[i]);
        role_path(d, p, sizeof p, role, "admin.apikey");
        if (issue_key(p, h, err, errlen) != 0)
            return -1;
        snprintf(clients, sizeof clients, "hub %s\nadmin %s\n", hub_hash, h);
        role_path(d, p, sizeof p, role, "clients");
        if (demo_write_file(p, clients, 0600, err, errlen) != 0)
            return -1;
        role_path(d, p, sizeof p, role, "view");
        if (keygen("--ed25519", p) != 0)
            return snprintf(err, errlen, "cannot make a view key"), -1;
        snprintf(text, sizeof text,
                 "# Platform '%s' (written by herald demo).\n"
                 "[platform]\nname = %s\ndir = .\nlisten = 127.0.0.1:%d\n"
                 "public_url = http://127.0.0.1:%d\nview_key = view.key\nclients = clients\n"
                 "pin_hash = min\n\n[idsvc]\nurl = http://127.0.0.1:%d\nkey_file = idsvc.apikey\n\n"
                 "[hub]\nurl = http://127.0.0.1:%d\nkey_file = hub.apikey\n",
                 platform_names[i], platform_names[i], d->port_platform[i],
                 d->port_platform[i], d->port_idsvc, d->port_hub);
        role_path(d, p, sizeof p, role, "platform.ini");
        if (demo_write_file(p, text, 0600, err, errlen) != 0)
            return -1;
    }

    snprintf(text, sizeof text,
             "# The sending agency (written by herald demo).\n"
             "[agency]\nname = %s\ndir = .\nlisten = 127.0.0.1:%d\npublic_url = http://127.0.0.1:%d\n\n"
             "[idsvc]\nurl = http://127.0.0.1:%d\nkey_file = idsvc.apikey\n\n"
             "[hub]\nurl = http://127.0.0.1:%d\nkey_file = hub.apikey\n\n"
             "[platform messenger]\nview_pub = ../platform-messenger/view.pub\n\n"
             "[platform carrier]\nview_pub = ../platform-carrier/view.pub\n",
             DEMO_AGENCY, d->port_agency, d->port_agency, d->port_idsvc, d->port_hub);
    role_path(d, p, sizeof p, "agency", "agency.ini");
    if (demo_write_file(p, text, 0600, err, errlen) != 0)
        return -1;
    role_path(d, p, sizeof p, "hub", "hub.ini");
    if (hub_ini.broken || demo_write_file(p, hub_ini.data, 0600, err, errlen) != 0)
        return -1;
    role_path(d, p, sizeof p, "idsvc", "clients");
    if (clients_idsvc.broken || demo_write_file(p, clients_idsvc.data, 0600, err, errlen) != 0)
        return -1;
    buf_free(&hub_ini);
    buf_free(&clients_idsvc);
    return 0;
}

static int start_one(demo *d, const char *name, const char *role, char *const argv[],
                     int port, const char *health, char *err, size_t errlen)
{
    char log[4096], url[256];

    snprintf(log, sizeof log, "%s/%s/%s.log", d->dir, role, name);
    if (procs_start(&d->procs, name, log, argv, err, errlen) != 0)
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, health);
    return procs_wait_ready(&d->procs, name, url, 20000, err, errlen);
}

static int start_roles(demo *d, char *err, size_t errlen)
{
    char key[4096], clients[4096], listen[64], cfg[4096];

    role_path(d, key, sizeof key, "idsvc", "ci.key");
    role_path(d, clients, sizeof clients, "idsvc", "clients");
    snprintf(listen, sizeof listen, "127.0.0.1:%d", d->port_idsvc);
    char *idsvc[] = {"idsvc", "--key-file", key, "--clients", clients, "--listen", listen, NULL};
    if (start_one(d, "idsvc", "idsvc", idsvc, d->port_idsvc, "/v1/health", err, errlen) != 0)
        return -1;

    role_path(d, cfg, sizeof cfg, "hub", "hub.ini");
    char *hub[] = {"hub", "--config", cfg, NULL};
    if (start_one(d, "hub", "hub", hub, d->port_hub, "/v1/health", err, errlen) != 0)
        return -1;

    for (int i = 0; i < POP_PLATFORMS; i++) {
        char role[64], name[64];
        snprintf(role, sizeof role, "platform-%s", platform_names[i]);
        snprintf(name, sizeof name, "platform-%s", platform_names[i]);
        role_path(d, cfg, sizeof cfg, role, "platform.ini");
        char *platform[] = {"platform", "--config", cfg, NULL};
        if (start_one(d, name, role, platform, d->port_platform[i], "/", err, errlen) != 0)
            return -1;
    }

    role_path(d, cfg, sizeof cfg, "agency", "agency.ini");
    char *agency[] = {"agency", "serve", "--config", cfg, NULL};
    return start_one(d, "agency", "agency", agency, d->port_agency, "/v1/health", err, errlen);
}

static int pick_ports(demo *d, char *err, size_t errlen)
{
    int *ports[] = {&d->port_idsvc, &d->port_hub, &d->port_agency,
                    &d->port_platform[0], &d->port_platform[1]};

    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        /* Retry until all five differ: the kernel may hand one out twice. */
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
    return 0;
}

static void print_serving(const demo *d)
{
    printf("\nherald is running on loopback. Open a citizen's phone view:\n");
    for (int i = 0; i < POP_PLATFORMS; i++)
        printf("  %-9s  http://127.0.0.1:%d/\n", platform_names[i], d->port_platform[i]);
    printf("  verify a certificate (hub)  http://127.0.0.1:%d/verify\n", d->port_hub);
    printf("\nDemo sign-ins (phone / PIN, platform):\n");
    demo_print_signins(d, 5);
    printf("\nLogs: %s/*/*.log. Press Ctrl-C to stop.\n", d->dir);
    fflush(stdout);
}

static int run(demo *d)
{
    char err[1024];
    int rc = EXIT_FAIL;

    if (pick_ports(d, err, sizeof err) != 0 || write_configs(d, err, sizeof err) != 0) {
        fprintf(stderr, "herald demo: %s\n", err);
        return EXIT_FAIL;
    }
    fprintf(stderr, "demo: starting idsvc, hub, platforms and agency under %s\n", d->dir);
    if (start_roles(d, err, sizeof err) != 0 ||
        demo_signup(d, err, sizeof err) != 0 ||
        demo_send(d, err, sizeof err) != 0 ||
        demo_read(d, err, sizeof err) != 0 ||
        demo_certificates(d, err, sizeof err) != 0 ||
        demo_summary(d, err, sizeof err) != 0 ||
        demo_write_stats(d, err, sizeof err) != 0) {
        fprintf(stderr, "herald demo: %s\n", err);
        procs_stop_all(&d->procs);
        return EXIT_FAIL;
    }
    rc = EXIT_OK;
    if (!d->no_serve) {
        print_serving(d);
        cli_wait_shutdown_signal();
        fprintf(stderr, "demo: stopping\n");
    }
    procs_stop_all(&d->procs);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'},
        {"notices", required_argument, 0, 'n'},
        {"read-share", required_argument, 0, 'r'},
        {"no-serve", no_argument, 0, 's'},
        {"stats", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    demo d = {.dir = "demo-data", .notices = 1000, .read_share = 40, .seed = 2026};
    long v;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': d.dir = optarg; break;
        case 'n':
            if (cli_parse_long(optarg, 1, 10000000, &v) != 0)
                return cli_usage_error("demo", "--notices must be 1 to 10000000");
            d.notices = v;
            break;
        case 'r':
            if (cli_parse_long(optarg, 0, 100, &v) != 0)
                return cli_usage_error("demo", "--read-share must be 0 to 100");
            d.read_share = (int)v;
            break;
        case 's': d.no_serve = 1; break;
        case 't': d.stats_path = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error("demo", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);
    if (!dir_is_empty_or_absent(d.dir))
        return cli_fail("demo", "%s exists and is not empty: remove it or pick another --dir",
                        d.dir);
    if (mkdir(d.dir, 0700) != 0 && errno != EEXIST)
        return cli_fail("demo", "%s: %s", d.dir, strerror(errno));
    d.today = rrn_today();
    d.t_start = demo_now();
    cli_block_shutdown_signals();
    return run(&d);
}
