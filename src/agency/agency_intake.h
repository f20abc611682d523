/* agency_intake.h -- the background worker that takes notices posted to
 * the back-office API through the `agency send` pipeline (RRNs to CIs at
 * idsvc in one call per batch, documents rendered and stored, notices
 * submitted to the hub), reusing agency_send_batch.c row for row.
 *
 * Single notices posted at about the same time go to idsvc and the hub
 * as one batch; a bulk goes in batches of 1000, taking turns with the
 * single notices so that those do not wait behind 50,000 rows. As in
 * `agency send`, one thread prepares batches (idsvc, documents) while two
 * others have earlier ones at the hub (agency_intake_pass.h); an urgent
 * batch goes to the hub before the bulk ones prepared. Rows hold
 * RRNs, so they live only in memory until their document is stored: a
 * notice scheduled for later, or still queued when the server stops, is
 * lost with the process and posted again by the caller (its reference
 * makes that safe). */
#ifndef HERALD_AGENCY_INTAKE_H
#define HERALD_AGENCY_INTAKE_H

#include "agency_api_input.h"
#include "agency_config.h"
#include "template.h"

typedef struct agency_intake agency_intake;

/* What became of one notice. */
typedef struct intake_result {
    int status;          /* 201 new, 200 existing, 202 queued/scheduled, else an error */
    char field[API_FIELD_MAX + 1];
    char detail[256];
} intake_result;

/* Opens the worker's own database connection and clients and starts it.
 * NULL with a message in err. cfg must outlive it. */
agency_intake *agency_intake_start(const agency_cfg *cfg, char *err, size_t errlen);
/* The same for a test key's notices: test.db, and neither idsvc nor the
 * hub is ever called (agency_send_test.c). */
agency_intake *agency_intake_start_test(const agency_cfg *cfg, char *err, size_t errlen);
/* Makes every wait in agency_intake_notice return now, and later ones
 * at once, before agency_intake_stop (which does it too). */
void agency_intake_halt(agency_intake *in);
/* Stops the worker after the batch in hand; what still waits is dropped
 * (bulk jobs stay "interrupted" in the database). NULL is a no-op. */
void agency_intake_stop(agency_intake *in);

/* Without [idsvc] `agency serve` has no intake (in is NULL): the calls
 * below then take nothing, and a notice is answered 503 with this. */
#define AGENCY_INTAKE_NONE                                                                  \
    "this server takes no notices: its agency.ini has no [idsvc] to find recipients with"

/* Takes rs (one notice) and waits up to wait_ms for its outcome; a
 * scheduled notice is answered 202 at once. Its RRN, template and fields
 * are checked first (400 at once). */
void agency_intake_notice(agency_intake *in, api_rows *rs, long wait_ms, intake_result *out);

/* Takes rs as the rows of job (created in the database before). failed
 * counts the rows refused before. 0, or -1 when the server holds too
 * many rows, or bytes of them, already (rs is then the caller's still). */
int agency_intake_bulk(agency_intake *in, const char *job, api_rows *rs, long failed);

/* Drops caller_ref's notice while it still waits here (scheduled or
 * queued, posted alone): 1 when dropped, before idsvc or the hub saw it;
 * 0 when nothing here has that reference; -1 when it cannot be dropped
 * now: a row of a bulk job still waiting, in a batch being prepared or at
 * the hub, or a notice whose caller still waits for its answer (the
 * cancel is to be asked again once the hub has it). */
int agency_intake_withdraw(agency_intake *in, const char *caller_ref);

/* "scheduled" or "queued" when caller_ref waits in memory or is on its
 * way (in a batch at idsvc or the hub), else NULL. */
const char *agency_intake_waiting(agency_intake *in, const char *caller_ref);

/* The template id from cfg's templates folder, compiled; NULL with why
 * in err. The console's preview renders with it too. */
template *agency_intake_template(const agency_cfg *cfg, const char *id, char *err,
                                 size_t errlen);

/* 1 and why, with when, when caller_ref's notice was refused after its
 * caller stopped waiting, and not posted since (agency_refusals.h). */
int agency_intake_refused(agency_intake *in, const char *caller_ref, intake_result *why,
                          long long *at_ms);

#endif
