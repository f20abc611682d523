/* demo_main.c -- `herald demo`: the whole system on one machine.
 *
 * Makes keys and configuration for every role, starts idsvc, the hub, two
 * platforms (messenger, carrier) and one agency on loopback, signs up a
 * synthetic population, sends each citizen a notice through the agency,
 * has a share of them read through the real citizen path (sign in, view
 * token, document), and prints a summary. Every step goes through the
 * roles' public interfaces, exactly as separate operators would. This
 * file is the command: its options, the steps in order (demo_setup.c,
 * demo_flow.c, demo_certificates.c, demo_stats.c), and serving until
 * Ctrl-C. With --no-send it stops after the sign-up and stays up, saying
 * which process is which, for bench/chaos to send, kill and restart. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "demo.h"
#include "demo_console.h"
#include "demo_api.h"
#include "demo_certificates.h"
#include "demo_letters.h"
#include "clock.h"
#include "demo_flow.h"
#include "demo_peers.h"
#include "demo_setup.h"
#include "demo_stats.h"
#include "phone_view.h"
#include "procs.h"
#include "rrn.h"

static const char usage[] =
    "Usage: herald demo [--dir DIR] [--notices N] [--read-share PCT] [--no-serve]\n"
    "                   [--consent-window S] [--peers DIR | --no-channels]\n"
    "                   [--stats FILE] [--no-send] [--plain-http]\n"
    "                   [--hub-dsn DSN [--hub-nodes 1|2]]\n\n"
    "Runs the whole system on loopback: idsvc, hub, the signer holding the log key,\n"
    "platforms 'messenger' and 'carrier', and one agency, each with its data under\n"
    "DIR (DIR/idsvc, DIR/hub, DIR/signer, DIR/agency, DIR/platform-messenger,\n"
    "DIR/platform-carrier), and the peers the platforms alert citizens through: an\n"
    "SMSC for the carrier's SMS and a push gateway for the messenger (node programs\n"
    "from the repository's tests/peers, logs in DIR/peers). Signs up N synthetic\n"
    "citizens (most on one or both platforms, some on neither), writes them to\n"
    "DIR/agency/recipients.csv, sends each a notice, has a share of them read\n"
    "through the citizen pages, prints the agency's cost report (herald agency\n"
    "report) and a JSON summary. Without --no-serve it then posts one notice over\n"
    "the agency's back-office API and prints the callback it brought, prints the\n"
    "paper letters for the notices that went to paper (the PDF files and their\n"
    "manifest), stays up, serves each citizen's phone (the texts it received, their\n"
    "links clickable), prints the URLs and a few sign-ins to try in a browser, and\n"
    "stops on Ctrl-C. idsvc, the hub and the platforms speak TLS 1.3 to each other,\n"
    "each caller pinning the callee's key (DIR/ROLE/tls.key and tls.crt); the\n"
    "citizen pages (the platforms' web_listen) and the agency stay plain HTTP on\n"
    "loopback, for a browser without warnings.\n\n"
    "  --dir DIR         where everything goes (default demo-data; must be empty\n"
    "                    or absent)\n"
    "  --notices N       citizens and notices, 1 to 10,000,000 (default 1000)\n"
    "  --read-share PCT  percent of reachable citizens who read (default 40)\n"
    "  --no-serve        stop after the summary (no API call, no letters)\n"
    "  --consent-window S  how long a member pre-noticed without consent has to\n"
    "                    consent (default 5; a week in production); 0: no\n"
    "                    pre-notices, such members' notices go to paper at once\n"
    "  --peers DIR       where smsc/smsc.js and push/gateway.js are (default:\n"
    "                    ../tests/peers from the folder of the herald binary, the\n"
    "                    checkout's when it runs from build/)\n"
    "  --no-channels     no SMSC or gateway: the platforms keep their alerts queued\n"
    "  --stats FILE      write step timings and each role's peak memory as JSON\n"
    "  --no-send         sign the citizens up and write DIR/agency/recipients.csv,\n"
    "                    DIR/agency/template.html and DIR/readers.csv (phone, PIN\n"
    "                    and platform of the --read-share who would read), but\n"
    "                    send nothing: print\n"
    "                    'process NAME PID LOG' for every process started, then\n"
    "                    'ready' and stay up until Ctrl-C or SIGTERM (for bench/chaos,\n"
    "                    which sends, and kills and restarts roles, itself)\n"
    "  --plain-http      plain HTTP between the roles too (loopback), to compare\n"
    "                    with TLS; by default idsvc, the hub and the platforms\n"
    "                    serve TLS 1.3 and every caller pins the callee's key\n"
    "  --hub-dsn DSN     the hub keeps its store in that PostgreSQL database (a\n"
    "                    libpq connection string; [store] kind = postgres)\n"
    "                    instead of SQLite files in DIR/hub\n"
    "  --hub-nodes N     1 (default) or 2 hub processes on that database: with 2\n"
    "                    the platforms call the second (DIR/hub/hub-2.ini), the\n"
    "                    agency the first\n";

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

static void print_serving(const demo *d)
{
    printf("\nherald is running on loopback.\n");
    if (d->port_phones)
        printf("Open the citizens' phones (the texts they received; tap a link):\n"
               "  phones     http://127.0.0.1:%d/\n", d->port_phones);
    printf("The platforms' citizen pages:\n");
    for (int i = 0; i < POP_PLATFORMS; i++)
        printf("  %-9s  http://127.0.0.1:%d/\n", demo_platform_names[i], d->port_platform[i]);
    printf("  verify a certificate (hub)  %s://127.0.0.1:%d/verify%s\n",
           d->plain_http ? "http" : "https", d->port_hub,
           d->plain_http ? "" : " (self-signed: the roles pin it, a browser warns)");
    printf("\nDemo sign-ins (phone / PIN, platform):\n");
    demo_flow_print_signins(d, 5);
    demo_letters_print(d);
    demo_console_print(d);
    printf("\nLogs: %s/*/*.log. Press Ctrl-C to stop.\n", d->dir);
    fflush(stdout); /* a pipe (a test reading the URLs) must see it all now */
}

/* --no-send: the roles up and the citizens signed up, nothing sent; says
 * which process is which (and where it logs) so that a caller can kill
 * and restart them, and stays up until told to stop. */
static int run_standby(demo *d)
{
    char err[1024];

    if (demo_setup(d, err, sizeof err) != 0 || demo_flow_signup(d, err, sizeof err) != 0 ||
        demo_flow_prepare(d, err, sizeof err) != 0 ||
        demo_flow_write_readers(d, err, sizeof err) != 0) {
        fprintf(stderr, "herald demo: %s\n", err);
        procs_stop_all(&d->procs);
        demo_api_stop(d);
        return EXIT_FAIL;
    }
    for (int i = 0; i < d->procs.count; i++)
        printf("process %s %d %s\n", d->procs.list[i].name, (int)d->procs.list[i].pid,
               d->procs.list[i].log);
    printf("ready: %ld citizens signed up, nothing sent; Ctrl-C to stop\n", d->notices);
    fflush(stdout);
    cli_wait_shutdown_signal();
    fprintf(stderr, "demo: stopping\n");
    procs_stop_all(&d->procs);
    demo_api_stop(d);
    return EXIT_OK;
}

/* The steps in order; on any failure, every role started is stopped. */
static int run(demo *d)
{
    char err[1024];

    if (demo_setup(d, err, sizeof err) != 0 ||
        demo_flow_signup(d, err, sizeof err) != 0 ||
        demo_flow_send(d, err, sizeof err) != 0 ||
        demo_flow_read(d, err, sizeof err) != 0 ||
        demo_certificates(d, err, sizeof err) != 0 ||
        demo_letters(d, err, sizeof err) != 0 ||
        demo_flow_summary(d, err, sizeof err) != 0 ||
        demo_stats_write(d, err, sizeof err) != 0) {
        fprintf(stderr, "herald demo: %s\n", err);
        procs_stop_all(&d->procs);
        demo_api_stop(d);
        return EXIT_FAIL;
    }
    if (!d->no_serve) {
        /* Not in a benchmark's run: its notice would go to paper after the
         * figures were taken, and bench/e2e reads the last one from hub.db. */
        demo_api_show(d);
        phone_view *view = phone_view_start(d, err, sizeof err);
        if (!view)
            fprintf(stderr, "herald demo: no phone view: %s\n", err);
        print_serving(d);
        cli_wait_shutdown_signal();
        fprintf(stderr, "demo: stopping\n");
        phone_view_stop(view);
    }
    procs_stop_all(&d->procs);
    demo_api_stop(d);
    return EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'},
        {"notices", required_argument, 0, 'n'},
        {"read-share", required_argument, 0, 'r'},
        {"no-serve", no_argument, 0, 's'},
        {"consent-window", required_argument, 0, 'c'},
        {"stats", required_argument, 0, 't'},
        {"peers", required_argument, 0, 'p'},
        {"no-channels", no_argument, 0, 'C'},
        {"no-send", no_argument, 0, 'S'},
        {"plain-http", no_argument, 0, 'P'},
        {"hub-dsn", required_argument, 0, 'D'},
        {"hub-nodes", required_argument, 0, 'N'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    demo d = {.dir = "demo-data", .notices = 1000, .read_share = 40, .seed = 2026,
              .consent_window_s = 5, .hub_nodes = 1};
    long v;
    int c, no_send = 0;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
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
        case 'c':
            if (cli_parse_long(optarg, 0, 604800, &v) != 0)
                return cli_usage_error("demo", "--consent-window must be 0 to 604800");
            d.consent_window_s = v;
            break;
        case 't': d.stats_path = optarg; break;
        case 'p': d.peers_dir = optarg; break;
        case 'C': d.no_channels = 1; break;
        case 'S': no_send = 1; break;
        case 'P': d.plain_http = 1; break;
        case 'D':
            /* hub.ini's lines hold at most 199 characters, "dsn = " included. */
            if (!*optarg || strlen(optarg) > 190 || strpbrk(optarg, "\r\n"))
                return cli_usage_error("demo", "--hub-dsn must be one line of at most 190 bytes");
            d.hub_dsn = optarg;
            break;
        case 'N':
            if (cli_parse_long(optarg, 1, 2, &v) != 0)
                return cli_usage_error("demo", "--hub-nodes must be 1 or 2");
            d.hub_nodes = (int)v;
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("demo", c, argc, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);
    if (d.peers_dir && d.no_channels)
        return cli_usage_error("demo", "--peers and --no-channels exclude each other");
    if (no_send && d.stats_path)
        return cli_usage_error("demo", "--stats times the sending: it does not go with --no-send");
    if (d.hub_nodes > 1 && !d.hub_dsn)
        return cli_usage_error("demo", "--hub-nodes 2 needs --hub-dsn: the nodes share one database");
    if (!dir_is_empty_or_absent(d.dir))
        return cli_fail("demo", "%s exists and is not empty: remove it or pick another --dir",
                        d.dir);
    if (mkdir(d.dir, 0700) != 0 && errno != EEXIST)
        return cli_fail("demo", "%s: %s", d.dir, strerror(errno));
    d.today = rrn_today();
    demo_deadline(d.deadline, clock_now_ms());
    d.t_start = demo_now();
    cli_block_shutdown_signals();
    return no_send ? run_standby(&d) : run(&d);
}
