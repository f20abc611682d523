/* hub_db_leaf_time.c -- the earliest time a notice's next leaf may have:
 * herald verify requires a notice's leaves in time order, and every path
 * reads the clock before it takes the writer's lock, so a thread that read
 * it first may append after one that read it later.
 *
 * SQLite: the hub is the only writer, and a table of slots remembers the
 * last leaf time of the notices appended to lately.
 *
 * PostgreSQL: other nodes write too, and the notice row's last_leaf,
 * loaded under its row lock, is the truth. Writing it at every leaf made
 * it the store's most frequent statement (2.7 per notice); instead the
 * same table of slots holds, for the open transaction only, the times
 * that moved, and one statement writes them all before the COMMIT. A save
 * of the notice carries its time with the row and takes it off the
 * table; a notice read again in the same transaction reads it from there. */
#include "hub_db_internal.h"

#include <string.h>

/* Notices a transaction may hold before their times are written early:
 * half the slots, so that probing stays short. */
#define PENDING_MAX (HUB_DB_LEAF_TIMES / 2)

static uint32_t id_hash(const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (const char *c = id; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return h;
}

static long long leaf_time_sqlite(hub_db *db, const char *id, long long at_ms)
{
    /* A notice pushed out of its slot is one whose events lie minutes
     * back: the races this guards against last milliseconds. */
    hub_leaf_time *slot = &db->leaf_times[id_hash(id) % HUB_DB_LEAF_TIMES];
    size_t len = strlen(id);

    if (len >= sizeof slot->id)
        return at_ms; /* not a notice id: nothing to remember */
    if (strcmp(slot->id, id) != 0)
        memcpy(slot->id, id, len + 1);
    else if (at_ms < slot->at_ms)
        at_ms = slot->at_ms;
    slot->at_ms = at_ms;
    return at_ms;
}

/* ---- PostgreSQL: the open transaction's times (linear probing) ---- */

/* id's slot, or the empty one where it would go; NULL for what is not a
 * notice id. */
static hub_leaf_time *pending_slot(hub_db *db, const char *id)
{
    size_t i;

    if (strlen(id) != NOTICE_ID_LEN)
        return NULL;
    for (i = id_hash(id) % HUB_DB_LEAF_TIMES;; i = (i + 1) % HUB_DB_LEAF_TIMES)
        if (!db->leaf_times[i].id[0] || !strcmp(db->leaf_times[i].id, id))
            return &db->leaf_times[i];
}

static int pending_put(hub_db *db, const char *id, long long at_ms)
{
    hub_leaf_time *slot;

    if (db->npending == PENDING_MAX && hub_db_leaf_times_flush(db) != 0)
        return -1;
    slot = pending_slot(db, id);
    if (!slot)
        return 0;
    if (!slot->id[0]) {
        memcpy(slot->id, id, NOTICE_ID_LEN + 1);
        db->pending[db->npending++] = (uint32_t)(slot - db->leaf_times);
    }
    slot->at_ms = at_ms;
    return 0;
}

long long hub_db_leaf_time(hub_db *db, hub_notice *n, long long at_ms)
{
    if (!db->pg)
        return leaf_time_sqlite(db, n->id, at_ms);
    if (at_ms <= n->last_leaf)
        return n->last_leaf;
    if (pending_put(db, n->id, at_ms) != 0)
        return -1;
    n->last_leaf = at_ms;
    return at_ms;
}

void hub_db_leaf_time_loaded(hub_db *db, hub_notice *n)
{
    hub_leaf_time *slot;

    if (!db->pg || !db->npending || !(slot = pending_slot(db, n->id)) || !slot->id[0])
        return;
    if (slot->at_ms > n->last_leaf)
        n->last_leaf = slot->at_ms;
}

void hub_db_leaf_time_saved(hub_db *db, const hub_notice *n)
{
    hub_leaf_time *slot;

    if (!db->npending || !(slot = pending_slot(db, n->id)) || !slot->id[0])
        return;
    if (slot->at_ms <= n->last_leaf)
        slot->at_ms = 0; /* the save writes it; the slot stays, for probing */
}

/* Empties the table (the slots the transaction used, not all 65,536). */
static void pending_clear(hub_db *db)
{
    for (size_t i = 0; i < db->npending; i++) {
        db->leaf_times[db->pending[i]].id[0] = '\0';
        db->leaf_times[db->pending[i]].at_ms = 0;
    }
    db->npending = 0;
}

/* The times still to write as two array literals, {"id",...} and {ms,...}:
 * the number of them. */
static size_t pending_arrays(hub_db *db, buf *ids, buf *ats)
{
    size_t n = 0;

    ids->len = ats->len = 0;
    ids->broken = ats->broken = 0;
    buf_puts(ids, "{");
    buf_puts(ats, "{");
    for (size_t i = 0; i < db->npending; i++) {
        const hub_leaf_time *slot = &db->leaf_times[db->pending[i]];
        if (!slot->at_ms)
            continue;
        /* Ids are the hub's own (lower-case hex and dashes): no quoting. */
        buf_printf(ids, "%s%s", n ? "," : "", slot->id);
        buf_printf(ats, "%s%lld", n ? "," : "", slot->at_ms);
        n++;
    }
    buf_puts(ids, "}");
    buf_puts(ats, "}");
    return n;
}

int hub_db_leaf_times_flush(hub_db *db)
{
    sql_stmt *st;
    int rc = 0;

    if (!db->pg || !db->npending)
        return 0;
    if (pending_arrays(db, &db->pending_ids, &db->pending_ats)) {
        if (db->pending_ids.broken || db->pending_ats.broken)
            rc = -1;
        else {
            st = hub_db_stmt(db, S_LEAF_TIMES);
            sql_bind_text(st, 1, db->pending_ids.data);
            sql_bind_text(st, 2, db->pending_ats.data);
            rc = sql_step_later(st);
        }
    }
    pending_clear(db);
    return rc;
}

void hub_db_leaf_times_drop(hub_db *db)
{
    if (db->pg)
        pending_clear(db);
}
