/* agency_paid.c -- `herald agency paid REFERENCE`: the agency was paid
 * for a notice, and tells the hub (POST /v1/payments). The hub records
 * PaymentReceived as evidence and, for a notice neither read nor posted,
 * stops its reminders and its paper. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "cli.h"
#include "field.h"
#include "http_client.h"
#include "log.h"

#define CMD "agency paid"

static const char usage[] =
    "Usage: herald agency paid REFERENCE --config agency.ini [--amount N] [--code CODE]\n\n"
    "Reports to the hub that the notice REFERENCE was paid. The hub records it as\n"
    "evidence (PaymentReceived, with the amount and the code) and, unless the notice\n"
    "was read or sent on paper already, sends no more reminders and no paper for\n"
    "it. Prints the hub's answer as one JSON line: status \"recorded\" (now paid),\n"
    "\"ignored\" (read or on paper already: evidence only) or \"duplicate\".\n\n"
    "  --amount N    the amount paid, in won (default: the notice's amount_krw)\n"
    "  --code CODE   the payment code paid with (default: the notice's payment_code)\n";

typedef struct paid_args {
    const char *config, *reference, *code;
    long long amount;
} paid_args;

/* 0 to go on, -1 after --help, or a usage error's exit status. */
static int parse(int argc, char **argv, paid_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"amount", required_argument, 0, 'a'},
        {"code", required_argument, 0, 'k'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    char *end;
    int c;

    memset(a, 0, sizeof *a);
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        if (c == 'c') {
            a->config = optarg;
        } else if (c == 'k') {
            a->code = optarg;
        } else if (c == 'a') {
            errno = 0;
            a->amount = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || !field_amount_krw_ok(a->amount))
                return cli_usage_error(CMD, "--amount: %s", FIELD_RULE_AMOUNT_KRW);
        } else if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        } else {
            return cli_bad_option(CMD, c, argc, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(CMD, "give one notice reference");
    a->reference = argv[optind];
    if (!field_reference_ok(a->reference, strlen(a->reference)))
        return cli_usage_error(CMD, "%s", FIELD_RULE_REFERENCE);
    if (a->code && !field_payment_code_ok(a->code, strlen(a->code)))
        return cli_usage_error(CMD, "--code: %s", FIELD_RULE_PAYMENT_CODE);
    if (a->code && field_id_has_rrn(a->code, strlen(a->code)))
        return cli_usage_error(CMD, "--code: %s", FIELD_RULE_PAYMENT_CODE_RRN);
    if (!a->config)
        return cli_usage_error(CMD, "--config is required");
    return 0;
}

/* The notice's own payment reference fills what the options left out. */
static int fill_from_notice(void *ctx, const agency_outcome *o)
{
    paid_args *a = ctx;
    static char code[FIELD_PAYMENT_CODE_MAX + 1];

    if (!a->amount && o->amount_krw > 0)
        a->amount = o->amount_krw;
    if (!a->code && o->payment_code) {
        snprintf(code, sizeof code, "%s", o->payment_code);
        a->code = code;
    }
    return 0;
}

static int report_payment(const agency_cfg *c, const paid_args *a)
{
    http_client *hub = http_client_new(c->hub_url, c->hub_key);
    json_t *body = json_pack("{s:s, s:I, s:s}", "reference", a->reference, "amount_krw",
                             (json_int_t)a->amount, "payment_code", a->code);
    json_t *reply = NULL;
    char err[512] = "", *text;
    int status;

    if (!hub || !body) {
        http_client_free(hub);
        json_decref(body);
        return cli_fail(CMD, "out of memory");
    }
    status = http_client_json(hub, "POST", "/v1/payments", body, &reply, err, sizeof err);
    json_decref(body);
    http_client_free(hub);
    if (status != 200) {
        json_decref(reply);
        return cli_fail(CMD, "%s", *err ? err : "the hub did not record the payment");
    }
    text = json_dumps(reply, JSON_COMPACT);
    if (text)
        puts(text);
    free(text);
    json_decref(reply);
    return EXIT_OK;
}

int agency_paid_main(int argc, char **argv)
{
    paid_args a;
    agency_cfg c;
    agency_db *db;
    char err[1024];
    int rc = parse(argc, argv, &a);

    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    log_set_name("agency");
    if (agency_config_load(&c, a.config, AGENCY_NEED_HUB, err, sizeof err) != 0) {
        agency_config_free(&c);
        return cli_fail(CMD, "%s", err);
    }
    if ((!a.amount || !a.code) && (db = agency_db_open(c.db_path, err, sizeof err)) != NULL) {
        agency_db_outcomes(db, a.reference, 0, 0, fill_from_notice, &a);
        agency_db_close(db);
    }
    if (!a.amount || !a.code)
        rc = cli_usage_error(CMD, "the notice %s has no payment reference here: give --amount"
                             " and --code", a.reference);
    else
        rc = report_payment(&c, &a);
    agency_config_free(&c);
    return rc;
}
