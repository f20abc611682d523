/* hub_prepared_leaves.c -- see hub_prepared_leaves.h. */
#include "hub_prepared_leaves.h"

#include <stdlib.h>
#include <string.h>

#include "str_copy.h"

int hub_prepared_leaves_init(hub_prepared_leaves *p, size_t slots)
{
    buf_init(&p->bytes, slots * 360 + 64);
    p->filed_at = -1;
    p->slot = slots ? calloc(slots, sizeof *p->slot) : NULL;
    p->slots = p->slot ? slots : 0;
    return slots && (!p->slot || p->bytes.broken) ? -1 : 0;
}

void hub_prepared_leaves_free(hub_prepared_leaves *p)
{
    buf_free(&p->bytes);
    free(p->slot);
    p->slot = NULL;
    p->slots = 0;
}

void hub_prepared_leaves_add(hub_prepared_leaves *p, size_t k, const evidence_rec *r)
{
    hub_prepared_leaf *l;
    size_t off = p->bytes.len;

    if (k >= p->slots)
        return;
    l = &p->slot[k];
    evidence_encode(&p->bytes, r);
    if (p->bytes.broken) {
        l->rec.event = NULL;
        return;
    }
    l->rec = *r;
    str_copy(l->notice, sizeof l->notice, r->notice ? r->notice : "");
    l->rec.notice = l->notice;
    l->off = off;
    l->len = p->bytes.len - off;
    merkle_leaf_hash(p->bytes.data + off, l->len, l->hash);
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

const hub_prepared_leaf *hub_prepared_leaves_find(const hub_prepared_leaves *p, size_t k,
                                                  const evidence_rec *r)
{
    const hub_prepared_leaf *l;

    if (k >= p->slots)
        return NULL;
    l = &p->slot[k];
    if (!l->rec.event || l->rec.at_ms != r->at_ms || !same(l->rec.event, r->event) ||
        !same(l->rec.notice, r->notice) || !same(l->rec.agency, r->agency) ||
        !same(l->rec.actor, r->actor) || !same(l->rec.rk, r->rk) ||
        !same(l->rec.doc_sha256, r->doc_sha256) || !same(l->rec.reason, r->reason) ||
        !same(l->rec.channel, r->channel) || !same(l->rec.reference, r->reference))
        return NULL;
    return l;
}
