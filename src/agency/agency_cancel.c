/* agency_cancel.c -- see agency_cancel.h; and `herald agency cancel` and
 * `herald agency purge`.
 *
 * The hub records first: the cancellation is evidence only once it is in
 * the hub's log, and until then the document keeps opening, as the
 * relays, reminders and paper at the hub go on. Asked again, the hub
 * answers "duplicate" and the document is marked all the same, so a
 * cancellation interrupted between the two is finished by repeating it. */
#include "agency_cancel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agency_commands.h"
#include "agency_db_test.h"
#include "agency_letters_print.h"
#include "agency_opts.h"
#include "clock.h"
#include "cli.h"
#include "field.h"
#include "log.h"

#define DAY_MS (24LL * 3600 * 1000)

static void copy_str(char *dst, size_t cap, json_t *v)
{
    snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* The hub's one result for our one item: 0 with r filled, or the status
 * to answer with r->error said. */
static int ask_hub(http_client *hub, const char *reference, const char *reason,
                   agency_cancel_result *r)
{
    json_t *body = json_pack("{s[{ssss}]}", "cancellations", "reference", reference, "reason",
                             reason),
           *reply = NULL, *res;
    int status;

    if (!body) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return 502;
    }
    status = http_client_json(hub, "POST", "/v1/cancellations", body, &reply, r->error,
                              sizeof r->error);
    json_decref(body);
    res = json_array_get(json_object_get(reply, "results"), 0);
    if (status == 200 && json_is_object(res) && json_object_get(res, "error")) {
        snprintf(r->error, sizeof r->error, "hub: %s",
                 json_string_value(json_object_get(res, "error")));
        status = 409;
    } else if (status == 200 && json_is_string(json_object_get(res, "status"))) {
        copy_str(r->status, sizeof r->status, json_object_get(res, "status"));
        copy_str(r->state, sizeof r->state, json_object_get(res, "state"));
        status = 0;
    } else {
        if (status == 200)
            snprintf(r->error, sizeof r->error, "hub: answer has no result");
        status = 502;
    }
    json_decref(reply);
    return status;
}

/* The hub stops paper for a cancelled notice, but a letter already
 * printed is in files the agency made: whoever posts them must know. */
static void warn_if_printed(agency_db *db, const char *reference)
{
    char batch[64];
    int handed_over = 0;

    if (agency_db_letter_printed(db, reference, batch, sizeof batch, &handed_over) != 1)
        return;
    if (!batch[0])
        log_warn("cancelled %s: its letter was listed for the print house (postal --new):"
                 " take it out if it is not posted yet", reference);
    else if (handed_over)
        log_warn("cancelled %s: its letter was handed to the print house in batch %s: ask"
                 " them to take it out if it is not posted yet", reference, batch);
    else
        log_warn("cancelled %s: its letter is in print batch %s, not handed over yet: take it"
                 " out of that batch (a printed batch's manifest names its file and page)",
                 reference, batch);
}

int agency_cancel(agency_db *db, http_client *hub, const char *reference, const char *reason,
                  agency_cancel_result *r)
{
    char at[25];
    int found, status;

    memset(r, 0, sizeof *r);
    if (!reference || !field_reference_ok(reference, strlen(reference))) {
        snprintf(r->error, sizeof r->error, "%s", FIELD_RULE_REFERENCE);
        return 400;
    }
    if (!reason || !*reason || !field_reason_ok(reason, strlen(reason))) {
        snprintf(r->error, sizeof r->error, "%s", FIELD_RULE_REASON_GIVEN);
        return 400;
    }
    found = agency_db_cancel_lookup(db, reference, r->notice);
    if (found <= 0) {
        snprintf(r->error, sizeof r->error, found < 0 ? "database error" : "unknown reference");
        return found < 0 ? 503 : 404; /* a database error: ask again */
    }
    if (!r->notice[0]) {
        snprintf(r->error, sizeof r->error, "the hub has not accepted this notice yet");
        return 409;
    }
    if ((status = ask_hub(hub, reference, reason, r)) != 0)
        return status;
    clock_rfc3339_ms(at, clock_now_ms());
    if (agency_db_cancel_record(db, reference, reason, r->state, at, clock_now_ms()) != 0) {
        snprintf(r->error, sizeof r->error, "database error: the hub recorded the cancellation;"
                                            " ask again to mark the document here");
        return 503;
    }
    log_info("cancelled %s (notice %s): hub says %s, state %s", reference, r->notice, r->status,
             r->state);
    warn_if_printed(db, reference);
    return 200;
}

/* A print batch whose every letter is purged: its PDFs and manifest in
 * DIR/letters hold the same names, addresses and documents, so they go
 * too (copies printed to another folder are the operator's to delete).
 * Called at every purge for every such batch: a file already gone is
 * nothing to do, one that cannot go is logged and tried again. */
static void delete_file(const char *path, int *n)
{
    if (unlink(path) == 0)
        (*n)++;
    else if (errno != ENOENT)
        log_error("retention: cannot delete %s: %s", path, strerror(errno));
}

/* A batch's file, and the part file a run that died before naming it
 * may have left (agency_letters_print.h). */
static void delete_batch_file(const char *folder, const char *batch, int k, int parts, int *n)
{
    char path[LETTERS_PATH_MAX], part[LETTERS_PATH_MAX + sizeof LETTERS_PART_SUFFIX];

    letters_file_path(path, sizeof path, folder, batch, k, parts);
    delete_file(path, n);
    snprintf(part, sizeof part, "%s%s", path, LETTERS_PART_SUFFIX);
    delete_file(part, n);
}

static void delete_batch_files(void *ctx, const char *batch)
{
    const agency_cfg *cfg = ctx;
    char folder[AGENCY_PATH_MAX + 16];
    int n = 0;

    snprintf(folder, sizeof folder, "%s/letters", cfg->dir);
    delete_batch_file(folder, batch, 0, 1, &n); /* the manifest */
    delete_batch_file(folder, batch, 1, 1, &n); /* a batch in one PDF */
    for (int k = 1; k <= LETTERS_FILES_MAX; k++) /* or in several */
        delete_batch_file(folder, batch, k, LETTERS_FILES_MAX, &n);
    if (n)
        log_info("retention: deleted the %d letters files of batch %s", n, batch);
}

long long agency_purge_run(const agency_cfg *cfg, agency_db *db, const char *what,
                           long long *held)
{
    long long now = clock_now_ms(), purged = 0, kept = 0;
    char at[25];

    clock_rfc3339_ms(at, now);
    if (agency_db_purge(db, now - cfg->retention_days * DAY_MS, at, &purged, &kept,
                        delete_batch_files, (void *)cfg) != 0)
        return -1;
    if (purged)
        log_info("retention: deleted %lld %s final for %ld days or more", purged, what,
                 cfg->retention_days);
    if (kept)
        log_warn("retention: %lld postal notices past %ld days are kept until their letters"
                 " are printed and handed over (agency postal --letters, or --new for a print"
                 " house; then agency postal --handed-over BATCH)",
                 kept, cfg->retention_days);
    if (held)
        *held = kept;
    return purged;
}

/* ---- the commands ---- */

static const char cancel_usage[] =
    "Usage: herald agency cancel REFERENCE --reason TEXT --config agency.ini\n\n"
    "Withdraws a notice this agency sent. The hub records NoticeCancellation with\n"
    "the reason and stops relays, reminders and paper for it; the platform holding\n"
    "it shows it as withdrawn, and its document no longer opens. A notice already\n"
    "read is cancelled for the record: its certificate shows both. Asking again\n"
    "changes nothing. Prints one JSON line: reference, notice, status\n"
    "(cancelled, recorded or duplicate) and state.\n";

static const char purge_usage[] =
    "Usage: herald agency purge --config agency.ini\n\n"
    "Deletes the documents, names and addresses of notices whose final state\n"
    "(read, postal, cancelled, paid) is [agency] retention_days old (90 by default);\n"
    "a postal notice whose letter is still to be printed, or printed in a batch not\n"
    "yet handed over (agency postal --handed-over), waits until it is. A print batch\n"
    "handed over (or whose letters were all cancelled) whose letters are all purged\n"
    "loses its PDFs and manifest in DIR/letters.\n"
    "The evidence and certificates at the hub are kept; a purged document's link\n"
    "answers 410 with [agency] contact. agency serve does this once a day.\n"
    "Test keys' notices (DIR/test.db, final also when failed) are purged by the\n"
    "same rule. Prints {\"purged\":N,\"test_purged\":M,\"held_for_print\":K}, K the\n"
    "postal notices past retention_days kept for their letters.\n";

typedef struct opened {
    agency_cfg cfg;
    agency_db *db;
} opened;

static int open_all(const char *cmd, const char *config, int need, opened *o)
{
    char err[1024];

    log_set_name("agency");
    if (agency_config_load(&o->cfg, config, need, err, sizeof err) != 0 ||
        !(o->db = agency_db_open(o->cfg.db_path, err, sizeof err))) {
        agency_config_free(&o->cfg);
        return cli_fail(cmd, "%s", err);
    }
    return EXIT_OK;
}

int agency_cancel_main(int argc, char **argv)
{
    agency_cancel_result r;
    agency_opts o;
    http_client *hub;
    opened op;
    int rc;

    rc = agency_opts_parse(argc, argv, "agency cancel", cancel_usage,
                           AGENCY_OPT_REASON | AGENCY_OPT_ARG, &o);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (!o.arg || !o.reason)
        return cli_usage_error("agency cancel", "a REFERENCE and --reason TEXT are required");
    if (open_all("agency cancel", o.config, AGENCY_NEED_HUB, &op) != EXIT_OK)
        return EXIT_FAIL;
    hub = http_client_new(op.cfg.hub_url, op.cfg.hub_key);
    rc = hub ? agency_cancel(op.db, hub, o.arg, o.reason, &r) : 500;
    if (rc == 200)
        printf("{\"reference\":\"%s\",\"notice\":\"%s\",\"status\":\"%s\",\"state\":\"%s\"}\n",
               o.arg, r.notice, r.status, r.state);
    http_client_free(hub);
    agency_db_close(op.db);
    agency_config_free(&op.cfg);
    if (rc == 200)
        return EXIT_OK;
    return rc == 400 ? cli_usage_error("agency cancel", "%s", r.error)
                     : cli_fail("agency cancel", "%s", hub ? r.error : "out of memory");
}

long long agency_purge_test(const agency_cfg *cfg)
{
    char err[512];
    agency_db *db;
    long long n;

    if (access(cfg->test_db_path, F_OK) != 0)
        return 0;
    if (!(db = agency_db_open_test(cfg->test_db_path, err, sizeof err))) {
        log_error("%s", err);
        return -1;
    }
    n = agency_purge_run(cfg, db, "test documents", NULL);
    agency_db_close(db);
    return n;
}

int agency_purge_main(int argc, char **argv)
{
    agency_opts o;
    opened op;
    long long n;
    int rc;

    if ((rc = agency_opts_parse(argc, argv, "agency purge", purge_usage, 0, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (open_all("agency purge", o.config, 0, &op) != EXIT_OK)
        return EXIT_FAIL;
    long long held = 0;
    n = agency_purge_run(&op.cfg, op.db, "documents", &held);
    long long t = n >= 0 ? agency_purge_test(&op.cfg) : 0;
    if (t < 0)
        n = -1;
    if (n >= 0)
        printf("{\"purged\":%lld,\"test_purged\":%lld,\"held_for_print\":%lld}\n", n, t, held);
    agency_db_close(op.db);
    agency_config_free(&op.cfg);
    return n >= 0 ? EXIT_OK : cli_fail("agency purge", "database error; nothing was deleted");
}
