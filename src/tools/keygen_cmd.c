/* keygen_cmd.c -- `herald keygen`: the CI secret and Ed25519 signing keys.
 * Both are one line of base64; secrets get mode 0600 and are never
 * overwritten (see keyfile.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"
#include "keyfile.h"

static const char usage[] =
    "Usage: herald keygen --hmac --out FILE\n"
    "       herald keygen --ed25519 --out PREFIX\n\n"
    "  --hmac       32 random bytes for CI derivation (the idsvc secret), written\n"
    "               as one line of base64 to FILE with mode 0600\n"
    "  --ed25519    an Ed25519 key pair: PREFIX.key (the secret seed, base64,\n"
    "               mode 0600) and PREFIX.pub (the public key, base64, mode 0644)\n"
    "  --out PATH   where to write; an existing file is never overwritten\n";

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
    if (keyfile_create(path, 0644, public_line, err, sizeof err) != 0)
        return cli_fail("keygen", "%s", err);
    return EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hmac", no_argument, 0, 'm'},
        {"ed25519", no_argument, 0, 'e'},
        {"out", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int kind = 0, c;
    const char *out = NULL;

    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': case 'e':
            if (kind && kind != c)
                return cli_usage_error("keygen", "choose one of --hmac and --ed25519");
            kind = c;
            break;
        case 'o': out = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error("keygen", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);
    if (!kind)
        return cli_usage_error("keygen", "say which key: --hmac or --ed25519");
    if (!out || !*out)
        return cli_usage_error("keygen", "--out is required");
    return kind == 'm' ? write_hmac(out) : write_ed25519(out);
}
