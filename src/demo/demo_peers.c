/* demo_peers.c -- see demo_peers.h. */
#include "demo_peers.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "procs.h"

/* How long a peer may take to say it listens: node starts in well under
 * a second, but a loaded machine running the tests in parallel is slow. */
#define PEER_START_MS 20000

/* tests/peers of the checkout this binary was built in (build/herald ->
 * tests/peers), unless --peers named another. */
static int find_peers(const demo *d, char *out, size_t len, char *err, size_t errlen)
{
    char exe[PATH_MAX], probe[PATH_MAX + 64], real[PATH_MAX];
    ssize_t n;

    if (d->peers_dir) {
        snprintf(out, len, "%s", d->peers_dir);
    } else {
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(out, len, "%s/../tests/peers", exe);
        if (realpath(out, real))
            snprintf(out, len, "%s", real);
    }
    snprintf(probe, sizeof probe, "%s/smsc/smsc.js", out);
    if (access(probe, R_OK) != 0) {
        snprintf(err, errlen, "the test peers are not at %s (no smsc/smsc.js): give --peers "
                 "DIR (the repository's tests/peers) or --no-channels", out);
        return -1;
    }
    return 0;
}

/* SMPP 3.4 passwords are at most 8 characters: 8 random letters and digits. */
static void smpp_password(char out[9])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t r[8];

    random_bytes(r, sizeof r);
    for (int i = 0; i < 8; i++)
        out[i] = alphabet[r[i] % (sizeof alphabet - 1)];
    out[8] = '\0';
    secure_wipe(r, sizeof r);
}

static int write_secrets(const demo *d, char password[9], char *err, size_t errlen)
{
    char path[4096], key64[BASE64_LEN(32) + 1];
    uint8_t key[32];
    int r;

    smpp_password(password);
    demo_path(d, path, sizeof path, "platform-carrier", DEMO_SMPP_PASSWORD_FILE);
    if (keyfile_create(path, 0600, password, err, errlen) != 0)
        return -1;
    random_bytes(key, sizeof key);
    base64_encode(key64, key, sizeof key);
    demo_path(d, path, sizeof path, "platform-messenger", DEMO_PUSH_KEY_FILE);
    r = keyfile_create(path, 0600, key64, err, errlen);
    secure_wipe(key, sizeof key);
    secure_wipe(key64, sizeof key64);
    return r;
}

/* The port in the first line of out_path that starts with prefix and ends
 * "(port N)", or 0 while there is none. */
static int port_line(const char *out_path, const char *prefix)
{
    char line[512];
    int port = 0;
    FILE *f = fopen(out_path, "r");

    while (f && !port && fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "(port ");
        if (!strncmp(line, prefix, strlen(prefix)) && at)
            port = atoi(at + 6);
    }
    if (f)
        fclose(f);
    return port > 0 && port < 65536 ? port : 0;
}

/* Starts node SCRIPT ARGS... as name, with its stdout and stderr in
 * DIR/peers, and waits for its "listening on" and "control on" lines. */
static int start_peer(demo *d, const char *name, char *const argv[], int *port, int *control,
                      char *err, size_t errlen)
{
    char log[4096], out[4096];
    struct timespec pause = {0, 50 * 1000000L};

    snprintf(log, sizeof log, "%s/peers/%s.log", d->dir, name);
    snprintf(out, sizeof out, "%s/peers/%s.out", d->dir, name);
    if (procs_start_program(&d->procs, name, log, out, argv, err, errlen) != 0)
        return -1;
    for (int waited = 0; waited < PEER_START_MS; waited += 50) {
        *port = port_line(out, "listening on ");
        *control = port_line(out, "control on ");
        if (*port && *control)
            return 0;
        if (!procs_alive(&d->procs, name)) {
            snprintf(err, errlen, "the %s peer exited during start-up; see %s", name, log);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    snprintf(err, errlen, "the %s peer did not say it listens within %d ms; see %s", name,
             PEER_START_MS, log);
    return -1;
}

/* scripts/peers.sh beside tests/peers: npm ci of the locked packages, a
 * no-op once they are in. */
static int install_packages(const demo *d, const char *peers, char *err, size_t errlen)
{
    char script[4096], log[4096];

    snprintf(script, sizeof script, "%s/../../scripts/peers.sh", peers);
    if (access(script, R_OK) != 0)
        return 0; /* peers given elsewhere: their packages are the giver's affair */
    snprintf(log, sizeof log, "%s/peers/install.log", d->dir);
    char *argv[] = {"sh", script, NULL};
    if (procs_run_program(log, argv) != 0) {
        snprintf(err, errlen, "installing the peers' npm packages failed (is node installed? "
                 "scripts/deps.sh installs it); see %s", log);
        return -1;
    }
    return 0;
}

int demo_peers_start(demo *d, char *err, size_t errlen)
{
    char peers[4096], smsc[4200], gateway[4200], key[4096], receipts[128], password[9];

    if (d->no_channels)
        return 0;
    if (find_peers(d, peers, sizeof peers, err, errlen) != 0 ||
        write_secrets(d, password, err, errlen) != 0 ||
        install_packages(d, peers, err, errlen) != 0)
        return -1;
    fprintf(stderr, "demo: starting the SMSC and push gateway peers (node, %s)\n", peers);
    snprintf(smsc, sizeof smsc, "%s/smsc/smsc.js", peers);
    /* Without the phone view nobody reads the texts: totals suffice, and
     * a million notices' texts would only fill the peer's memory. */
    char *smsc_argv[] = {"node", smsc, "--system-id", DEMO_SMPP_SYSTEM_ID, "--password", password,
                         d->no_serve ? "--counts-only" : NULL, NULL};
    int r = start_peer(d, "smsc", smsc_argv, &d->port_smpp, &d->port_smsc_control, err, errlen);
    secure_wipe(password, sizeof password);
    if (r != 0)
        return -1;

    snprintf(gateway, sizeof gateway, "%s/push/gateway.js", peers);
    if (access(gateway, R_OK) != 0) {
        /* A checkout from before the gateway: the messenger's alerts stay queued. */
        fprintf(stderr, "demo: no push gateway peer at %s: the messenger sends no alerts\n",
                gateway);
        return 0;
    }
    demo_path(d, key, sizeof key, "platform-messenger", DEMO_PUSH_KEY_FILE);
    snprintf(receipts, sizeof receipts, "http://127.0.0.1:%d/v1/push/receipts",
             d->port_platform[0]);
    /* Receipts a second after the answer, as a phone takes a moment: a
     * receipt the gateway sends before the platform has recorded the
     * answer names an alert id the platform does not know yet, and is
     * lost (the platform answers it "unknown"; the gateway does not
     * retry). */
    char *gateway_argv[] = {"node", gateway, "--key-file", key, "--receipts-url", receipts,
                            "--receipt-delay", "1000", d->no_serve ? "--counts-only" : NULL,
                            NULL};
    return start_peer(d, "push-gateway", gateway_argv, &d->port_push, &d->port_push_control,
                      err, errlen);
}
