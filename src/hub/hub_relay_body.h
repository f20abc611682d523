/* hub_relay_body.h -- the body of one POST /v1/relay call.
 *
 * A file of its own so that what the hub puts on the wire can be tested
 * without a platform: which fields go once in "common" (protocol.md,
 * "Common fields") and which each notice carries. Pure: text in, text
 * out. */
#ifndef HERALD_HUB_RELAY_BODY_H
#define HERALD_HUB_RELAY_BODY_H

#include <stddef.h>

#include "buf.h"
#include "hub_db.h"

/* Appends {"common":{...},"notices":[...]} for items[idx[0..n)], n > 0,
 * to b. With common, agency, title and deadline are taken from the first
 * notice and left out of every notice that has the same; without it (a
 * platform that does not read "common"), every notice carries all its
 * fields and there is no "common". */
void hub_relay_body(buf *b, const hub_relay_item *items, const size_t *idx, size_t n,
                    int common);

#endif
