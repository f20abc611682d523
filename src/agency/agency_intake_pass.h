/* agency_intake_pass.h -- one batch of notices posted to the back-office
 * API on its way through the `agency send` pipeline, in the same two
 * halves as `agency send` runs it: prepared (RRNs to CIs at idsvc in one
 * call, documents rendered and stored, the caller's references recorded)
 * by the intake's worker, then submitted to the hub and answered for by a
 * submitting thread, so that the worker prepares the next batch while the
 * hub takes this one. Only agency_intake*.c include this. */
#ifndef HERALD_AGENCY_INTAKE_PASS_H
#define HERALD_AGENCY_INTAKE_PASS_H

#include "agency_intake.h"
#include "agency_send.h"

/* Rows of one batch, at most this many. */
#define INTAKE_BATCH 1000

typedef struct intake_pass {
    const api_rows *rs;  /* the template, title, deadline and columns */
    api_row *rows[INTAKE_BATCH];
    size_t n;
    intake_result out[INTAKE_BATCH]; /* what became of each row */
    char refs[INTAKE_BATCH][FIELD_REFERENCE_MAX + 1]; /* the agency's references */
    unsigned char named_before[INTAKE_BATCH]; /* refs[i] an earlier post made */
    char job[40];        /* "" for single notices */
    char at[25];         /* when the batch was taken, then when it went to the hub */
    sender s;
    send_batch b;
    int stored;          /* prepared: the stored rows go to the hub */
    const atomic_llong *give_up; /* the intake's: non-zero once stopping: no retries */
} intake_pass;

void intake_result_set(intake_result *r, int status, const char *field, const char *detail);
/* The checks a one-notice request (rs) can be given before its time: its
 * RRN's rules, its template (there, printable) and the fields it needs.
 * 0, or -1 with out set to the 400 naming the field (the RRN masked). */
int intake_precheck(const agency_cfg *cfg, const api_rows *rs, intake_result *out);

/* Prepares the n rows of p (rs, rows, n and job set by the caller):
 * every row that cannot go ends with its status in p->out, and p->stored
 * says whether the rest were stored and wait for the hub. */
void intake_pass_prepare(intake_pass *p, const agency_cfg *cfg, agency_db *db,
                         http_client *idsvc, int test);
/* Submits what p stored to the hub and gives every row its status. */
void intake_pass_submit(intake_pass *p, http_client *hub);
/* Wipes what p holds of the rows (not the rows themselves). */
void intake_pass_clear(intake_pass *p);

#endif
