/* verify_cmd.c -- `herald verify`: check a distribution certificate, or a
 * consistency proof between two tree heads, offline, against a log key the
 * verifier pins. What a court or a citizen runs; needs no server. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certificate.h"
#include "certificate_pdf.h"
#include "cli.h"
#include "keyfile.h"
#include "legal_effect.h"

static const char usage[] =
    "Usage: herald verify --log-key FILE [--effect-rule RULE] [--pdf OUT.pdf [--url URL]]\n"
    "                     CERT.json\n"
    "       herald verify --log-key FILE --consistency OLD_STH.json NEW_STH.json PROOF.json\n\n"
    "Checks a distribution certificate: every leaf is in the tree whose head the\n"
    "log key signed, every leaf names the certificate's notice, and the events run\n"
    "in time order. Prints the timeline and exits 0 when valid; prints the reason\n"
    "and exits 1 when not; exits 2 for usage errors, for a file it cannot read and\n"
    "for a PDF it cannot write (after printing the timeline of a valid one).\n"
    "With --consistency, checks that the newer signed tree head extends the older\n"
    "one (GET /v1/log/sth, GET /v1/log/consistency?first=M&second=N).\n\n"
    "  --log-key FILE   the hub's log public key (.pub: base64 of 32 bytes), obtained\n"
    "                   from the hub's operator: the key inside a certificate is not\n"
    "                   trusted\n"
    "  --pdf OUT.pdf    when the certificate is valid, also write it as a one-page\n"
    "                   PDF (Korean and English) for people and courts\n"
    "  --url URL        the verify page the PDF's QR code leads to\n"
    "  --effect-rule RULE\n"
    "                   also print (and put on the PDF) when the notice takes legal\n"
    "                   effect under the agency's rule: terms EVENT or EVENT+Nd,\n"
    "                   comma-separated; the earliest term that applies wins, e.g.\n"
    "                   '" EFFECT_RULE_DEFAULT "' (agency.ini's default;\n"
    "                   without this option no legal effect is shown).\n"
    "                   Computed from the certificate's evidence times only; \"pending\"\n"
    "                   when that time is after the signed tree head; none when the\n"
    "                   notice was cancelled (NoticeCancellation) before it.\n";

/* The file's bytes, or NULL with why in err; *too_big then says whether
 * it was only too large, which is the certificate's fault (design.md:
 * the size is verification's first step), not the file's. */
static char *read_all(const char *path, size_t *len, int *too_big, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *data;

    *too_big = 0;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    data = malloc(CERT_MAX_BYTES + 1);
    if (!data) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *len = fread(data, 1, CERT_MAX_BYTES + 1, f);
    /* A directory opens, then fails to read (EISDIR): an unreadable file
     * is exit 2, never a forged certificate's INVALID. */
    int failed = ferror(f), why = errno;
    fclose(f);
    if (failed || *len > CERT_MAX_BYTES) {
        if (failed)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(why));
        else
            snprintf(err, errlen, "%s: larger than %u bytes", path, CERT_MAX_BYTES);
        *too_big = !failed;
        free(data);
        return NULL;
    }
    return data;
}

/* Exit for a file read_all refused: 1 for one too large to be a
 * certificate, 2 for one that cannot be read. */
static int unread(int too_big, const char *err)
{
    if (too_big) {
        printf("INVALID: %s\n", err);
        return EXIT_FAIL;
    }
    return cli_input_error("verify", "%s", err);
}

static int verify_certificate(const uint8_t key[32], const char *path, const char *pdf,
                              const char *url, const effect_rule *rule)
{
    char err[512];
    size_t len;
    int too_big;
    char *json = read_all(path, &len, &too_big, err, sizeof err);
    cert_result *res = json ? malloc(sizeof *res) : NULL;
    int r;

    if (!json)
        return unread(too_big, err);
    if (!res) {
        free(json);
        return cli_input_error("verify", "out of memory");
    }
    r = certificate_verify(json, len, key, res, err, sizeof err);
    free(json);
    if (r != 0) {
        printf("INVALID: %s\n", err);
        free(res);
        return EXIT_FAIL;
    }
    printf("VALID certificate for notice %s\n", res->notice);
    printf("signed tree head: size %llu at %llu ms\n",
           (unsigned long long)res->head.tree_size, (unsigned long long)res->head.timestamp_ms);
    for (size_t i = 0; i < res->count; i++) {
        const cert_event *e = &res->events[i];
        char channel[sizeof e->channel + sizeof e->reference];
        cert_event_channel(e, channel, sizeof channel);
        printf("  %s  %-32s %s%s%s%s%s%s\n", e->at, e->event, e->actor,
               e->reason[0] ? "  " : "", e->reason, channel[0] ? "  [" : "", channel,
               channel[0] ? "]" : "");
    }
    if (rule) {
        char when[256], text[EFFECT_RULE_TEXT_MAX + 1];
        effect_rule_format(rule, text, sizeof text);
        effect_describe_certificate(rule, res, when, sizeof when);
        printf("legal effect under \"%s\": %s\n", text, when);
    }
    /* The verdict above stands: exit 1 says "not valid", so a PDF that
     * cannot be written is a file error, 2, as an unreadable input is. */
    if (pdf && certificate_pdf_write(res, url, rule, pdf, err, sizeof err) != 0) {
        free(res);
        return cli_input_error("verify", "%s", err);
    }
    free(res);
    return EXIT_OK;
}

static int verify_consistency(const uint8_t key[32], char **paths)
{
    char err[512];
    sth heads[2];
    size_t len;
    int too_big;

    for (int i = 0; i < 2; i++) {
        char *json = read_all(paths[i], &len, &too_big, err, sizeof err);
        if (!json)
            return unread(too_big, err);
        int r = sth_json_verify(json, len, key, &heads[i], err, sizeof err);
        free(json);
        if (r != 0) {
            printf("INVALID: %s: %s\n", paths[i], err);
            return EXIT_FAIL;
        }
    }
    char *json = read_all(paths[2], &len, &too_big, err, sizeof err);
    if (!json)
        return unread(too_big, err);
    int r = sth_json_verify_consistency(json, len, &heads[0], &heads[1], err, sizeof err);
    free(json);
    if (r != 0) {
        printf("INVALID: %s\n", err);
        return EXIT_FAIL;
    }
    printf("VALID: the tree of size %llu extends the tree of size %llu\n",
           (unsigned long long)heads[1].tree_size, (unsigned long long)heads[0].tree_size);
    return EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"log-key", required_argument, 0, 'k'},
        {"consistency", no_argument, 0, 'c'},
        {"pdf", required_argument, 0, 'p'},
        {"url", required_argument, 0, 'u'},
        {"effect-rule", required_argument, 0, 'e'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *keyfile = NULL, *pdf = NULL, *url = NULL, *rule_text = NULL;
    effect_rule rule;
    int consistency = 0, c;
    uint8_t key[32];
    char err[512];

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'k': keyfile = optarg; break;
        case 'c': consistency = 1; break;
        case 'p': pdf = optarg; break;
        case 'u': url = optarg; break;
        case 'e': rule_text = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("verify", c, argc, argv);
        }
    }
    if (!keyfile)
        return cli_usage_error("verify", "--log-key is required");
    if (consistency && (pdf || url || rule_text))
        return cli_usage_error("verify", "--pdf, --url and --effect-rule check a certificate,"
                                         " not --consistency");
    if (url && !pdf)
        return cli_usage_error("verify", "--url is the PDF's: it goes with --pdf");
    if (argc - optind != (consistency ? 3 : 1))
        return cli_usage_error("verify", consistency ? "--consistency needs OLD_STH NEW_STH PROOF"
                                                     : "give one certificate file");
    if (rule_text && effect_rule_parse(rule_text, &rule, err, sizeof err) != 0)
        return cli_usage_error("verify", "--effect-rule: %s", err);
    if (keyfile_read(keyfile, 0, key, sizeof key, err, sizeof err) != 0)
        return cli_input_error("verify", "%s", err);
    return consistency ? verify_consistency(key, argv + optind)
                       : verify_certificate(key, argv[optind], pdf, url,
                                            rule_text ? &rule : NULL);
}
