/* agency_report_cmd.c -- `herald agency report`: the agency's notices by
 * outcome, per platform and channel, the median time to reading, and the
 * money the paper not printed saved (agency_report.h does the counting). */
#include <stdio.h>
#include <string.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "agency_opts.h"
#include "agency_ref.h"
#include "agency_report.h"
#include "cli.h"
#include "clock.h"
#include "log.h"

#define CMD "agency report"

static const char usage[] =
    "Usage: herald agency report --config agency.ini [--from DATE] [--to DATE] [--json]\n\n"
    "Counts the notices stored from DATE to DATE (YYYY-MM-DD, UTC days, both\n"
    "included; default: all) by outcome: read on mobile, received but unread,\n"
    "paper, failed (never accepted by the hub), pending (on its way, or paid before\n"
    "it reached anyone), cancelled (withdrawn by the agency before it reached\n"
    "anyone); the read and received ones per platform and per channel\n"
    "([platform NAME] channel = sms|push in agency.ini); the median time from\n"
    "inbox to reading; and the money saved: paper avoided (read + received) x\n"
    "(postal_cost_usd - mobile_cost_usd), defaults USD 0.30 and 0.08.\n"
    "A plain table, or one JSON object with --json.\n";

/* Unix ms at the start of the UTC day date (YYYY-MM-DD); -1 when not one. */
static long long day_start(const char *date)
{
    long y, m, d;

    if (strlen(date) != 10 || agency_ref_deadline_check(date) != NULL ||
        sscanf(date, "%4ld-%2ld-%2ld", &y, &m, &d) != 3)
        return -1;
    return clock_days_from_civil(y, m, d) * 86400000LL;
}

typedef struct report_run {
    report r;
    const agency_cfg *c;
} report_run;

/* The channel agency.ini gives the platform, NULL when it gives none. */
static const char *channel_of(const agency_cfg *c, const char *platform)
{
    char section[80];

    if (!platform)
        return NULL;
    snprintf(section, sizeof section, "platform %s", platform);
    return config_get(&c->ini, section, "channel");
}

static int add_notice(void *ctx, const agency_outcome *o)
{
    report_run *run = ctx;
    report_notice n = {o->state, o->platform, channel_of(run->c, o->platform), o->received_at,
                       o->read_at};

    report_add(&run->r, &n);
    return run->r.broken;
}

int agency_report_main(int argc, char **argv)
{
    agency_opts o;
    agency_cfg c;
    agency_db *db;
    report_run run;
    long long from = 0, to = 0;
    char err[1024];
    buf out;
    int rc;

    if ((rc = agency_opts_parse(argc, argv, CMD, usage,
                                AGENCY_OPT_FROM | AGENCY_OPT_TO | AGENCY_OPT_JSON, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if ((o.from && (from = day_start(o.from)) < 0) || (o.to && (to = day_start(o.to)) < 0))
        return cli_usage_error(CMD, "--from and --to take a date, YYYY-MM-DD");
    if (o.to)
        to += 86400000LL; /* the whole last day */
    if (o.from && o.to && from >= to)
        return cli_usage_error(CMD, "--from must not be after --to");
    log_set_name("agency");
    if (agency_config_load(&c, o.config, 0, err, sizeof err) != 0 ||
        !(db = agency_db_open(c.db_path, err, sizeof err))) {
        agency_config_free(&c);
        return cli_fail(CMD, "%s", err);
    }
    report_init(&run.r, c.postal_cost_usd, c.mobile_cost_usd);
    run.c = &c;
    rc = agency_db_outcomes(db, NULL, from, to, add_notice, &run);
    agency_db_close(db);
    if (rc != 0 || run.r.broken) {
        report_free(&run.r);
        agency_config_free(&c);
        return cli_fail(CMD, "cannot read the notices");
    }
    buf_init(&out, 4096);
    if (o.json)
        report_json(&run.r, o.from, o.to, &out);
    else
        report_text(&run.r, o.from, o.to, &out);
    if (!out.broken)
        fwrite(out.data, 1, out.len, stdout);
    rc = out.broken ? cli_fail(CMD, "out of memory") : EXIT_OK;
    buf_free(&out);
    report_free(&run.r);
    agency_config_free(&c);
    return rc;
}
