/* hub_user_cmd.c -- `herald hub user add|list|remove`: the operators'
 * accounts of the hub's console (/console on `herald hub`), kept in
 * console.db in the hub's folder. The work is console_user_cmd.c's,
 * shared with the agency's console; this file finds the folder. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "console_user_cmd.h"
#include "hub_console.h"
#include "hub_user_cmd.h"

static const char usage[] =
    "Usage: herald hub user add NAME --role admin|sender|viewer --config hub.ini\n"
    "       herald hub user list --config hub.ini\n"
    "       herald hub user remove NAME --config hub.ini\n\n"
    "The operators' accounts of the hub's console (/console on `herald hub`),\n"
    "kept in console.db in the hub's [hub] dir. NAME is 1-64 of [a-z0-9._-].\n"
    "The console only shows: every role sees every page.\n\n"
    "add reads the password (10-256 characters) from the terminal, twice and\n"
    "without echo, or as the first line of stdin when stdin is not a terminal.\n"
    "It stores an Argon2id hash of it and makes a TOTP secret (RFC 6238: SHA-1,\n"
    "30 s, 6 digits), printed this once as a QR code, as an otpauth:// URI and\n"
    "in base32 for an authenticator app. Signing in takes the name, the password\n"
    "and the app's current code.\n\n"
    "list prints NAME, ROLE and when it was made, one account a line.\n"
    "remove deletes the account and ends its sessions at once.\n";

/* The accounts' database of the hub that cfgfile configures. */
static int db_path(const char *cfgfile, char *out, size_t cap)
{
    char err[1024], dir[4096];
    const char *d;
    config cfg;

    if (config_load(&cfg, cfgfile, err, sizeof err) != 0)
        return cli_fail("hub user", "%s", err);
    if (!(d = config_require(&cfg, "hub", "dir", err, sizeof err))) {
        config_free(&cfg);
        return cli_fail("hub user", "%s", err);
    }
    config_path(&cfg, d, dir, sizeof dir);
    config_free(&cfg);
    /* as hub_open makes it: an account may be added before the first start */
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail("hub user", "%s: %s", dir, strerror(errno));
    hub_console_db_path(dir, out, cap);
    return 0;
}

int hub_user_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"role", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cfgfile = NULL, *role = NULL;
    char path[4200];
    int c, rc;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfgfile = optarg; break;
        case 'r': role = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("hub user", c, argc, argv);
        }
    }
    if (!cfgfile)
        return cli_usage_error("hub user", "--config is required");
    if (role && (optind >= argc || strcmp(argv[optind], "add") != 0))
        return cli_usage_error("hub user", "--role goes with add only");
    if ((rc = db_path(cfgfile, path, sizeof path)) != 0)
        return rc;
    return console_user_cmd("hub user", path, "hub", argv + optind, argc - optind, role);
}
