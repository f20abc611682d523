/* signer_main.c -- `herald signer`: starting the log key's own process.
 *
 * Everything that needs root (reading the key, creating the state, binding
 * and handing over the socket) happens first; then the process becomes
 * --user, installs its seccomp filter and only answers the hub. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cli.h"
#include "keyfile.h"
#include "log.h"
#include "privdrop.h"
#include "signer.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

static const char usage[] =
    "Usage: herald signer --key FILE --socket PATH [--state FILE] [--new-log]\n"
    "                     [--user USER] [--client USER] [--quiet]\n\n"
    "Holds the evidence log's Ed25519 key and signs tree heads for the hub over a\n"
    "UNIX socket, and nothing else. A head is signed only if it is consistent with\n"
    "the last one signed: no smaller tree, the same root for the same size, a time\n"
    "not going back (nor over 10 minutes ahead), and a consistency proof from the\n"
    "last head (docs/design.md §4, \"The signer\"). SIGTERM or SIGINT stops it; it\n"
    "can be restarted at once on the same socket.\n\n"
    "  --key FILE     the log key (herald keygen --ed25519), mode 0600\n"
    "  --socket PATH  where the hub connects (hub.ini [hub] signer); created mode\n"
    "                 0600 for the client user; a socket left by a dead signer is\n"
    "                 removed\n"
    "  --state FILE   the last head signed, kept across restarts (default: the key's\n"
    "                 path followed by .state); never delete it: a missing or empty\n"
    "                 one is refused, and so is one others may write or that belongs\n"
    "                 to another user\n"
    "  --new-log      the log has never had a head signed: create an empty state\n"
    "                 (an empty one is taken as it is); refused once the state\n"
    "                 holds a signed head, so it is for the first start only\n"
    "  --user USER    started as root: become USER once the key, the state and the\n"
    "                 socket are open\n"
    "  --client USER  the only user whose connections are answered (checked with\n"
    "                 SO_PEERCRED); default: the user the signer runs as\n"
    "  --quiet        log only warnings and errors\n\n"
    "Once started it may make only the system calls in src/signer/signer_syscalls.c;\n"
    "any other stops it with a line naming the call, and exit status 159.\n";

typedef struct signer_opts {
    const char *key, *socket, *state, *user, *client;
    int new_log;
} signer_opts;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The stop signals are blocked but while the loop waits in ppoll, which
 * lets them in and returns EINTR: one landing between the loop's look at
 * the flag and its wait cannot be lost until the next connection. */
static void catch_stop_signals(sigset_t *wait_mask)
{
    struct sigaction sa;
    sigset_t stops;

    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigprocmask(SIG_BLOCK, &stops, wait_mask);
    sigdelset(wait_mask, SIGTERM);
    sigdelset(wait_mask, SIGINT);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int load_key(signer *s, const char *path, char *err, size_t errlen)
{
    uint8_t seed[ED25519_SEED_LEN];
    int rc = keyfile_read(path, 1, seed, sizeof seed, err, errlen);

    if (rc == 0 && !(s->sk = secure_alloc(ED25519_SECRET_LEN))) {
        snprintf(err, errlen, "cannot keep the key in locked memory");
        rc = -1;
    }
    if (rc == 0)
        ed25519_from_seed(s->pk, s->sk, seed);
    secure_wipe(seed, sizeof seed);
    return rc;
}

/* Who may connect, and so who owns the socket: --client, else the user
 * the signer runs as (the socket is then left as created when no drop). */
static int client_of(const signer_opts *o, int drop, uid_t uid, gid_t gid, uid_t *cuid,
                     gid_t *cgid, char *err, size_t errlen)
{
    if (o->client)
        return privdrop_lookup(o->client, cuid, cgid, err, errlen);
    *cuid = drop ? uid : (uid_t)-1;
    *cgid = drop ? gid : (gid_t)-1;
    return 0;
}

/* Key, state and socket (as root when started so), then the drop and
 * the filter. */
static int start(signer *s, const signer_opts *o, char *err, size_t errlen)
{
    uid_t uid = (uid_t)-1, cuid;
    gid_t gid = (gid_t)-1, cgid;
    int drop = privdrop_plan(o->user, &uid, &gid, err, errlen);
    char state[4200];

    if (drop < 0 || client_of(o, drop, uid, gid, &cuid, &cgid, err, errlen) != 0 ||
        load_key(s, o->key, err, errlen) != 0)
        return -1;
    s->client_uid = cuid != (uid_t)-1 ? cuid : getuid();
    snprintf(state, sizeof state, "%s%s", o->state ? o->state : o->key,
             o->state ? "" : ".state");
    if (signer_state_open(&s->state, state, drop ? uid : (uid_t)-1, o->new_log, err,
                          errlen) != 0)
        return -1;
    s->listen_fd = signer_listen(o->socket, cuid, cgid, err, errlen);
    if (s->listen_fd < 0 || (drop && privdrop_to(uid, gid, err, errlen) != 0))
        return -1;
    /* First uses load what they need before the filter forbids opening:
     * the clock HERALD_CLOCK_FILE's name, OpenSSL (SHA-256) its config. */
    uint8_t warm[SHA256_LEN];
    sha256("", 0, warm);
    (void)clock_now_ms();
    log_info("log key %s; last head signed: %s", o->key,
             s->state.have_last ? "on record" : "none (the first request sets it)");
#if defined(__SANITIZE_ADDRESS__)
    /* ASan builds: the leak check now, as it would run at exit, since at
     * exit it would need ptrace and clone, which the filter forbids. */
    __lsan_do_leak_check();
#endif
    sandbox_list allowed = signer_syscalls;
    allowed.open_read_only = getenv("HERALD_CLOCK_FILE") != NULL;
    return sandbox_apply(&allowed, err, errlen);
}

static int parse(int argc, char **argv, signer_opts *o)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'},    {"socket", required_argument, 0, 's'},
        {"state", required_argument, 0, 'S'},  {"user", required_argument, 0, 'u'},
        {"client", required_argument, 0, 'c'}, {"quiet", no_argument, 0, 'q'},
        {"new-log", no_argument, 0, 'n'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key = optarg; break;
        case 's': o->socket = optarg; break;
        case 'S': o->state = optarg; break;
        case 'u': o->user = optarg; break;
        case 'c': o->client = optarg; break;
        case 'q': log_set_quiet(1); break;
        case 'n': o->new_log = 1; break;
        case 'h': fputs(usage, stdout); return 1;
        default: return cli_bad_option("signer", c, argc, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("signer", "unexpected argument '%s'", argv[optind]);
    if (!o->key || !o->socket)
        return cli_usage_error("signer", "--key and --socket are required");
    return 0;
}

int cmd_signer(int argc, char **argv)
{
    signer_opts o = {0};
    signer s;
    sigset_t wait_mask;
    char err[512];
    int rc = parse(argc, argv, &o);

    if (rc != 0)
        return rc == 1 ? EXIT_OK : rc;
    log_set_name("signer");
    memset(&s, 0, sizeof s);
    s.listen_fd = -1;
    s.state.fd = -1;
    catch_stop_signals(&wait_mask);
    if (start(&s, &o, err, sizeof err) != 0) {
        rc = cli_fail("signer", "%s", err);
    } else {
        log_info("signing tree heads on %s for uid %u", o.socket, (unsigned)s.client_uid);
        signer_serve(&s, &stop_requested, &wait_mask);
        log_info("stopped");
        rc = EXIT_OK;
    }
    signer_state_close(&s.state);
    if (s.listen_fd >= 0)
        close(s.listen_fd);
    /* Wiped, not freed: sodium_free calls mprotect, which the filter
     * forbids (making memory executable is what an exploit would want);
     * the process ends here anyway. */
    if (s.sk)
        secure_wipe(s.sk, ED25519_SECRET_LEN);
    return rc;
}
