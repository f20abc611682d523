/* cli.c -- see cli.h. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "herald %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'herald %s --help'.\n", cmd);
    return EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "herald %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_FAIL;
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
    const char *given = optind > 0 ? argv[optind - 1] : "";

    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs an argument", given);
    /* getopt sets optopt for a long option given an argument it does not
     * take, and for an unknown short one, which inside a group (-xh)
     * leaves optind where it was: argv does not name it then. */
    if (optopt && !strncmp(given, "--", 2) && strchr(given, '='))
        return cli_usage_error(cmd, "option '%s' takes no argument", given);
    if (optopt > 0 && optopt < 128)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", given);
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static sigset_t shutdown_set(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

void cli_block_shutdown_signals(void)
{
    sigset_t set = shutdown_set();

    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cli_wait_shutdown_signal(void)
{
    sigset_t set = shutdown_set();
    int sig = 0;

    sigwait(&set, &sig);
    return sig;
}
