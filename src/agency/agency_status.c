/* agency_status.c -- `herald agency status`: the agency database counted
 * per state, and how many notices have taken legal effect, as one JSON
 * line for monitoring; or one notice's outcome and its legal effect
 * (--reference). */
#include <stdio.h>
#include <string.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "agency_effect.h"
#include "agency_opts.h"
#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "legal_effect.h"
#include "log.h"

static const char usage[] =
    "Usage: herald agency status --config agency.ini [--reference REF]\n\n"
    "Prints one JSON line counting this agency's notices per state, e.g.\n"
    "{\"stored\":0,\"accepted\":10,\"relayed\":0,\"received\":3,\"read\":5,\"postal\":2,"
    "\"cancelled\":0,\"paid\":0,\n\"total\":20,\"events_queued\":0,\"effective\":6,\"effect_pending\":2}.\n"
    "stored: kept here but not yet accepted by the hub (a re-run of send finishes\n"
    "them); the others are the hub's states as last seen on its changes feed.\n"
    "effective: notices whose legal effect (agency.ini effect_rule, computed from\n"
    "the evidence times the feed gave: inbox, read, letter handed to print) has\n"
    "begun; effect_pending: those with a date still to come.\n\n"
    "  --reference REF  one notice: its state, evidence times (received_at,\n"
    "                   read_at, paid_at, handed_over_at: the letter's hand-over to\n"
    "                   print), payment and legal effect, as one JSON line\n";

/* Loads the config and opens the database; EXIT_OK or EXIT_FAIL. */
static int open_agency(const char *config, agency_cfg *c, agency_db **db)
{
    char err[1024];

    log_set_name("agency");
    if (agency_config_load(c, config, 0, err, sizeof err) != 0 ||
        !(*db = agency_db_open(c->db_path, err, sizeof err))) {
        agency_config_free(c);
        return cli_fail("agency status", "%s", err);
    }
    return EXIT_OK;
}

#define NSTATES 8

typedef struct counts {
    long long n[NSTATES], total, effective, pending;
    const effect_rule *rule;
    long long now;
} counts;

static const char *const states[NSTATES] = {"stored", "accepted", "relayed", "received",
                                            "read", "postal", "cancelled", "paid"};

static void add_count(void *ctx, const char *state, long long n)
{
    counts *k = ctx;

    for (int i = 0; i < NSTATES; i++)
        if (!strcmp(state, states[i]))
            k->n[i] += n;
    k->total += n;
}

static int count_effect(void *ctx, const agency_outcome *o)
{
    counts *k = ctx;
    effect_event ev[AGENCY_EFFECT_EVENTS];
    long long at;

    if (effect_compute(k->rule, ev, agency_effect_events(o, ev), &at, NULL)) {
        if (at <= k->now)
            k->effective++;
        else
            k->pending++;
    }
    return 0;
}

static void time_json(buf *out, const char *key, long long ms)
{
    char t[25];

    buf_printf(out, ",\"%s\":", key);
    if (ms > 0) {
        clock_rfc3339_ms(t, ms);
        buf_printf(out, "\"%s\"", t);
    } else {
        buf_puts(out, "null");
    }
}

typedef struct one {
    const effect_rule *rule;
    long long now;
    int found;
} one;

static int print_one(void *ctx, const agency_outcome *o)
{
    one *x = ctx;
    effect_event ev[AGENCY_EFFECT_EVENTS];
    size_t n = agency_effect_events(o, ev);
    char text[256];
    long long at;
    buf out;

    x->found = 1;
    buf_init(&out, 512);
    buf_puts(&out, "{\"reference\":");
    buf_json_string(&out, o->reference);
    buf_puts(&out, ",\"notice\":");
    if (*o->notice)
        buf_json_string(&out, o->notice);
    else
        buf_puts(&out, "null");
    buf_puts(&out, ",\"state\":");
    buf_json_string(&out, o->state);
    buf_puts(&out, ",\"platform\":");
    if (o->platform)
        buf_json_string(&out, o->platform);
    else
        buf_puts(&out, "null");
    time_json(&out, "received_at", o->received_at);
    time_json(&out, "read_at", o->read_at);
    time_json(&out, "paid_at", o->paid_at);
    time_json(&out, "handed_over_at", o->handover_at);
    if (o->amount_krw > 0) {
        buf_printf(&out, ",\"payment\":{\"amount_krw\":%lld,\"payment_code\":", o->amount_krw);
        buf_json_string(&out, o->payment_code ? o->payment_code : "");
        buf_puts(&out, ",\"due\":");
        if (o->payment_due)
            buf_json_string(&out, o->payment_due);
        else
            buf_puts(&out, "null");
        buf_puts(&out, "}");
    } else {
        buf_puts(&out, ",\"payment\":null");
    }
    time_json(&out, "effective_at", effect_compute(x->rule, ev, n, &at, NULL) ? at : 0);
    effect_describe(x->rule, ev, n, x->now, text, sizeof text);
    buf_puts(&out, ",\"effect\":");
    buf_json_string(&out, text);
    buf_puts(&out, "}\n");
    if (!out.broken)
        fwrite(out.data, 1, out.len, stdout);
    buf_free(&out);
    return 0;
}

static int status_one(agency_db *db, const agency_cfg *c, const char *reference)
{
    one x = {&c->effect, clock_now_ms(), 0};

    if (agency_db_outcomes(db, reference, 0, 0, print_one, &x) != 0)
        return cli_fail("agency status", "cannot read the notice");
    if (!x.found)
        return cli_fail("agency status", "no notice with reference %s", reference);
    return EXIT_OK;
}

static int status_all(agency_db *db, const agency_cfg *c)
{
    counts k = {.rule = &c->effect, .now = clock_now_ms()};

    if (agency_db_docs_count(db, add_count, &k) != 0 ||
        agency_db_outcomes(db, NULL, 0, 0, count_effect, &k) != 0)
        return cli_fail("agency status", "cannot count notices");
    putchar('{');
    for (int i = 0; i < NSTATES; i++)
        printf("\"%s\":%lld,", states[i], k.n[i]);
    printf("\"total\":%lld,\"events_queued\":%lld,\"effective\":%lld,\"effect_pending\":%lld}\n",
           k.total, agency_db_outbox_count(db), k.effective, k.pending);
    return EXIT_OK;
}

int agency_status_main(int argc, char **argv)
{
    agency_opts o;
    agency_cfg c;
    agency_db *db;
    int rc;

    if ((rc = agency_opts_parse(argc, argv, "agency status", usage, AGENCY_OPT_REFERENCE,
                                &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (open_agency(o.config, &c, &db) != EXIT_OK)
        return EXIT_FAIL;
    rc = o.reference ? status_one(db, &c, o.reference) : status_all(db, &c);
    agency_db_close(db);
    agency_config_free(&c);
    return rc;
}
