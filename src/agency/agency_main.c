/* agency_main.c -- `herald agency`: the subcommands and their help.
 *
 * The gateway is several tools over one database, each in a file of its
 * own (agency_send.c, agency_serve.c, agency_postal.c, agency_status.c,
 * agency_cancel.c, agency_paid.c, agency_report_cmd.c, agency_routes.c,
 * agency_user_cmd.c);
 * this file only names them. */
#include <stdio.h>
#include <string.h>

#include "agency_commands.h"
#include "cli.h"

static const char usage[] =
    "Usage: herald agency COMMAND --config agency.ini [OPTIONS]\n\n"
    "The gateway run inside a sending institution.\n\n"
    "Commands:\n"
    "  send     render documents from a recipient CSV and submit notices to the hub\n"
    "  serve    serve documents to citizens holding a platform's view token\n"
    "  postal   list the notices that must be sent on paper, as CSV\n"
    "  status   count notices per state and in legal effect, as one JSON line\n"
    "  paid     report to the hub that a notice was paid: no more reminders or paper\n"
    "  report   what the notices became and what paper they saved\n"
    "  cancel   withdraw a notice sent (REFERENCE --reason TEXT)\n"
    "  purge    delete documents past their retention period\n"
    "  key      key add [--test] NAME: an API key for a back-office system\n"
    "  callback callback set URL: where serve posts status changes\n"
    "  routes   the routes serve answers, one 'METHOD PATH' a line (no --config)\n"
    "  user     user add NAME --role ROLE, list, remove NAME: the console's staff\n\n"
    "Run 'herald agency COMMAND --help' for a command's options.\n";

int cmd_agency(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {
        {"send", agency_send_main},
        {"serve", agency_serve_main},
        {"postal", agency_postal_main},
        {"status", agency_status_main},
        {"cancel", agency_cancel_main},
        {"purge", agency_purge_main},
        {"key", agency_key_main},
        {"callback", agency_callback_main},
        {"paid", agency_paid_main},
        {"report", agency_report_main},
        {"routes", agency_routes_main},
        {"user", agency_user_main},
    };

    if (argc < 2)
        return cli_usage_error("agency", "a command is required (send, serve, postal, status, paid, report, cancel, purge, key, callback, routes, user)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name))
            return subs[i].run(argc - 1, argv + 1);
    return cli_usage_error("agency", "unknown command '%s'", argv[1]);
}
