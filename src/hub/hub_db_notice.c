/* hub_db_notice.c -- one notice in the hub's store: its row read and
 * written back, the evidence of its events, and GET /v1/notices/{id}.
 * Every writer (submissions, reports, the relay and deadline workers)
 * changes a notice through these, under the writer's lock. */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

#include "evidence.h"

static void read_notice(sql_stmt *st, int pg, hub_notice *n)
{
    sql_copy_text(n->id, sizeof n->id, st, 0);
    sql_copy_text(n->agency, sizeof n->agency, st, 1);
    sql_copy_text(n->reference, sizeof n->reference, st, 2);
    sql_copy_text(n->rk, sizeof n->rk, st, 3);
    sql_copy_text(n->title, sizeof n->title, st, 4);
    sql_copy_text(n->doc_sha256, sizeof n->doc_sha256, st, 5);
    n->deadline = sql_int64(st, 6);
    sql_copy_text(n->link, sizeof n->link, st, 7);
    n->state = (notice_state)notice_state_parse(sql_text(st, 8));
    n->stored = n->state;
    sql_copy_text(n->platform, sizeof n->platform, st, 9);
    n->created = sql_int64(st, 10);
    n->due = n->stored_due = sql_int64(st, 11);
    n->next_attempt = sql_int64(st, 12);
    n->attempts = sql_int(st, 13);
    n->expiries = sql_int(st, 14);
    n->window_start = sql_int64(st, 15);
    n->remind_at = sql_int64(st, 16);
    n->reminded = sql_int(st, 17);
    n->urgent = sql_int(st, 18);
    n->last_leaf = pg ? sql_int64(st, 19) : 0;
    n->moved_at = 0;
    n->remind_dirty = 0;
}

static int load_on(hub_db *db, hub_db_conn *c, const char *id, hub_notice *n)
{
    sql_stmt *st = hub_db_conn_stmt(c, S_LOAD);
    int found;

    sql_bind_text(st, 1, id);
    found = sql_step(st);
    if (found > 0)
        read_notice(st, db->pg, n);
    sql_reset(st);
    return found;
}

static int by_id(const void *key, const void *row)
{
    return strcmp(key, ((const hub_notice *)row)->id);
}

static hub_notice *preloaded(hub_db *db, const char *id)
{
    if (!db->preloading)
        return NULL;
    return bsearch(id, db->pre, db->npre, sizeof *db->pre, by_id);
}

static int preload_rows(hub_db *db, size_t max)
{
    sql_stmt *st = hub_db_stmt(db, S_PRELOAD);
    int rc;

    if (hub_db_reserve(&db->pre, &db->pre_cap, max, sizeof *db->pre) != 0)
        return -1;
    db->npre = 0;
    sql_bind_text(st, 1, db->pre_ids.data);
    while (db->npre < max && (rc = sql_step(st)) == 1)
        read_notice(st, 1, &db->pre[db->npre++]);
    sql_reset(st);
    return rc < 0 ? -1 : 0;
}

int hub_db_notice_is_preloaded(hub_db *db, const char *id)
{
    return preloaded(db, id) != NULL;
}

int hub_db_notice_preload(hub_db *db, const char *first_id, size_t stride, size_t n)
{
    size_t wanted = 0;

    hub_db_notice_preload_end(db);
    if (!db->pg || n < 2)
        return 0;
    db->pre_ids.len = 0;
    buf_puts(&db->pre_ids, "{");
    for (size_t i = 0; i < n; i++) {
        const char *id = first_id + i * stride;
        if (id[0])
            sql_array_text(&db->pre_ids, id, wanted++ == 0);
    }
    buf_puts(&db->pre_ids, "}");
    if (db->pre_ids.broken || preload_rows(db, wanted) != 0)
        return -1;
    db->preloading = 1;
    return 0;
}

void hub_db_notice_preload_end(hub_db *db)
{
    db->preloading = 0;
    db->npre = 0;
}

int hub_db_notice_load(hub_db *db, const char *id, hub_notice *n)
{
    hub_notice *pre = preloaded(db, id);
    int found;

    if (pre) {
        *n = *pre;
        hub_db_leaf_time_loaded(db, n);
        return 1;
    }
    found = load_on(db, &db->w, id, n);

    if (found > 0)
        hub_db_leaf_time_loaded(db, n);
    return found;
}

int hub_db_notice_read(hub_db *db, hub_db_conn *c, const char *id, hub_notice *n)
{
    return load_on(db, c, id, n);
}

hub_notice *hub_db_notice_select(hub_db *db, int which, long long now, size_t max,
                                 size_t *count)
{
    sql_stmt *st = hub_db_stmt(db, which);
    hub_notice *rows;
    int rc = 0;

    *count = 0;
    if (hub_db_reserve(&db->rows, &db->rows_cap, max, sizeof *db->rows) != 0)
        return NULL;
    rows = db->rows;
    sql_bind_int64(st, 1, now);
    sql_bind_int64(st, 2, (long long)max);
    while (*count < max && (rc = sql_step(st)) == 1) {
        read_notice(st, db->pg, &rows[*count]);
        hub_db_leaf_time_loaded(db, &rows[(*count)++]);
    }
    sql_reset(st);
    return rc < 0 ? NULL : rows;
}

int hub_db_notice_save(hub_db *db, hub_notice *n, long long now)
{
    sql_stmt *st;

    if (hub_db_tally_save(db, n, now) != 0)
        return -1;
    n->stored_due = n->due;
    if (n->state != n->stored) {
        if (hub_db_changes_add(db, n, n->moved_at ? n->moved_at : now) != 0)
            return -1;
        n->stored = n->state;
    }
    n->moved_at = 0;
    st = hub_db_stmt(db, n->remind_dirty ? S_SAVE_REMIND : S_SAVE);

    sql_bind_text(st, 1, n->id);
    sql_bind_text(st, 2, notice_state_name(n->state));
    sql_bind_text(st, 3, n->platform[0] ? n->platform : NULL);
    if (n->due)
        sql_bind_int64(st, 4, n->due);
    sql_bind_int64(st, 5, n->next_attempt);
    sql_bind_int(st, 6, n->attempts);
    sql_bind_int(st, 7, n->expiries);
    if (db->pg) { /* and the last leaf's time, to be written with the row */
        hub_notice *pre = preloaded(db, n->id);
        hub_db_leaf_time_saved(db, n);
        if (pre) { /* as the row will read */
            int remind = n->remind_dirty;
            *pre = *n;
            pre->remind_dirty = 0;
            if (remind && !(n->state == NS_RELAYED || n->state == NS_RECEIVED))
                pre->remind_at = 0;
        }
    }
    if (!n->remind_dirty) {
        if (db->pg) { /* the node whose lease or backoff next_attempt is */
            sql_bind_text(st, 8, db->node);
            sql_bind_int64(st, 9, n->last_leaf);
        }
        return sql_step_later(st);
    }
    if (n->window_start)
        sql_bind_int64(st, 8, n->window_start);
    /* NULL keeps a notice with no reminder to come out of their index. */
    if (n->remind_at && (n->state == NS_RELAYED || n->state == NS_RECEIVED))
        sql_bind_int64(st, 9, n->remind_at);
    sql_bind_int(st, 10, n->reminded);
    if (db->pg) {
        sql_bind_text(st, 11, db->node);
        sql_bind_int64(st, 12, n->last_leaf);
    }
    n->remind_dirty = 0;
    return sql_step_later(st);
}

/* Appends r's leaf to the evidence log, a prepared one if it fits (not
 * when its time had to move: the prepared bytes hold the old one). */
static int append_leaf(hub_db *db, hub_notice *n, const evidence_rec *given)
{
    const hub_prepared_leaves *p = db->prepared;
    evidence_rec timed = *given;
    const evidence_rec *r = &timed;

    timed.at_ms = hub_db_leaf_time(db, n, given->at_ms);
    if (timed.at_ms < 0)
        return -1;
    db->leaf_at = timed.at_ms;

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

int hub_db_notice_evidence(hub_db *db, hub_notice *n, notice_event ev, const char *actor,
                           const char *reason, long long now)
{
    evidence_rec r = {notice_event_name(ev), n->id, now, n->agency, actor, n->rk,
                      n->doc_sha256, reason, NULL, NULL, NULL};

    return append_leaf(db, n, &r);
}

int hub_db_notice_evidence_reminder(hub_db *db, hub_notice *n, const char *platform, int k,
                                    long long now)
{
    evidence_rec r = {notice_event_name(EV_REMINDER_NOTIFICATION), n->id,
                      hub_db_leaf_time(db, n, now), n->agency, platform, n->rk,
                      n->doc_sha256, NULL, NULL, NULL, NULL};

    if (r.at_ms < 0)
        return -1;
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
    if (append_leaf(db, n, r) != 0)
        return -1;
    db->applying[ev][o]++;
    if (o == NS_MOVED) {
        n->state = next;
        n->moved_at = db->leaf_at;
        return 0;
    }
    /* An inbox or a reading that moved no state (the notice already on
     * paper, paid or read, or another platform's turn) still counts for
     * the legal effect: `herald verify` takes the first of each from the
     * certificate, so the agency's feed must tell of it too. */
    if (ev == EV_CONTENT_CONSIGNMENT || ev == EV_CONTENT_HANDOVER)
        return hub_db_changes_add_event(db, n, ev, r->at_ms);
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

static int history_json(hub_db *db, hub_db_conn *c, const char *id, buf *out)
{
    sql_stmt *st = hub_db_conn_stmt(c, S_HISTORY);
    int rc, first = 1;

    sql_bind_text(st, 1, id);
    buf_puts(out, ",\"events\":[");
    /* Leaves are JSON objects we wrote: shipped as they are. */
    while ((rc = sql_step(st)) == 1) {
        if (!first)
            buf_puts(out, ",");
        first = 0;
        if (hub_evidence_log_row_leaf(db->log, st, 0, out) != 0) {
            rc = -1;
            break;
        }
    }
    sql_reset(st);
    buf_puts(out, "]}");
    return rc == 0 ? 0 : -1;
}

/* hub_db_notice_json, once: *lost when it failed on a connection the
 * server dropped. */
static int notice_json(hub_db *db, const char *id, const char *agency, buf *out, int *lost)
{
    hub_notice n;
    hub_db_conn *c = hub_db_read_begin(db);
    int found, status = 200, end;

    if (!c)
        return 500;
    found = hub_db_notice_read(db, c, id, &n);
    if (found <= 0 || strcmp(n.agency, agency) != 0) {
        *lost = hub_db_read_end(db, c, 0) > 0;
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
    if (history_json(db, c, id, out) != 0)
        status = 500;
    end = hub_db_read_end(db, c, 1);
    *lost = end > 0;
    return end < 0 ? 500 : status;
}

int hub_db_notice_json(hub_db *db, const char *id, const char *agency, buf *out)
{
    size_t at = out->len;
    int lost = 0, status = notice_json(db, id, agency, out, &lost);

    if (status == 500 && lost && !out->broken) {
        out->len = at;
        status = notice_json(db, id, agency, out, &lost);
    }
    return status;
}
