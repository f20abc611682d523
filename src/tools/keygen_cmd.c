/* keygen_cmd.c -- `herald keygen`: the CI secret, Ed25519 signing keys,
 * and a role's TLS key and certificate. The first two are one line of
 * base64; secrets get mode 0600 and are never overwritten (see keyfile.h).
 * The TLS pair is PEM (tls_cert.h), and the pin its peers need is printed. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crypto.h"
#include "keyfile.h"
#include "tls_cert.h"

static const char usage[] =
    "Usage: herald keygen --hmac --out FILE\n"
    "       herald keygen --ed25519 --out PREFIX\n"
    "       herald keygen --tls --out PREFIX [--name NAME] [--host HOST]... [--days N]\n\n"
    "  --hmac       32 random bytes for CI derivation (the idsvc secret), written\n"
    "               as one line of base64 to FILE with mode 0600\n"
    "  --ed25519    an Ed25519 key pair: PREFIX.key (the secret seed, base64,\n"
    "               mode 0600) and PREFIX.pub (the public key, base64, mode 0644)\n"
    "  --tls        a role's TLS key and self-signed certificate: PREFIX.key (ECDSA\n"
    "               P-256, PEM, mode 0600) and PREFIX.crt (PEM, mode 0644); prints\n"
    "               the pin ('sha256//...') its peers put in their configs\n"
    "  --name NAME  the certificate's common name (default: herald)\n"
    "  --host HOST  an IP address or DNS name the certificate names (repeatable,\n"
    "               at most 16; default 127.0.0.1). Peers trust the pinned key,\n"
    "               not the name, so this is for people reading the certificate\n"
    "  --days N     how long the certificate is valid (default 3650)\n"
    "  --out PATH   where to write; an existing file is never overwritten\n";

#define TLS_MAX_HOSTS 16

typedef struct tls_request {
    const char *name;
    const char *hosts[TLS_MAX_HOSTS];
    size_t nhosts;
    long days;
} tls_request;

static int write_tls(const char *prefix, tls_request *t)
{
    static const char *const loopback[] = {"127.0.0.1"};
    char key[4096], crt[4096], pin[TLS_PIN_LEN], err[512];

    snprintf(key, sizeof key, "%s.key", prefix);
    snprintf(crt, sizeof crt, "%s.crt", prefix);
    if (tls_cert_create(key, crt, t->name ? t->name : "herald",
                        t->nhosts ? t->hosts : loopback, t->nhosts ? t->nhosts : 1,
                        (int)t->days, pin, err, sizeof err) != 0)
        return cli_fail("keygen", "%s", err);
    printf("%s\n", pin);
    return EXIT_OK;
}

static int write_hmac(const char *path)
{
    uint8_t key[32];
    char line[BASE64_LEN(32) + 1], err[512];
    int r;

    random_bytes(key, sizeof key);
    base64_encode(line, key, sizeof key);
    r = keyfile_create(path, 0600, line, err, sizeof err);
    secure_wipe(key, sizeof key);
    secure_wipe(line, sizeof line);
    if (r != 0)
        return cli_fail("keygen", "%s", err);
    return EXIT_OK;
}

static int write_ed25519(const char *prefix)
{
    uint8_t seed[ED25519_SEED_LEN], pk[ED25519_PUBLIC_LEN], sk[ED25519_SECRET_LEN];
    char secret_line[BASE64_LEN(32) + 1], public_line[BASE64_LEN(32) + 1];
    char path[4096], err[512];
    int r;

    random_bytes(seed, sizeof seed);
    ed25519_from_seed(pk, sk, seed);
    base64_encode(secret_line, seed, sizeof seed);
    base64_encode(public_line, pk, sizeof pk);
    secure_wipe(seed, sizeof seed);
    secure_wipe(sk, sizeof sk);

    snprintf(path, sizeof path, "%s.key", prefix);
    r = keyfile_create(path, 0600, secret_line, err, sizeof err);
    secure_wipe(secret_line, sizeof secret_line);
    if (r != 0)
        return cli_fail("keygen", "%s", err);
    snprintf(path, sizeof path, "%s.pub", prefix);
    if (keyfile_create(path, 0644, public_line, err, sizeof err) != 0) {
        /* a key without its .pub is of no use, and would stop a rerun */
        snprintf(path, sizeof path, "%s.key", prefix);
        unlink(path);
        return cli_fail("keygen", "%s", err);
    }
    return EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hmac", no_argument, 0, 'm'},
        {"ed25519", no_argument, 0, 'e'},
        {"tls", no_argument, 0, 't'},
        {"name", required_argument, 0, 'n'},
        {"host", required_argument, 0, 'H'},
        {"days", required_argument, 0, 'd'},
        {"out", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int kind = 0, c, days_given = 0;
    const char *out = NULL;
    tls_request tls = {.days = 3650};

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'm': case 'e': case 't':
            if (kind && kind != c)
                return cli_usage_error("keygen", "choose one of --hmac, --ed25519 and --tls");
            kind = c;
            break;
        case 'n':
            if (!*optarg || strlen(optarg) > 64)
                return cli_usage_error("keygen", "--name must be 1 to 64 characters");
            tls.name = optarg;
            break;
        case 'H':
            if (tls.nhosts == TLS_MAX_HOSTS || !*optarg || strlen(optarg) > 253)
                return cli_usage_error("keygen", "--host: at most 16, each 1 to 253 characters");
            tls.hosts[tls.nhosts++] = optarg;
            break;
        case 'd':
            if (cli_parse_long(optarg, 1, 36500, &tls.days) != 0)
                return cli_usage_error("keygen", "--days must be 1 to 36500");
            days_given = 1;
            break;
        case 'o': out = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("keygen", c, argc, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);
    if (!kind)
        return cli_usage_error("keygen", "say which key: --hmac, --ed25519 or --tls");
    if (kind != 't' && (tls.name || tls.nhosts || days_given))
        return cli_usage_error("keygen", "--name, --host and --days go with --tls");
    if (!out || !*out)
        return cli_usage_error("keygen", "--out is required");
    if (kind == 't')
        return write_tls(out, &tls);
    return kind == 'm' ? write_hmac(out) : write_ed25519(out);
}
