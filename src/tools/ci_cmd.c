/* ci_cmd.c -- `herald ci`: RRN to CI on the command line, for operators of
 * idsvc and for bulk conversion. Streams standard input line by line in a
 * fixed buffer, so ten million lines take the memory of one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ci.h"
#include "cli.h"
#include "crypto.h"
#include "keyfile.h"
#include "rrn.h"

static const char usage[] =
    "Usage: herald ci --key-file FILE [--strict] [RRN ...]\n\n"
    "Prints the CI of each RRN argument, or of each line of standard input when\n"
    "no RRN is given, one per line and in order. RRNs may be written with or\n"
    "without the hyphen. A bad RRN is reported on standard error with its line\n"
    "(or argument) number and the reason, masked after the sixth digit, and gives\n"
    "an empty output line so that output line N still belongs to input line N;\n"
    "the exit status is then 2.\n\n"
    "  --key-file FILE  the idsvc secret (made by 'herald keygen --hmac')\n"
    "  --strict         reject check-digit mismatches instead of warning; only\n"
    "                   for numbers known to be issued before October 2020\n";

#define LINE_MAX_LEN 64

typedef struct converter {
    hmac512_key key;
    int strict, today;
    unsigned long failed;
} converter;

/* Converts one RRN and writes its output line. */
static void convert(converter *cv, const char *s, size_t len, const char *what,
                    unsigned long pos)
{
    rrn r;
    const char *reason;
    char ci[CI_LEN + 2], masked[RRN_MASKED_LEN + 1];
    rrn_status st = rrn_parse(s, len, cv->today, cv->strict, &r, &reason);

    if (st == RRN_INVALID) {
        rrn_mask(masked, s, len);
        fprintf(stderr, "herald ci: %s %lu: %s: %s\n", what, pos, masked, reason);
        cv->failed++;
        fputc('\n', stdout);
        return;
    }
    if (st == RRN_CHECKSUM_WARNING) {
        rrn_mask(masked, s, len);
        fprintf(stderr, "herald ci: warning: %s %lu: %s: %s\n", what, pos, masked, reason);
    }
    ci_derive(&cv->key, r.digits, ci);
    secure_wipe(&r, sizeof r);
    ci[CI_LEN] = '\n';
    fwrite(ci, 1, CI_LEN + 1, stdout);
}

static void convert_stdin(converter *cv)
{
    char line[LINE_MAX_LEN + 2];
    unsigned long lineno = 0;

    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        int whole = n > 0 && line[n - 1] == '\n';

        lineno++;
        if (!whole && !feof(stdin)) {
            int ch;
            while ((ch = getchar()) != EOF && ch != '\n')
                ;
            fprintf(stderr, "herald ci: line %lu: longer than %d bytes\n", lineno, LINE_MAX_LEN);
            cv->failed++;
            fputc('\n', stdout);
            continue;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
                         line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        convert(cv, line, n, "line", lineno);
    }
    secure_wipe(line, sizeof line);
}

int cmd_ci(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key-file", required_argument, 0, 'k'},
        {"strict", no_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    static char outbuf[1 << 16];
    const char *keyfile = NULL;
    converter cv = {0};
    uint8_t raw[32];
    char err[512];
    int c;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'k': keyfile = optarg; break;
        case 's': cv.strict = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("ci", c, argc, argv);
        }
    }
    if (!keyfile)
        return cli_usage_error("ci", "--key-file is required");
    if (keyfile_read(keyfile, 1, raw, sizeof raw, err, sizeof err) != 0)
        return cli_fail("ci", "%s", err);
    hmac512_key_init(&cv.key, raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    cv.today = rrn_today();
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    if (optind == argc)
        convert_stdin(&cv);
    for (int i = optind; i < argc; i++)
        convert(&cv, argv[i], strlen(argv[i]), "argument", (unsigned long)(i - optind + 1));
    hmac512_key_wipe(&cv.key);
    if (fflush(stdout) != 0)
        return cli_fail("ci", "cannot write standard output");
    return cv.failed ? EXIT_USAGE : EXIT_OK;
}
