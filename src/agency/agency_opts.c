/* agency_opts.c -- see agency_opts.h. */
#include "agency_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int agency_opts_parse(int argc, char **argv, const char *cmd, const char *usage, int takes,
                      agency_opts *o)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"sync", no_argument, 0, AGENCY_OPT_SYNC},
        {"listen", required_argument, 0, AGENCY_OPT_LISTEN},
        {"quiet", no_argument, 0, AGENCY_OPT_QUIET},
        {"new", no_argument, 0, AGENCY_OPT_NEW},
        {"reason", required_argument, 0, AGENCY_OPT_REASON},
        {"reference", required_argument, 0, AGENCY_OPT_REFERENCE},
        {"from", required_argument, 0, AGENCY_OPT_FROM},
        {"to", required_argument, 0, AGENCY_OPT_TO},
        {"json", no_argument, 0, AGENCY_OPT_JSON},
        {"test", no_argument, 0, AGENCY_OPT_TEST},
        {"role", required_argument, 0, AGENCY_OPT_ROLE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c, idx;

    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, &idx)) != -1) {
        if (c == 'c') {
            o->config = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        } else if (c == ':' && optopt != 'c' && !(takes & optopt)) {
            /* An option of another agency command, given without its
             * argument: unknown here, as it is with one. */
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        } else if (c == '?' || c == ':') {
            return cli_bad_option(cmd, c, argc, argv);
        } else if (!(takes & c)) {
            return cli_usage_error(cmd, "unknown option '--%s'", opts[idx].name);
        } else if (c == AGENCY_OPT_SYNC) {
            o->sync = 1;
        } else if (c == AGENCY_OPT_LISTEN) {
            o->listen = optarg;
        } else if (c == AGENCY_OPT_NEW) {
            o->only_new = 1;
        } else if (c == AGENCY_OPT_REASON) {
            o->reason = optarg;
        } else if (c == AGENCY_OPT_REFERENCE) {
            o->reference = optarg;
        } else if (c == AGENCY_OPT_FROM) {
            o->from = optarg;
        } else if (c == AGENCY_OPT_TO) {
            o->to = optarg;
        } else if (c == AGENCY_OPT_JSON) {
            o->json = 1;
        } else if (c == AGENCY_OPT_TEST) {
            o->test = 1;
        } else if (c == AGENCY_OPT_ROLE) {
            o->role = optarg;
        } else {
            o->quiet = 1;
        }
    }
    if ((takes & AGENCY_OPT_ARG) && optind < argc)
        o->arg = argv[optind++];
    if (optind != argc && !(takes & AGENCY_OPT_ARGS))
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    o->args = argv + optind;
    o->nargs = argc - optind;
    if (!o->config)
        return cli_usage_error(cmd, "--config is required");
    return 0;
}
