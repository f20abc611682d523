/* agency_effect.h -- when one of this agency's notices takes legal
 * effect, as the agency itself can tell it (docs/design.md §3, "Legal
 * effect").
 *
 * The date is legal_effect.h's, computed from evidence times alone so
 * that anyone holding the certificate gets the same one. The agency does
 * not hold the certificate's leaves; it holds the times the hub's changes
 * feed gave: the first `received` (ContentConsignment), `read`
 * (ContentHandover) and the letter's hand-over to print (PrintHandover,
 * a change of its own in the feed). So its rule may name only those three
 * events, which agency_effect_rule_check holds it to at start: a term
 * naming any other would leave the agency's date apart from the
 * certificate's. It also learns when the notice was cancelled
 * (NoticeCancellation: the `cancelled` change, or a change of its own),
 * which voids a date still to come. Pure: no I/O, no clock. */
#ifndef HERALD_AGENCY_EFFECT_H
#define HERALD_AGENCY_EFFECT_H

#include <jansson.h>
#include <stddef.h>

#include "agency_db.h"
#include "legal_effect.h"

/* The events the agency learns the times of, at most this many: the
 * three a rule may name, and the cancellation. */
#define AGENCY_EFFECT_EVENTS 4

typedef struct agency_effect {
    long long at;       /* when the notice takes effect, Unix ms */
    long long event_at; /* the time of the evidence its term counts from */
    const char *event;  /* that evidence's event name (the rule's term) */
    int days;           /* the term's N */
    char term[64];      /* the term as the rule writes it: "PrintHandover+10d" */
} agency_effect;

/* The evidence of o the agency holds, as legal_effect.h's events. */
size_t agency_effect_events(const agency_outcome *o, effect_event ev[AGENCY_EFFECT_EVENTS]);

/* 1 with *out when a term of r applies to o's evidence, 0 when none does
 * yet or the notice was cancelled before its date. */
int agency_effect_of(const effect_rule *r, const agency_outcome *o, agency_effect *out);

/* 0 when every term of r names an event the agency learns the time of;
 * else -1 with the term and why in err. */
int agency_effect_rule_check(const effect_rule *r, char *err, size_t errlen);

/* A number that changes when the rule does (from its text), so that a
 * database knows whether its pending dates were computed under r. */
long long agency_effect_rule_id(const effect_rule *r);

/* For GET /v1/notices/{reference}: {"at","pending","term","event",
 * "event_at","rule"} (pending: at is after now_ms, a read before then
 * would bring it forward), or JSON null when no term applies yet. */
json_t *agency_effect_json(const effect_rule *r, const agency_outcome *o, long long now_ms);

#endif
