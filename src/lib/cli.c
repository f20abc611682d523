/* cli.c -- see cli.h. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void say(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "herald %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'herald %s --help'.\n", cmd);
    return EXIT_USAGE;
}

int cli_input_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(cmd, fmt, ap);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(cmd, fmt, ap);
    va_end(ap);
    return EXIT_FAIL;
}

/* Names an unknown short option: its letter, or the group it came in when
 * the letter is not plain ASCII (a byte of a UTF-8 character). */
static int unknown_short(const char *cmd, int letter, const char *arg)
{
    if (letter > ' ' && letter < 127)
        return cli_usage_error(cmd, "unknown option '-%c'", letter);
    return cli_usage_error(cmd, "unknown option in '%s'", arg);
}

int cli_bad_option(const char *cmd, int c, int argc, char **argv)
{
    const char *given = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    const char *group = optind < argc ? argv[optind] : NULL;
    int letter = (unsigned char)optopt;

    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs an argument", given);
    /* An unknown letter inside a group (-xq) leaves optind on the group,
     * and argv[optind - 1] is the argument before it. */
    if (optopt && group && group[0] == '-' && group[1] != '-' && strchr(group + 1, optopt))
        return unknown_short(cmd, letter, group);
    /* getopt sets optopt too for a long option given a value it does not
     * take (--help=1). */
    if (optopt && !strncmp(given, "--", 2) && strchr(given, '='))
        return cli_usage_error(cmd, "option '%s' takes no argument", given);
    if (optopt)
        return unknown_short(cmd, letter, given);
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
