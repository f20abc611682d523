/* hub_early.c -- see hub_early.h. */
#include "hub_early.h"

#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

int hub_early_init(hub_early *e, size_t slots)
{
    buf_init(&e->bytes, slots * 360 + 64);
    e->filed_at = -1;
    e->slot = slots ? calloc(slots, sizeof *e->slot) : NULL;
    e->slots = e->slot ? slots : 0;
    return slots && (!e->slot || e->bytes.broken) ? -1 : 0;
}

void hub_early_free(hub_early *e)
{
    buf_free(&e->bytes);
    free(e->slot);
    e->slot = NULL;
    e->slots = 0;
}

void hub_early_add(hub_early *e, size_t k, const evidence_rec *r)
{
    hub_early_leaf *l;
    size_t off = e->bytes.len;

    if (k >= e->slots)
        return;
    l = &e->slot[k];
    evidence_encode(&e->bytes, r);
    if (e->bytes.broken) {
        l->rec.event = NULL;
        return;
    }
    l->rec = *r;
    str_copy(l->notice, sizeof l->notice, r->notice ? r->notice : "");
    l->rec.notice = l->notice;
    l->off = off;
    l->len = e->bytes.len - off;
    merkle_leaf_hash(e->bytes.data + off, l->len, l->hash);
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

const hub_early_leaf *hub_early_find(const hub_early *e, size_t k, const evidence_rec *r)
{
    const hub_early_leaf *l;

    if (k >= e->slots)
        return NULL;
    l = &e->slot[k];
    if (!l->rec.event || l->rec.at_ms != r->at_ms || !same(l->rec.event, r->event) ||
        !same(l->rec.notice, r->notice) || !same(l->rec.agency, r->agency) ||
        !same(l->rec.actor, r->actor) || !same(l->rec.rk, r->rk) ||
        !same(l->rec.doc_sha256, r->doc_sha256) || !same(l->rec.reason, r->reason))
        return NULL;
    return l;
}
