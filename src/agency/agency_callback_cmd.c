/* agency_callback_cmd.c -- `herald agency callback set URL`: where the
 * server posts the status changes of API notices (agency_callback.h).
 * Writes DIR/callback.url and, the first time, the signing key
 * DIR/callback.key (mode 0600), printing the key and its id once for the
 * receiver. A URL that is neither https nor loopback is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agency_callback.h"
#include "agency_commands.h"
#include "agency_config.h"
#include "agency_opts.h"
#include "cli.h"
#include "crypto.h"
#include "http_client.h"
#include "keyfile.h"

static const char usage[] =
    "Usage: herald agency callback set --config agency.ini URL\n\n"
    "Sets where `agency serve` posts status changes of the notices posted\n"
    "through its API: URL must be https://, or http:// to a loopback address.\n"
    "The first time it also makes the signing key DIR/callback.key (mode\n"
    "0600). Prints {\"url\",\"key_id\",\"key\"} as one JSON line: give the key\n"
    "to the receiver, which checks Herald-Signature with it. [callback] url in\n"
    "agency.ini, when set, wins over this. Restart the server to take it.\n";

static int write_url(const char *dir, const char *url, char *err, size_t errlen)
{
    char path[AGENCY_PATH_MAX + 16], tmp[AGENCY_PATH_MAX + 24];
    FILE *f;

    snprintf(path, sizeof path, "%s/callback.url", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!(f = fopen(tmp, "w"))) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int bad = fprintf(f, "%s\n", url) < 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The key, made when there is none. */
static int ensure_key(const char *path, char *key, size_t keylen, char *err, size_t errlen)
{
    uint8_t raw[32];

    if (access(path, F_OK) != 0) {
        random_bytes(raw, sizeof raw);
        hex_encode(key, raw, sizeof raw);
        secure_wipe(raw, sizeof raw);
        if (keyfile_create(path, 0600, key, err, errlen) != 0)
            return -1;
    }
    return http_client_read_key(path, key, keylen, err, errlen);
}

int agency_callback_main(int argc, char **argv)
{
    agency_opts o;
    agency_cfg cfg;
    char key[AGENCY_KEY_MAX], key_id[CALLBACK_KEY_ID_LEN + 1], err[1024];
    const char *why;
    int rc;

    if ((rc = agency_opts_parse(argc, argv, "agency callback", usage, AGENCY_OPT_ARGS, &o)))
        return rc < 0 ? EXIT_OK : rc;
    if (o.nargs != 2 || strcmp(o.args[0], "set"))
        return cli_usage_error("agency callback", "expected: callback set URL");
    if (!agency_callback_url_ok(o.args[1], &why))
        return cli_usage_error("agency callback", "%s", why);
    if (agency_config_load(&cfg, o.config, 0, err, sizeof err) != 0) {
        agency_config_free(&cfg);
        return cli_fail("agency callback", "%s", err);
    }
    rc = write_url(cfg.dir, o.args[1], err, sizeof err) ||
         ensure_key(cfg.callback_key_path, key, sizeof key, err, sizeof err);
    agency_config_free(&cfg);
    if (rc)
        return cli_fail("agency callback", "%s", err);
    agency_callback_key_id(key, key_id);
    json_t *out = json_pack("{ssssss}", "url", o.args[1], "key_id", key_id, "key", key);
    char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(out);
    secure_wipe(key, sizeof key);
    if (!text)
        return cli_fail("agency callback", "out of memory");
    printf("%s\n", text);
    secure_wipe(text, strlen(text));
    free(text);
    return EXIT_OK;
}
