/* apikey_cmd.c -- `herald apikey`: issue a caller's bearer key.
 * The key goes to standard output, once; only its hash is written to the
 * role's clients file (see apikeys.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apikeys.h"
#include "cli.h"

static const char usage[] =
    "Usage: herald apikey --name NAME --clients FILE\n\n"
    "Creates a random API key for the caller NAME, appends \"NAME HASH\" to the\n"
    "clients FILE (created with mode 0600 if missing) and prints the key on\n"
    "standard output. The key itself is stored nowhere: hand it to the caller.\n";

static int append_line(const char *path, const char *line, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    size_t n = strlen(line);

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (write(fd, line, n) != (ssize_t)n || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int cmd_apikey(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, 0, 'n'},
        {"clients", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *name = NULL, *clients = NULL;
    char key[65], hash[65], line[200], err[512];
    int c;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'c': clients = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("apikey", c, argc, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("apikey", "unexpected argument '%s'", argv[optind]);
    if (!name || !apikeys_name_ok(name, strlen(name)))
        return cli_usage_error("apikey", "--name must be 1-64 characters of [A-Za-z0-9._-]");
    if (!clients)
        return cli_usage_error("apikey", "--clients is required");
    apikeys_generate(key, hash);
    snprintf(line, sizeof line, "%s %s\n", name, hash);
    if (append_line(clients, line, err, sizeof err) != 0)
        return cli_fail("apikey", "%s", err);
    printf("%s\n", key);
    return EXIT_OK;
}
