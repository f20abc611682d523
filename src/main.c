/* main.c -- one binary, a subcommand per role and tool, like git. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"
#include "json_wipe.h"
#include "log.h"
#include "rrn.h"

static const command commands[] = {
    {"demo", cmd_demo, "run the whole system on loopback with a synthetic population"},
    {"idsvc", cmd_idsvc, "run the Identification Service Agency (RRN -> CI over HTTP)"},
    {"hub", cmd_hub, "run the relay hub: routes notices to platforms, keeps the evidence log"},
    {"signer", cmd_signer, "hold the log key and sign tree heads for the hub, nothing else"},
    {"agency", cmd_agency, "the agency gateway: send notices, serve documents, list postal"},
    {"ci", cmd_ci, "convert RRNs to CIs locally with the idsvc key"},
    {"verify", cmd_verify, "check a distribution certificate or a log consistency proof offline"},
    {"keygen", cmd_keygen, "create an HMAC (CI) key, an Ed25519 signing key or a TLS key and certificate"},
    {"apikey", cmd_apikey, "create an API key and add its hash to a clients file"},
    {"platform", cmd_platform, "run a messenger/carrier platform: members, inboxes, view tokens"},
};

/* The commands that parse RRNs or CIs out of JSON (json_wipe.h). */
static const char *const parse_rrns[] = {"idsvc", "agency", "platform", "demo", NULL};

static int parses_rrns(const char *name)
{
    for (const char *const *c = parse_rrns; *c; c++)
        if (!strcmp(name, *c))
            return 1;
    return 0;
}

static void print_help(FILE *out)
{
    fprintf(out,
            "herald " HERALD_VERSION " -- certified delivery of official notices to phones\n\n"
            "Usage: herald COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-8s %s\n", "help", "show this help");
    fprintf(out, "  %-8s %s\n", "version", "print herald's version (also --version)");
    fprintf(out, "\nRun 'herald COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("herald %s\n", HERALD_VERSION);
        return EXIT_OK;
    }
    log_set_scrub(rrn_mask_standalone);
    if (crypto_init() != 0) {
        fprintf(stderr, "herald: cannot initialise the crypto library\n");
        return EXIT_FAIL;
    }
    if (parses_rrns(argv[1]))
        json_wipe_on_free(free);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "herald: unknown command '%s'\nTry 'herald help'.\n", argv[1]);
    return EXIT_USAGE;
}
