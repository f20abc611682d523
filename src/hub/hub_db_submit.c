/* hub_db_submit.c -- POST /v1/notices in the hub's store: new notices,
 * their ids and SubmissionAcceptance, a resubmitted reference answered
 * with the notice it already is, and the first relay routed in the same
 * transaction. */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "evidence.h"
#include "str_copy.h"

/* 1 when (agency, reference) exists: fills id and state. */
static int find_reference(hub_db *db, const char *agency, hub_submission *s)
{
    sql_stmt *st = hub_db_stmt(db, S_FIND_REF);
    int found;

    sql_bind_text(st, 1, agency);
    sql_bind_text(st, 2, s->reference);
    found = sql_step(st);
    if (found > 0) {
        sql_copy_text(s->id, sizeof s->id, st, 0);
        s->state = (notice_state)notice_state_parse(sql_text(st, 1));
    }
    sql_reset(st);
    return found;
}

static int count_known(hub_db_conn *c, const char *agency, const char *const *refs, size_t n,
                       size_t *known)
{
    *known = 0;
    for (size_t i = 0; i < n; i++) {
        sql_stmt *st;
        int found;
        if (!refs[i])
            continue;
        st = hub_db_conn_stmt(c, S_FIND_REF);
        sql_bind_text(st, 1, agency);
        sql_bind_text(st, 2, refs[i]);
        found = sql_step(st);
        sql_reset(st);
        if (found < 0)
            return -1;
        *known += found > 0;
    }
    return 0;
}

int hub_db_known_references(hub_db *db, const char *agency, const char *const *refs, size_t n,
                            size_t *known)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        hub_db_conn *c = hub_db_read_begin(db);
        int rc, lost;
        if (!c)
            return -1;
        rc = count_known(c, agency, refs, n, known);
        lost = hub_db_read_end(db, c, 0) > 0;
        if (rc == 0 || !lost)
            return rc;
    }
    return -1;
}

/* The notice s becomes, as the relay worker sees it. */
static void submitted_notice(const hub_submission *s, const char *agency, long long now,
                             hub_notice *n)
{
    memset(n, 0, sizeof *n);
    memcpy(n->id, s->id, sizeof n->id);
    str_copy(n->agency, sizeof n->agency, agency);
    str_copy(n->reference, sizeof n->reference, s->reference);
    memcpy(n->rk, s->rk, sizeof n->rk);
    str_copy(n->title, sizeof n->title, s->title);
    str_copy(n->doc_sha256, sizeof n->doc_sha256, s->doc_sha256);
    str_copy(n->link, sizeof n->link, s->link);
    n->deadline = s->deadline;
    n->created = now;
    /* An urgent notice the relay worker must claim from the database
     * (no room in its queue) comes before the backlog of bulk ones. */
    n->urgent = s->urgent;
    n->next_attempt = s->urgent ? now - HUB_URGENT_HEAD_START_MS : now;
    n->state = n->stored = NS_ACCEPTED;
    n->last_leaf = now; /* its SubmissionAcceptance's: the insert stores it so */
}

/* s as the notice it becomes (*n), routed to s->platform (if any) and
 * leased when route says so. */
static void route_submission(const char *agency, hub_submission *s, long long now,
                             int route, hub_notice *n)
{
    int routed = route && s->platform[0];

    submitted_notice(s, agency, now, n);
    if (routed) {
        memcpy(n->platform, s->platform, sizeof n->platform);
        n->next_attempt = now + RELAY_LEASE_MS;
    }
    s->routed = routed;
}

/* SQLite: sends the insert of s (as n) unless (agency, reference)
 * exists; *fresh is 1 when it went in, 0 for a duplicate. 0, or -1. */
static int insert_one(hub_db *db, const char *agency, const hub_submission *s,
                      const hub_notice *n, long long now, long long *fresh)
{
    sql_stmt *st = hub_db_stmt(db, S_INSERT);

    sql_bind_text(st, 1, s->id);
    sql_bind_text(st, 2, agency);
    sql_bind_text(st, 3, s->reference);
    sql_bind_text(st, 4, s->rk);
    sql_bind_text(st, 5, s->title);
    sql_bind_text(st, 6, s->doc_sha256);
    sql_bind_int64(st, 7, s->deadline);
    sql_bind_text(st, 8, s->link);
    sql_bind_int64(st, 9, now);
    sql_bind_int64(st, 10, n->next_attempt);
    sql_bind_text(st, 11, s->routed ? n->platform : NULL);
    sql_bind_int(st, 12, s->urgent != 0);
    return sql_step_later_changes(st, fresh);
}

/* PostgreSQL's S_INSERT_MANY arguments ?3 to ?13, as array literals. */
enum { COL_ID, COL_REF, COL_RK, COL_TITLE, COL_DOC, COL_DEADLINE, COL_LINK, COL_NEXT,
       COL_PLATFORM, COL_URGENT, COL_NODE, COLS };

static void columns_open(buf col[COLS], size_t n)
{
    for (int c = 0; c < COLS; c++) {
        buf_init(&col[c], 64 * n + 16);
        buf_puts(&col[c], "{");
    }
}

/* s (as n) at the end of the columns; node leases it when routed. */
static void columns_add(buf col[COLS], const hub_submission *s, const hub_notice *n,
                        const char *node, int first)
{
    const char *sep = first ? "" : ",";

    sql_array_text(&col[COL_ID], s->id, first);
    sql_array_text(&col[COL_REF], s->reference, first);
    sql_array_text(&col[COL_RK], s->rk, first);
    sql_array_text(&col[COL_TITLE], s->title, first);
    sql_array_text(&col[COL_DOC], s->doc_sha256, first);
    buf_printf(&col[COL_DEADLINE], "%s%lld", sep, s->deadline);
    sql_array_text(&col[COL_LINK], s->link, first);
    buf_printf(&col[COL_NEXT], "%s%lld", sep, n->next_attempt);
    sql_array_text(&col[COL_PLATFORM], s->routed ? n->platform : "", first);
    buf_printf(&col[COL_URGENT], "%s%d", sep, s->urgent != 0);
    sql_array_text(&col[COL_NODE], s->routed ? node : "", first);
}

/* The item the inserted id is, looked for from *from on (RETURNING gives
 * them in the order they went in); n when none is. */
static size_t item_of(const hub_submission *items, size_t n, const char *id, size_t *from)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = (*from + k) % n;
        if (strcmp(items[i].id, id) == 0) {
            *from = i + 1;
            return i;
        }
    }
    return n;
}

/* PostgreSQL: the whole batch's inserts (col, which it frees) in one
 * statement; fresh[i] is 1 for an item that went in, 0 for a duplicate
 * reference. 0, or -1. */
static int insert_many(hub_db *db, const char *agency, const hub_submission *items, size_t n,
                       buf col[COLS], long long now, long long *fresh)
{
    sql_stmt *st;
    size_t from = 0;
    int rc = 0, row = 0;

    for (size_t i = 0; i < n; i++)
        fresh[i] = 0;
    st = hub_db_stmt(db, S_INSERT_MANY);
    sql_bind_text(st, 1, agency);
    sql_bind_int64(st, 2, now);
    for (int c = 0; c < COLS; c++) {
        buf_puts(&col[c], "}");
        if (col[c].broken)
            rc = -1;
        else
            sql_bind_text(st, 3 + c, col[c].data);
    }
    while (rc == 0 && (row = sql_step(st)) > 0) {
        size_t i = item_of(items, n, sql_text(st, 0), &from);
        if (i < n)
            fresh[i] = 1;
    }
    if (rc == 0 && row < 0)
        rc = -1;
    sql_reset(st);
    for (int c = 0; c < COLS; c++)
        buf_free(&col[c]);
    return rc;
}

/* What follows the insert of s (n): a new notice is accepted, counted
 * and gets its SubmissionAcceptance; a resubmitted reference is answered
 * with the notice it already is. 0, or -1 on error. */
static int after_insert(hub_db *db, const char *agency, hub_submission *s, hub_notice *n,
                        long long fresh, long long now)
{
    if (fresh < 0)
        return -1;
    if (fresh == 0) {
        s->duplicate = 1;
        s->routed = 0;
        return find_reference(db, agency, s) < 0 ? -1 : 0;
    }
    s->state = NS_ACCEPTED;
    s->duplicate = 0;
    /* No row in the agency's feed: the answer to this call tells it. */
    if (hub_db_tally_new(db, n, now) != 0 ||
        hub_db_notice_evidence(db, n, EV_SUBMISSION_ACCEPTANCE, "hub", NULL, now) != 0)
        return -1;
    return 0;
}

/* Ids for the batch, and each one's SubmissionAcceptance prepared (a
 * resubmitted reference keeps its old id, and its leaf goes unused). */
static void submissions_ahead(hub_db *db, const char *agency, hub_submission *items, size_t n,
                              long long now, hub_prepared_leaves *p)
{
    pthread_mutex_lock(&db->id_lock);
    for (size_t i = 0; i < n; i++) {
        if (db->rnd_used + NOTICE_ID_RANDOM_LEN > sizeof db->rnd) {
            random_bytes(db->rnd, sizeof db->rnd);
            db->rnd_used = 0;
        }
        notice_id_next(&db->ids, now, db->rnd + db->rnd_used, items[i].id);
        db->rnd_used += NOTICE_ID_RANDOM_LEN;
    }
    pthread_mutex_unlock(&db->id_lock);
    hub_prepared_leaves_init(p, n * PREPARED_PER_ITEM);
    for (size_t i = 0; i < n; i++) {
        evidence_rec r = {notice_event_name(EV_SUBMISSION_ACCEPTANCE), items[i].id, now, agency,
                          "hub", items[i].rk, items[i].doc_sha256, NULL, NULL, NULL, NULL};
        hub_prepared_leaves_add(p, i * PREPARED_PER_ITEM, &r);
    }
}

int hub_db_submit(hub_db *db, const char *agency, hub_submission *items, size_t n,
                  long long now, size_t may_route, hub_notice *routed_out, size_t *n_routed)
{
    hub_prepared_leaves prepared;
    hub_notice plain;
    buf col[COLS];
    long long *fresh = malloc((n ? n : 1) * sizeof *fresh);
    size_t routing = 0;
    int ok = 0;

    *n_routed = 0;
    if (!fresh)
        return -1;
    submissions_ahead(db, agency, items, n, now, &prepared);
    if (hub_db_begin_prepared(db, &prepared) != 0) {
        free(fresh);
        return -1;
    }
    /* Every insert first. The first may_route with a platform go in
     * routed, into routed_out, which is compacted below when some of
     * them turn out to be duplicates. */
    if (db->pg)
        columns_open(col, n);
    for (size_t i = 0; i < n; i++) {
        int route = routing < may_route && items[i].platform[0];
        hub_notice *it = route ? &routed_out[routing] : &plain;
        route_submission(agency, &items[i], now, route, it);
        if (db->pg)
            columns_add(col, &items[i], it, db->node, i == 0);
        else if (ok == 0)
            ok = insert_one(db, agency, &items[i], it, now, &fresh[i]);
        routing += route;
    }
    if (db->pg)
        ok = insert_many(db, agency, items, n, col, now, fresh);
    else if (ok == 0 && sql_flush(db->w.conn) != 0)
        ok = -1;
    routing = 0;
    for (size_t i = 0; i < n && ok == 0; i++) {
        hub_notice *it = &plain;
        if (items[i].routed)
            it = &routed_out[routing++];
        else
            submitted_notice(&items[i], agency, now, &plain);
        hub_db_use_prepared(db, &prepared, i);
        ok = after_insert(db, agency, &items[i], it, fresh[i], now);
        if (ok == 0 && items[i].routed) {
            if (it != &routed_out[*n_routed])
                routed_out[*n_routed] = *it;
            (*n_routed)++;
        }
    }
    free(fresh);
    if (hub_db_finish_prepared(db, ok, &prepared) != 0) {
        *n_routed = 0; /* nothing to hand over: the claim finds what was kept */
        return -1;
    }
    return 0;
}
