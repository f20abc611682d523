/* agency_report.h -- what the service did and saved, counted from the
 * agency's own record of its notices (`herald agency report`).
 *
 * Each notice has one outcome: read on a phone, received (in an inbox)
 * but unread, sent on paper, failed (never accepted by the hub),
 * pending (on its way, or paid before it reached anyone), or cancelled
 * by the agency before it reached anyone. Read and
 * received ones are also counted per platform and per channel, and the
 * paper they avoided is priced: paper avoided x (postal cost - mobile
 * cost), the seed's USD 0.30 and 0.08 unless agency.ini says otherwise.
 * Pure: outcomes come in, figures and their text go out. */
#ifndef HERALD_AGENCY_REPORT_H
#define HERALD_AGENCY_REPORT_H

#include <stddef.h>

#include "buf.h"

#define REPORT_GROUPS_MAX 64

typedef enum report_outcome {
    OUT_READ, OUT_RECEIVED, OUT_PAPER, OUT_FAILED, OUT_PENDING, OUT_CANCELLED, OUT_COUNT
} report_outcome;

/* One notice as the report sees it (times in Unix ms, 0 when none). */
typedef struct report_notice {
    const char *state;    /* the agency's state: stored, accepted, … */
    const char *platform; /* where it was last, NULL when nowhere */
    const char *channel;  /* that platform's channel (sms, push), NULL unknown */
    long long received_at, read_at;
} report_notice;

/* Counts per outcome for one platform or channel. */
typedef struct report_group {
    char name[65];
    long long n[OUT_COUNT];
} report_group;

typedef struct report {
    long long n[OUT_COUNT], total;
    report_group platforms[REPORT_GROUPS_MAX + 1], channels[REPORT_GROUPS_MAX + 1];
    size_t nplatforms, nchannels; /* beyond the limit: one group "other" */
    long long *read_ms;           /* time from inbox to reading, per read notice */
    size_t nread, read_cap;
    double postal_usd, mobile_usd;
    int broken;                   /* out of memory */
} report;

void report_init(report *r, double postal_usd, double mobile_usd);
void report_free(report *r);
report_outcome report_outcome_of(const report_notice *n);
void report_add(report *r, const report_notice *n);

/* Notices that reached a phone (read or received): each one a letter
 * not printed. */
long long report_paper_avoided(const report *r);
double report_saved_usd(const report *r);
/* The median time from inbox to reading in ms, -1 when nothing was read
 * with both times known. Sorts r's times. */
long long report_median_read_ms(report *r);

/* The figures as one JSON object; from and to are the period's dates
 * (NULL: open). */
void report_json(report *r, const char *from, const char *to, buf *out);
/* The same as a plain table for a terminal. */
void report_text(report *r, const char *from, const char *to, buf *out);

#endif
