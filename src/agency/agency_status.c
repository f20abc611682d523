/* agency_status.c -- `herald agency status`: the agency database counted
 * per state, as one JSON line for monitoring. */
#include <stdio.h>
#include <string.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "agency_opts.h"
#include "cli.h"
#include "log.h"

static const char usage[] =
    "Usage: herald agency status --config agency.ini\n\n"
    "Prints one JSON line counting this agency's notices per state, e.g.\n"
    "{\"stored\":0,\"accepted\":10,\"relayed\":0,\"received\":3,\"read\":5,\"postal\":2,"
    "\"cancelled\":0,\"total\":20,\"events_queued\":0}.\n"
    "stored: kept here but not yet accepted by the hub (a re-run of send finishes\n"
    "them); the others are the hub's states as last seen on its changes feed.\n";

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

typedef struct counts {
    long long n[7], total;
} counts;

static const char *const states[7] = {"stored", "accepted", "relayed", "received", "read",
                                      "postal", "cancelled"};

static void add_count(void *ctx, const char *state, long long n)
{
    counts *k = ctx;

    for (int i = 0; i < 7; i++)
        if (!strcmp(state, states[i]))
            k->n[i] += n;
    k->total += n;
}

int agency_status_main(int argc, char **argv)
{
    counts k = {0};
    agency_opts o;
    agency_cfg c;
    agency_db *db;
    int rc;

    if ((rc = agency_opts_parse(argc, argv, "agency status", usage, 0, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (open_agency(o.config, &c, &db) != EXIT_OK)
        return EXIT_FAIL;
    rc = agency_db_docs_count(db, add_count, &k);
    if (rc == 0) {
        putchar('{');
        for (int i = 0; i < 7; i++)
            printf("\"%s\":%lld,", states[i], k.n[i]);
        printf("\"total\":%lld,\"events_queued\":%lld}\n", k.total,
               agency_db_outbox_count(db));
    }
    agency_db_close(db);
    agency_config_free(&c);
    return rc == 0 ? EXIT_OK : cli_fail("agency status", "cannot count notices");
}
