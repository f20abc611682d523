/* agency_cancel.h -- withdrawing a notice the agency sent: asked from the
 * command line (`herald agency cancel`) or by the back office over HTTP
 * (POST /v1/notices/{reference}/cancel on agency serve); both go through
 * agency_cancel. And the retention purge, from `herald agency purge` or
 * once a day from agency serve. */
#ifndef HERALD_AGENCY_CANCEL_H
#define HERALD_AGENCY_CANCEL_H

#include "agency_config.h"
#include "agency_db.h"
#include "http_client.h"

typedef struct agency_cancel_result {
    char notice[AGENCY_NOTICE_MAX + 1];
    char status[16]; /* the hub's: cancelled, recorded (it was read or posted), duplicate */
    char state[16];  /* the notice's state at the hub after */
    char error[256]; /* when the answer is not 200 */
} agency_cancel_result;

/* Checks reference and reason, asks the hub to record the cancellation
 * (POST /v1/cancellations), then marks the document here so that it no
 * longer opens. Returns 200, 400 (bad reference or reason), 404 (no such
 * document here), 409 (not accepted by the hub yet), or 502 (the hub did
 * not record it: nothing changed here; ask again). */
int agency_cancel(agency_db *db, http_client *hub, const char *reference, const char *reason,
                  agency_cancel_result *r);

/* Deletes the documents and personalisation of notices final for
 * cfg->retention_days or more (agency_db_purge); what names them in the
 * log; *held (may be NULL) gets the postal ones past it kept for their
 * letters. Returns how many were purged, or -1. */
long long agency_purge_run(const agency_cfg *cfg, agency_db *db, const char *what,
                           long long *held);

/* The same for test.db (cfg->test_db_path), when a test key ever made
 * it: 0 when there is none. */
long long agency_purge_test(const agency_cfg *cfg);

#endif
