/* agency_effect.c -- see agency_effect.h. */
#include "agency_effect.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"

/* The events whose times the agency learns; a rule may name the first
 * RULE_EVENTS. */
#define RULE_EVENTS 3
static const char *const learnt[AGENCY_EFFECT_EVENTS] = {
    "ContentConsignment", "ContentHandover", "PrintHandover", "NoticeCancellation"};

size_t agency_effect_events(const agency_outcome *o, effect_event ev[AGENCY_EFFECT_EVENTS])
{
    const long long at[AGENCY_EFFECT_EVENTS] = {o->received_at, o->read_at, o->handover_at,
                                                o->cancellation_at};
    size_t n = 0;

    for (size_t i = 0; i < AGENCY_EFFECT_EVENTS; i++)
        if (at[i] > 0)
            ev[n++] = (effect_event){learnt[i], at[i]};
    return n;
}

int agency_effect_of(const effect_rule *r, const agency_outcome *o, agency_effect *out)
{
    effect_event ev[AGENCY_EFFECT_EVENTS];
    size_t term;

    memset(out, 0, sizeof *out);
    if (!effect_compute(r, ev, agency_effect_events(o, ev), &out->at, &term))
        return 0;
    out->event = r->terms[term].event;
    out->days = r->terms[term].days;
    out->event_at = out->at - out->days * EFFECT_DAY_MS;
    effect_term_format(&r->terms[term], out->term, sizeof out->term);
    return 1;
}

int agency_effect_rule_check(const effect_rule *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->n; i++) {
        int known = 0;
        for (size_t k = 0; k < RULE_EVENTS; k++)
            known |= !strcmp(r->terms[i].event, learnt[k]);
        if (!known) {
            snprintf(err, errlen, "term %zu: the agency learns no time of %s from the hub's"
                     " feed (only of %s, %s and %s), so its date would differ from the"
                     " certificate's", i + 1, r->terms[i].event, learnt[0], learnt[1],
                     learnt[2]);
            return -1;
        }
    }
    return 0;
}

long long agency_effect_rule_id(const effect_rule *r)
{
    char text[EFFECT_RULE_TEXT_MAX + 1];
    uint8_t sum[SHA256_LEN];
    long long id = 0;

    effect_rule_format(r, text, sizeof text);
    sha256(text, strlen(text), sum);
    for (int i = 0; i < 7; i++) /* 56 bits: a positive SQLite integer */
        id = id << 8 | sum[i];
    return id;
}

json_t *agency_effect_json(const effect_rule *r, const agency_outcome *o, long long now_ms)
{
    agency_effect e;
    char at[25], event_at[25], rule[EFFECT_RULE_TEXT_MAX + 1];

    if (!agency_effect_of(r, o, &e))
        return json_null();
    clock_rfc3339_ms(at, e.at);
    clock_rfc3339_ms(event_at, e.event_at);
    effect_rule_format(r, rule, sizeof rule);
    return json_pack("{s:s, s:b, s:s, s:s, s:s, s:s}", "at", at, "pending", e.at > now_ms,
                     "term", e.term, "event", e.event, "event_at", event_at, "rule", rule);
}
