/* agency_routes.c -- `herald agency routes`: the routes `agency serve`
 * answers, read from the route table itself, so that a test can hold
 * docs/agency-api.yaml to the code without parsing C. */
#include <stdio.h>
#include <string.h>

#include "agency_api.h"
#include "agency_commands.h"
#include "cli.h"

static const char usage[] =
    "Usage: herald agency routes\n\n"
    "Prints every route `agency serve` answers, one 'METHOD PATH' a line, as\n"
    "its route table has them ({name} for a path segment). docs/agency-api.yaml\n"
    "describes the same routes; GET /openapi.json serves that document.\n";

int agency_routes_main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc != 1)
        return cli_usage_error("agency routes", "no arguments expected");
    agency_api_routes_print(stdout);
    return EXIT_OK;
}
