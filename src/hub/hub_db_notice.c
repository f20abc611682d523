/* hub_db_notice.c -- one notice in the hub's store: its row read and
 * written back, the evidence of its events, and GET /v1/notices/{id}.
 * Every writer (submissions, reports, the relay and deadline workers)
 * changes a notice through these, under the writer's lock. */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

#include "evidence.h"

static void read_notice(sqlite3_stmt *st, hub_notice *n)
{
    db_copy_text(n->id, sizeof n->id, st, 0);
    db_copy_text(n->agency, sizeof n->agency, st, 1);
    db_copy_text(n->reference, sizeof n->reference, st, 2);
    db_copy_text(n->rk, sizeof n->rk, st, 3);
    db_copy_text(n->title, sizeof n->title, st, 4);
    db_copy_text(n->doc_sha256, sizeof n->doc_sha256, st, 5);
    n->deadline = sqlite3_column_int64(st, 6);
    db_copy_text(n->link, sizeof n->link, st, 7);
    n->state = (notice_state)notice_state_parse(db_text(st, 8));
    n->stored = n->state;
    db_copy_text(n->platform, sizeof n->platform, st, 9);
    n->created = sqlite3_column_int64(st, 10);
    n->due = n->stored_due = sqlite3_column_int64(st, 11);
    n->next_attempt = sqlite3_column_int64(st, 12);
    n->attempts = sqlite3_column_int(st, 13);
    n->expiries = sqlite3_column_int(st, 14);
    n->window_start = sqlite3_column_int64(st, 15);
    n->remind_at = sqlite3_column_int64(st, 16);
    n->reminded = sqlite3_column_int(st, 17);
    n->urgent = sqlite3_column_int(st, 18);
    n->remind_dirty = 0;
}

int hub_db_notice_load(hub_db *db, const char *id, hub_notice *n)
{
    sqlite3_stmt *st = hub_db_stmt(db, S_LOAD);
    int found;

    db_bind_text(st, 1, id);
    found = db_step_row(st);
    if (found > 0)
        read_notice(st, n);
    sqlite3_reset(st);
    return found;
}

hub_notice *hub_db_notice_select(hub_db *db, int which, long long now, size_t max,
                                 size_t *count)
{
    sqlite3_stmt *st = hub_db_stmt(db, which);
    hub_notice *rows = db->rows;
    int rc;

    *count = 0;
    if (max > db->rows_cap) {
        rows = realloc(db->rows, max * sizeof *rows);
        if (!rows)
            return NULL;
        db->rows = rows;
        db->rows_cap = max;
    }
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (long long)max);
    while (*count < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        read_notice(st, &rows[(*count)++]);
    sqlite3_reset(st);
    return rows;
}

int hub_db_notice_save(hub_db *db, hub_notice *n, long long now)
{
    sqlite3_stmt *st;

    if (hub_db_tally_save(db, n, now) != 0)
        return -1;
    n->stored_due = n->due;
    if (n->state != n->stored) {
        if (hub_db_changes_add(db, n, now) != 0)
            return -1;
        n->stored = n->state;
    }
    st = hub_db_stmt(db, n->remind_dirty ? S_SAVE_REMIND : S_SAVE);

    db_bind_text(st, 1, n->id);
    db_bind_text(st, 2, notice_state_name(n->state));
    db_bind_text(st, 3, n->platform[0] ? n->platform : NULL);
    if (n->due)
        sqlite3_bind_int64(st, 4, n->due);
    sqlite3_bind_int64(st, 5, n->next_attempt);
    sqlite3_bind_int(st, 6, n->attempts);
    sqlite3_bind_int(st, 7, n->expiries);
    if (!n->remind_dirty)
        return db_step_done(st);
    if (n->window_start)
        sqlite3_bind_int64(st, 8, n->window_start);
    /* NULL keeps a notice with no reminder to come out of their index. */
    if (n->remind_at && (n->state == NS_RELAYED || n->state == NS_RECEIVED))
        sqlite3_bind_int64(st, 9, n->remind_at);
    sqlite3_bind_int(st, 10, n->reminded);
    n->remind_dirty = 0;
    return db_step_done(st);
}

long long hub_db_leaf_time(hub_db *db, const char *notice, long long at_ms)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (const char *c = notice; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    /* A notice pushed out of its slot is one whose events lie minutes
     * back: the races this guards against last milliseconds. */
    hub_leaf_time *slot = &db->leaf_times[h % HUB_DB_LEAF_TIMES];
    size_t len = strlen(notice);
    if (len >= sizeof slot->id)
        return at_ms; /* not a notice id: nothing to remember */
    if (strcmp(slot->id, notice) != 0)
        memcpy(slot->id, notice, len + 1);
    else if (at_ms < slot->at_ms)
        at_ms = slot->at_ms;
    slot->at_ms = at_ms;
    return at_ms;
}

/* Appends r's leaf to the evidence log, a prepared one if it fits (not
 * when its time had to move: the prepared bytes hold the old one). */
static int append_leaf(hub_db *db, const evidence_rec *given)
{
    const hub_prepared_leaves *p = db->prepared;
    evidence_rec timed = *given;
    const evidence_rec *r = &timed;

    timed.at_ms = hub_db_leaf_time(db, given->notice, given->at_ms);

    /* A leaf prepared for exactly this event goes in as it is: its bytes
     * from the leaf file, or from where they were prepared. */
    for (size_t k = db->prepared_at; p && k < db->prepared_at + PREPARED_PER_ITEM; k++) {
        const hub_prepared_leaf *l = hub_prepared_leaves_find(p, k, r);
        if (l && p->filed_at >= 0)
            return hub_evidence_log_append_filed(db->log, r->notice,
                                                 (uint64_t)p->filed_at + l->off, l->len, l->hash);
        if (l)
            return hub_evidence_log_append_hashed(db->log, r->notice, p->bytes.data + l->off,
                                                  l->len, l->hash);
    }
    db->leaf.len = 0;
    evidence_encode(&db->leaf, r);
    if (db->leaf.broken)
        return -1;
    return hub_evidence_log_append(db->log, r->notice, db->leaf.data, db->leaf.len);
}

int hub_db_notice_evidence(hub_db *db, const hub_notice *n, notice_event ev, const char *actor,
                           const char *reason, long long now)
{
    evidence_rec r = {notice_event_name(ev), n->id, now, n->agency, actor, n->rk,
                      n->doc_sha256, reason, NULL, NULL, NULL};

    return append_leaf(db, &r);
}

int hub_db_notice_evidence_reminder(hub_db *db, const hub_notice *n, const char *platform,
                                    int k, long long now)
{
    evidence_rec r = {notice_event_name(EV_REMINDER_NOTIFICATION), n->id,
                      hub_db_leaf_time(db, n->id, now), n->agency, platform, n->rk,
                      n->doc_sha256, NULL, NULL, NULL, NULL};

    db->leaf.len = 0;
    evidence_encode_reminder(&db->leaf, &r, k);
    if (db->leaf.broken)
        return -1;
    return hub_evidence_log_append(db->log, n->id, db->leaf.data, db->leaf.len);
}

/* Evidence of ev for n (r), and the state it moves n to. */
static int record(hub_db *db, hub_notice *n, notice_event ev, const evidence_rec *r,
                  int may_move, notice_outcome *outcome)
{
    notice_state next;
    notice_outcome o = notice_state_apply(n->state, ev, &next);

    if (o == NS_MOVED && !may_move)
        o = NS_RECORDED;
    if (outcome)
        *outcome = o;
    if (append_leaf(db, r) != 0)
        return -1;
    metrics_add(&db->applied[ev][o], 1);
    if (o == NS_MOVED)
        n->state = next;
    return 0;
}

int hub_db_notice_record(hub_db *db, hub_notice *n, notice_event ev, const char *actor,
                         const char *reason, int may_move, long long now, notice_outcome *outcome)
{
    evidence_rec r = {notice_event_name(ev), n->id, now, n->agency, actor, n->rk,
                      n->doc_sha256, reason, NULL, NULL, NULL};

    return record(db, n, ev, &r, may_move, outcome);
}

int hub_db_notice_record_report(hub_db *db, hub_notice *n, const hub_report *rep,
                                const char *actor, int may_move, long long now,
                                notice_outcome *outcome)
{
    evidence_rec r = {notice_event_name(rep->event), n->id, now, n->agency, actor, n->rk,
                      n->doc_sha256, rep->reason, rep->channel, rep->reference, rep->batch};

    return record(db, n, rep->event, &r, may_move, outcome);
}

/* ---- GET /v1/notices/{id} ---- */

static int history_json(hub_db *db, const char *id, buf *out)
{
    sqlite3_stmt *st = hub_db_stmt(db, S_HISTORY);
    int rc, first = 1;

    db_bind_text(st, 1, id);
    buf_puts(out, ",\"events\":[");
    /* Leaves are JSON objects we wrote: shipped as they are. */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!first)
            buf_puts(out, ",");
        first = 0;
        if (hub_evidence_log_row_leaf(db->log, st, 0, out) != 0) {
            rc = SQLITE_ERROR;
            break;
        }
    }
    sqlite3_reset(st);
    buf_puts(out, "]}");
    return rc == SQLITE_DONE ? 0 : -1;
}

int hub_db_notice_json(hub_db *db, const char *id, const char *agency, buf *out)
{
    hub_notice n;
    int found, status = 200;

    pthread_mutex_lock(&db->lock);
    found = hub_db_notice_load(db, id, &n);
    if (found <= 0 || strcmp(n.agency, agency) != 0) {
        pthread_mutex_unlock(&db->lock);
        return found < 0 ? 500 : found == 0 ? 404 : 403;
    }
    buf_puts(out, "{\"notice\":");
    buf_json_string(out, n.id);
    buf_puts(out, ",\"reference\":");
    buf_json_string(out, n.reference);
    buf_puts(out, ",\"agency\":");
    buf_json_string(out, n.agency);
    buf_printf(out, ",\"state\":\"%s\",\"platform\":", notice_state_name(n.state));
    if (n.platform[0])
        buf_json_string(out, n.platform);
    else
        buf_puts(out, "null");
    buf_puts(out, ",\"title\":");
    buf_json_string(out, n.title);
    buf_printf(out, ",\"doc_sha256\":\"%s\",\"deadline\":", n.doc_sha256);
    hub_db_json_time(out, n.deadline);
    buf_puts(out, ",\"created\":");
    hub_db_json_time(out, n.created);
    if (history_json(db, id, out) != 0)
        status = 500;
    return hub_db_unlock_synced(db) == 0 ? status : 500;
}
