/* hub_prepared_leaves.h -- a batch's evidence leaves, encoded and hashed
 * ahead of the events they record, which the writer takes or leaves.
 *
 * Named for what it holds: leaves prepared for events that have not been
 * decided yet. A leaf depends only on a notice's fixed fields, the event,
 * the actor and the time, so most of a batch's leaves can be encoded and
 * hashed before the hub's writer lock is taken: the lock was busy ~80% of
 * the time while sending, and encoding and hashing were a tenth of the
 * work done under it. The writer still decides which events happen; it
 * takes a prepared leaf only when it records exactly the event that leaf
 * was made for (every field equal), and encodes the rest itself.
 *
 * Slots are numbered by the caller (say, two per relayed notice). A
 * record's strings other than the notice id (which is copied) must
 * outlive the hub_prepared_leaves unchanged. No I/O. */
#ifndef HERALD_HUB_PREPARED_LEAVES_H
#define HERALD_HUB_PREPARED_LEAVES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "evidence.h"
#include "merkle.h"
#include "notice_id.h"

typedef struct hub_prepared_leaf {
    evidence_rec rec; /* what it was made for; rec.event NULL: empty slot */
    char notice[NOTICE_ID_LEN + 1]; /* rec.notice: a copy, as callers reuse theirs */
    size_t off, len;  /* its bytes in hub_prepared_leaves.bytes */
    uint8_t hash[MERKLE_HASH_LEN];
} hub_prepared_leaf;

typedef struct hub_prepared_leaves {
    buf bytes;
    long long filed_at; /* where bytes lie in the hub's leaf file; -1: not there */
    hub_prepared_leaf *slot;
    size_t slots;
} hub_prepared_leaves;

/* 0, or -1 out of memory (then every take finds nothing). */
int hub_prepared_leaves_init(hub_prepared_leaves *p, size_t slots);
void hub_prepared_leaves_free(hub_prepared_leaves *p);

/* Makes the leaf of r in slot k. Out of memory leaves the slot empty. */
void hub_prepared_leaves_add(hub_prepared_leaves *p, size_t k, const evidence_rec *r);

/* The leaf slot k holds if it was made for exactly r, else NULL. */
const hub_prepared_leaf *hub_prepared_leaves_find(const hub_prepared_leaves *p, size_t k,
                                                  const evidence_rec *r);

#endif
