/* agency_opts.h -- the options of the `herald agency` subcommands that
 * take little more than --config (serve, postal, status, cancel, purge), parsed one way
 * so that each means the same to all of them. */
#ifndef HERALD_AGENCY_OPTS_H
#define HERALD_AGENCY_OPTS_H

/* --config and --help are always taken, the others when named in
 * `takes`; any other is a usage error. */
enum {
    AGENCY_OPT_SYNC = 1,   /* --sync */
    AGENCY_OPT_LISTEN = 2, /* --listen HOST:PORT */
    AGENCY_OPT_QUIET = 4,  /* --quiet */
    AGENCY_OPT_NEW = 8,    /* --new */
    AGENCY_OPT_REASON = 16, /* --reason TEXT */
    AGENCY_OPT_ARG = 32,    /* one argument besides the options (a reference) */
    AGENCY_OPT_ARGS = 64,   /* words after the options (key add NAME) */
    AGENCY_OPT_REFERENCE = 128, /* --reference REF */
    AGENCY_OPT_FROM = 256,  /* --from YYYY-MM-DD */
    AGENCY_OPT_TO = 512,    /* --to YYYY-MM-DD */
    AGENCY_OPT_JSON = 1024, /* --json */
    AGENCY_OPT_TEST = 2048, /* --test */
    AGENCY_OPT_ROLE = 4096, /* --role admin|sender|viewer */
};

typedef struct agency_opts {
    const char *config, *listen; /* listen NULL when not given */
    const char *reason, *arg;          /* NULL when not given */
    const char *reference, *from, *to; /* NULL when not given */
    const char *role;                  /* NULL when not given */
    int sync, quiet, only_new, json, test;
    char **args; /* with AGENCY_OPT_ARGS: the other words, in order */
    int nargs;
} agency_opts;

/* Returns 0 to go on, -1 after printing usage for --help, or the exit
 * status of a usage error (--config missing, a stray argument). */
int agency_opts_parse(int argc, char **argv, const char *cmd, const char *usage, int takes,
                      agency_opts *o);

#endif
