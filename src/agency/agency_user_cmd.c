/* agency_user_cmd.c -- `herald agency user add|list|remove`: the staff
 * accounts of the agency's console (/console on `agency serve`), kept in
 * the agency's database. The work is console_user_cmd.c's, shared with
 * the other roles' consoles; this file finds the database. */
#include <stdio.h>
#include <string.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_opts.h"
#include "cli.h"
#include "console_user_cmd.h"

static const char usage[] =
    "Usage: herald agency user add NAME --role admin|sender|viewer --config agency.ini\n"
    "       herald agency user list --config agency.ini\n"
    "       herald agency user remove NAME --config agency.ini\n\n"
    "The staff accounts of the agency's console (/console on `agency serve`).\n"
    "NAME is 1-64 of [a-z0-9._-]. A viewer sees the dashboard and the notices;\n"
    "a sender may also send and cancel; an admin may do everything.\n\n"
    "add reads the password (10-256 characters) from the terminal, twice and\n"
    "without echo, or as the first line of stdin when stdin is not a terminal.\n"
    "It stores an Argon2id hash of it and makes a TOTP secret (RFC 6238: SHA-1,\n"
    "30 s, 6 digits), printed this once as a QR code, as an otpauth:// URI and\n"
    "in base32 for an authenticator app. Signing in takes the name, the password\n"
    "and the app's current code.\n\n"
    "list prints NAME, ROLE and when it was made, one account a line.\n"
    "remove deletes the account and ends its sessions at once.\n";

int agency_user_main(int argc, char **argv)
{
    agency_opts o;
    agency_cfg cfg;
    char err[1024];
    int rc;

    rc = agency_opts_parse(argc, argv, "agency user", usage, AGENCY_OPT_ARGS | AGENCY_OPT_ROLE,
                           &o);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (o.role && (o.nargs < 1 || strcmp(o.args[0], "add") != 0))
        return cli_usage_error("agency user", "--role goes with add only");
    if (agency_config_load(&cfg, o.config, 0, err, sizeof err) != 0) {
        agency_config_free(&cfg);
        return cli_fail("agency user", "%s", err);
    }
    rc = console_user_cmd("agency user", cfg.db_path, "agency", o.args, o.nargs, o.role);
    agency_config_free(&cfg);
    return rc;
}
