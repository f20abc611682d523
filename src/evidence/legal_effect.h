/* legal_effect.h -- the date a notice takes legal effect, from its
 * evidence (docs/design.md §3, "Legal effect").
 *
 * A fine's appeal period runs from the day its notice took effect, and
 * anyone holding the certificate (the agency, the citizen, a court) must
 * be able to work that day out again. So the date is computed here from
 * evidence events and their times alone, under a rule the agency states
 * in agency.ini:
 *
 *   ContentHandover, ContentConsignment+7d, PrintHandover+10d
 *
 * a list of terms EVENT or EVENT+Nd. A term applies once its event is in
 * the evidence (its first occurrence counts) and gives that event's time
 * plus N days (N times 86,400,000 ms, so the result does not depend on a
 * time zone). The notice takes effect at the earliest time any term gives:
 * on reading, or 7 days after the notice reached an inbox, or 10 days
 * after its letter was handed to the print house, whichever comes first,
 * as Italy's SEND computes it. A notice the agency cancelled
 * (NoticeCancellation) before that time never takes effect; one cancelled
 * at or after it keeps its date. Pure: no I/O, no clock. */
#ifndef HERALD_LEGAL_EFFECT_H
#define HERALD_LEGAL_EFFECT_H

#include <stddef.h>

#define EFFECT_RULE_DEFAULT "ContentHandover, ContentConsignment+7d, PrintHandover+10d"
#define EFFECT_RULE_TEXT_MAX 512
#define EFFECT_TERMS_MAX 8
#define EFFECT_DAYS_MAX 3650
#define EFFECT_DAY_MS 86400000LL

typedef struct effect_term {
    char event[48];
    int days;
} effect_term;

typedef struct effect_rule {
    effect_term terms[EFFECT_TERMS_MAX];
    size_t n;
} effect_rule;

/* One evidence event: its name and its time (Unix ms). */
typedef struct effect_event {
    const char *event;
    long long at_ms;
} effect_event;

/* Parses text (at most EFFECT_RULE_TEXT_MAX bytes, 1 to EFFECT_TERMS_MAX
 * terms, each event named once, an evidence event name, N 0 to
 * EFFECT_DAYS_MAX). Returns 0, or -1 with the reason in err. */
int effect_rule_parse(const char *text, effect_rule *r, char *err, size_t errlen);

/* Writes r in the syntax effect_rule_parse reads: "A, B+7d". */
void effect_rule_format(const effect_rule *r, char *out, size_t cap);

/* The time the notice takes effect under r, given its events in any
 * order. Returns 1 with *at_ms (and *term, the index of the term that
 * gave it; ties go to the earlier term) when a term applies, 0 when none
 * does yet or the notice was cancelled before that time (*at_ms is then
 * the time it would have had). term may be NULL. */
int effect_compute(const effect_rule *r, const effect_event *events, size_t n,
                   long long *at_ms, size_t *term);

/* A term as a rule writes it: "ContentConsignment+7d", "ContentHandover". */
void effect_term_format(const effect_term *t, char *out, size_t cap);

/* The first NoticeCancellation's time among events, or -1. */
long long effect_cancelled_at(const effect_event *events, size_t n);

/* The result in words, for every place that shows it (agency status,
 * herald verify, the certificate PDF): "2026-12-09T08:00:00.123Z
 * (ContentConsignment+7d)", with ", pending" when that time is after
 * as_of_ms (the evidence seen so far; a read before then would bring it
 * forward), "none: cancelled at T, before it took effect", or "none yet
 * (no ContentHandover, … in the evidence)". */
void effect_describe(const effect_rule *r, const effect_event *events, size_t n,
                     long long as_of_ms, char *out, size_t cap);

struct cert_result;
/* effect_describe over a verified certificate's timeline, as of its
 * signed tree head. */
void effect_describe_certificate(const effect_rule *r, const struct cert_result *res,
                                 char *out, size_t cap);

/* Unix ms of an RFC 3339 UTC time as the evidence writes it
 * ("2026-11-27T08:00:00.123Z"; the fraction may be absent). -1 when it is
 * not one. */
long long effect_parse_time(const char *text);

#endif
