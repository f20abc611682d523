/* agency_key_cmd.c -- `herald agency key add [--test] NAME`: a bearer key
 * for one of the agency's back-office systems to call `agency serve`'s API
 * with; a test key's notices are simulated (agency_db_test.h).
 * The key is printed once; only its SHA-256 goes into the clients file
 * ([agency] api_clients, mode 0600), as `herald apikey` does for the
 * roles. The server reads the file at start. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_opts.h"
#include "apikeys.h"
#include "cli.h"
#include "crypto.h"

static const char usage[] =
    "Usage: herald agency key add --config agency.ini [--test] NAME\n\n"
    "Makes a bearer API key for the back-office system NAME (1-64 of\n"
    "[A-Za-z0-9._-]), prints it once on stdout and appends NAME and the key's\n"
    "SHA-256 to [agency] api_clients (default DIR/api.clients, mode 0600).\n"
    "Callers send it as 'Authorization: Bearer KEY' to `agency serve`'s /v1/\n"
    "routes; restart the server to take a new key.\n\n"
    "  --test   a test key, in [agency] api_test_clients (default\n"
    "           DIR/api-test.clients): its notices run the whole pipeline\n"
    "           into DIR/test.db but never reach idsvc or the hub; the RRN\n"
    "           picks a simulated outcome (000101-1000018 read,\n"
    "           000101-1000023 delivered unread, 000101-1000039 paper,\n"
    "           000101-1000044 failed; any other: delivered unread). Test\n"
    "           and live keys never see each other's notices, and `agency\n"
    "           report` counts no test notice.\n";

static int append_line(const char *path, const char *line, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    size_t n = strlen(line);

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (write(fd, line, n) != (ssize_t)n || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* 1 if the clients file already names name. */
static int name_taken(const char *path, const char *name)
{
    apikeys keys = {0};
    char err[256];
    int taken = 0;

    if (access(path, F_OK) != 0 || apikeys_load(&keys, path, err, sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < keys.count; i++)
        taken |= !strcmp(keys.entries[i].name, name);
    apikeys_free(&keys);
    return taken;
}

int agency_key_main(int argc, char **argv)
{
    agency_opts o;
    agency_cfg cfg;
    char key[65], hash[65], line[200], err[1024];
    int rc;

    if ((rc = agency_opts_parse(argc, argv, "agency key", usage,
                                AGENCY_OPT_ARGS | AGENCY_OPT_TEST, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (o.nargs != 2 || strcmp(o.args[0], "add"))
        return cli_usage_error("agency key", "expected: key add NAME");
    if (!apikeys_name_ok(o.args[1], strlen(o.args[1])))
        return cli_usage_error("agency key", "NAME must be 1-64 characters of [A-Za-z0-9._-]");
    if (agency_config_load(&cfg, o.config, 0, err, sizeof err) != 0) {
        agency_config_free(&cfg);
        return cli_fail("agency key", "%s", err);
    }
    /* One name, one key, whichever kind: logs name the caller. */
    const char *taken = name_taken(cfg.api_clients, o.args[1])        ? cfg.api_clients
                        : name_taken(cfg.api_test_clients, o.args[1]) ? cfg.api_test_clients
                                                                      : NULL;
    if (taken) {
        rc = cli_fail("agency key", "%s already has a key named %s", taken, o.args[1]);
        agency_config_free(&cfg);
        return rc;
    }
    apikeys_generate(key, hash);
    snprintf(line, sizeof line, "%s %s\n", o.args[1], hash);
    rc = append_line(o.test ? cfg.api_test_clients : cfg.api_clients, line, err, sizeof err);
    agency_config_free(&cfg);
    if (rc != 0) {
        secure_wipe(key, sizeof key);
        return cli_fail("agency key", "%s", err);
    }
    printf("%s\n", key);
    secure_wipe(key, sizeof key);
    return EXIT_OK;
}
