/* hub_recent.h -- the fixed fields of notices relayed lately, in memory.
 *
 * A platform reports ConsignmentNotification a moment after it accepts a
 * relay. The report's leaf needs the notice's agency, rk and document
 * hash, which the hub otherwise reads under its writer lock and then
 * encodes, hashes and stores there: a leaf per delivered notice. With the
 * fields at hand, a report batch makes its leaves before the lock
 * (hub_early), and their bytes go to the leaf file. A direct-mapped table
 * of fixed size: a later notice takes an earlier one's slot, and a miss
 * only means the leaf is made under the lock as before. A leaf made for
 * a report that turns out a duplicate, or not the caller's to make, is
 * left unused: a few dead bytes in the leaf file. No I/O; safe to call
 * from any thread. */
#ifndef HERALD_HUB_RECENT_H
#define HERALD_HUB_RECENT_H

#include <stddef.h>

#include "hub_directory.h"
#include "notice_id.h"

typedef struct hub_recent_fields {
    char agency[HUB_NAME_MAX + 1];
    char rk[65];
    char doc_sha256[65];
} hub_recent_fields;

typedef struct hub_recent hub_recent;

/* slots: how many notices it holds at most (rounded up to a power of
 * two). NULL when out of memory. */
hub_recent *hub_recent_new(size_t slots);
void hub_recent_free(hub_recent *r);

/* Remembers a notice's fields; a field too long for its slot is not
 * kept (the notice is then simply not found). */
void hub_recent_put(hub_recent *r, const char *id, const char *agency, const char *rk,
                    const char *doc_sha256);
/* 1 with the fields of notice id, 0 when it is not (or no longer) held. */
int hub_recent_get(hub_recent *r, const char *id, hub_recent_fields *out);

#endif
