/* agency_refusals.h -- notices refused after their caller stopped
 * waiting.
 *
 * A post answered 202 (it waited its 30 s, or was scheduled) learns the
 * outcome from GET. One refused after that (idsvc or the hub unavailable
 * past the pipeline's retries, the hub refusing it) left nothing behind:
 * no document, nothing waiting, so GET said 404 and the caller could not
 * tell a refusal from a reference never posted. The latest refusals are
 * kept here, in memory like the queue they came from (a restart loses
 * both), so that GET can say why; a new post of the reference forgets
 * its refusal. */
#ifndef HERALD_AGENCY_REFUSALS_H
#define HERALD_AGENCY_REFUSALS_H

#include <stddef.h>

#include "agency_intake.h"
#include "field.h"

typedef struct refusal {
    char ref[FIELD_REFERENCE_MAX + 1]; /* the caller's; "" for a free slot */
    intake_result why;
    long long at_ms;
} refusal;

/* A ring of the latest cap refusals: the oldest goes first. */
typedef struct refusals {
    refusal *v;
    size_t cap, next;
} refusals;

/* 0, or -1 out of memory. */
int refusals_init(refusals *rs, size_t cap);
void refusals_free(refusals *rs);
/* Keeps ref's refusal, in place of any earlier one of ref. */
void refusals_put(refusals *rs, const char *ref, const intake_result *why, long long at_ms);
/* ref's refusal, or NULL. */
const refusal *refusals_find(const refusals *rs, const char *ref);
void refusals_forget(refusals *rs, const char *ref);

#endif
