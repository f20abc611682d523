/* cli.h -- what every subcommand shares: its entry point's shape, exit
 * codes, and the wording of usage errors, so that all of them behave alike
 * ("herald X: problem" then "Try 'herald X --help'.", exit 2). */
#ifndef HERALD_CLI_H
#define HERALD_CLI_H

#include <stddef.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef int (*command_fn)(int argc, char **argv);

typedef struct command {
    const char *name;
    command_fn run;
    const char *summary;
} command;

int cmd_keygen(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_ci(int argc, char **argv);
int cmd_idsvc(int argc, char **argv);
int cmd_hub(int argc, char **argv);
int cmd_signer(int argc, char **argv);
int cmd_agency(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_platform(int argc, char **argv);

/* Prints "herald CMD: message" and the --help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "herald CMD: message" without the hint, for a file that cannot
 * be read or written: the command line was right; returns EXIT_USAGE. */
int cli_input_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "herald CMD: message"; returns EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The short options of every command's getopt_long: -h, after a ':' that
 * keeps getopt quiet and returns ':' for an option missing its argument,
 * so that cli_bad_option alone says what was wrong. */
#define CLI_SHORT_OPTS ":h"
/* The usage error for what getopt_long returned and no case took: an
 * option missing its argument (':') or an unknown one, named as given on
 * the command line. Returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, int c, int argc, char **argv);

/* Parses a decimal in [min, max]; returns 0 or -1. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Blocks SIGINT and SIGTERM in the calling thread (call before starting
 * threads, which inherit the mask), then later waits for one of them. */
void cli_block_shutdown_signals(void);
int cli_wait_shutdown_signal(void);

#endif
