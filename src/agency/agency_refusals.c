/* agency_refusals.c -- see agency_refusals.h. A linear search: a few
 * thousand references compared by their first bytes, once per post of a
 * single notice and per GET of one not found elsewhere. */
#include "agency_refusals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int refusals_init(refusals *rs, size_t cap)
{
    rs->v = calloc(cap ? cap : 1, sizeof *rs->v);
    rs->cap = rs->v ? cap : 0;
    rs->next = 0;
    return rs->v ? 0 : -1;
}

void refusals_free(refusals *rs)
{
    free(rs->v);
    rs->v = NULL;
    rs->cap = rs->next = 0;
}

static refusal *slot_of(const refusals *rs, const char *ref)
{
    for (size_t i = 0; i < rs->cap; i++)
        if (rs->v[i].ref[0] && !strcmp(rs->v[i].ref, ref))
            return &rs->v[i];
    return NULL;
}

void refusals_put(refusals *rs, const char *ref, const intake_result *why, long long at_ms)
{
    refusal *r;

    if (!rs->cap || !ref[0] || strlen(ref) >= sizeof r->ref)
        return;
    if (!(r = slot_of(rs, ref))) {
        r = &rs->v[rs->next];
        rs->next = (rs->next + 1) % rs->cap;
    }
    snprintf(r->ref, sizeof r->ref, "%s", ref);
    r->why = *why;
    r->at_ms = at_ms;
}

const refusal *refusals_find(const refusals *rs, const char *ref)
{
    return ref[0] ? slot_of(rs, ref) : NULL;
}

void refusals_forget(refusals *rs, const char *ref)
{
    refusal *r = ref[0] ? slot_of(rs, ref) : NULL;

    if (r)
        memset(r, 0, sizeof *r);
}
