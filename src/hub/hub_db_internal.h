/* hub_db_internal.h -- what the pieces of the hub's store share, and no
 * other file sees (include it from hub_db*.c only): the struct behind the
 * opaque hub_db, its prepared statements, its transactions, and the steps
 * every writer takes on one notice (load, record an event, save).
 *
 *   hub_db.c           open, schema, migrations, statements, transactions
 *   hub_db_pg.c        the same store in PostgreSQL, shared by several nodes
 *   hub_db_notice.c    a notice's row and its evidence; GET /v1/notices/{id}
 *   hub_db_leaf_time.c the earliest time of a notice's next leaf
 *   hub_db_changes.c   the agencies' feed of state changes
 *   hub_db_submit.c    POST /v1/notices
 *   hub_db_report.c    POST /v1/events, and who may see a certificate
 *   hub_db_payment.c   POST /v1/payments
 *   hub_db_relay.c     platforms' answers to relays; the relay worker's round
 *   hub_db_expire.c    the deadline worker's round
 *   hub_db_remind.c    its reminders
 *   hub_db_cancel.c    POST /v1/cancellations, and the withdrawals owed to platforms
 *   hub_db_tally.c     the summaries the operators' console reads */
#ifndef HERALD_HUB_DB_INTERNAL_H
#define HERALD_HUB_DB_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "db.h"
#include "hub_db.h"
#include "hub_evidence_log.h"
#include "hub_prepared_leaves.h"
#include "metrics.h"
#include "sql.h"

/* A claimed notice is not claimed again for this long: longer than any
 * relay call can take, short enough that a crash delays it little. */
#define RELAY_LEASE_MS (5 * 60 * 1000LL)
/* How far ahead of its submission time an urgent notice stands in the
 * claim's order (next_attempt): before a day's backlog of bulk ones. */
#define HUB_URGENT_HEAD_START_MS (24 * 60 * 60 * 1000LL)

/* Prepared leaves per item of a batch: a relayed notice's
 * RelayAcceptance and ContentConsignment. */
#define PREPARED_PER_ITEM 2
/* Slots of hub_db.leaf_times: 65,536 notices' last leaf times, 2.5 MiB. */
#define HUB_DB_LEAF_TIMES 65536

/* A platform's once-only events, as bits of its relays row. */
#define EVENT_BIT(ev) (1 << (ev))

/* What a platform answered to the relay of a notice (relays table). */
enum { ANSWER_NONE, ANSWER_REJECTED, ANSWER_ACCEPTED };

/* The statements, prepared at open (their SQL is in hub_db.c). */
enum {
    S_FIND_REF, S_INSERT, S_LOAD, S_SAVE, S_CHANGE, S_HISTORY, S_CHANGES,
    S_REPORTED, S_RELAY_GET, S_RELAY_ADD, S_RELAY_EVENT, S_CLAIM, S_DUE, S_RELEASE,
    S_REMIND, S_REMINDED, S_SAVE_REMIND,
    S_WITHDRAW_ADD, S_WITHDRAW_DUE, S_WITHDRAW_DONE, S_RECOVER,
    S_LEAF_TIMES, S_WITHDRAW_RELEASE, S_CHANGES_LAST, S_CHANGES_WAITING, S_PRELOAD,
    S_RELAY_PRELOAD, S_RELAY_MARKS, S_INSERT_MANY,
    /* PostgreSQL only, from S_LEAF_TIMES */
    S_COUNT
};

/* A notice's columns, as S_LOAD, S_CLAIM, S_DUE and S_REMIND read them
 * (hub_db_notice.c); PostgreSQL's add last_leaf. */
#define HUB_DB_NOTICE_COLS "id, agency, reference, rk, title, doc_sha256, deadline, link," \
                           " state, platform, created, due, next_attempt, attempts," \
                           " expiries, window_start, remind_at, reminded, urgent"

/* The summaries' rows a batch adds to (hub_db_tally.c). */
enum { HUB_TALLY_DAY, HUB_TALLY_STATE, HUB_TALLY_DUE, HUB_TALLY_LATENCY, HUB_TALLY_KINDS };
#define HUB_TALLY_ROWS 256

typedef struct hub_tally_row {
    int kind, k;       /* k: a notice_state, or a latency bucket */
    long long day, n;  /* UTC days since 1970; what the batch adds */
    char agency[HUB_NAME_MAX + 1], platform[HUB_NAME_MAX + 1];
} hub_tally_row;

/* A notice's last leaf time, in hub_db.leaf_times. */
typedef struct hub_leaf_time {
    char id[NOTICE_ID_LEN + 1];
    long long at_ms;
} hub_leaf_time;

/* A platform's relays row, as a report batch preloads it. */
typedef struct hub_relay_row {
    char notice[NOTICE_ID_LEN + 1];
    int accepted, events;
    int marked; /* events marked since the load, not yet written */
} hub_relay_row;

/* A connection, its statements (NULL: not on this store or this
 * connection) and the lock every use of them is under. */
typedef struct hub_db_conn {
    sql_conn *conn;
    sql_stmt *st[S_COUNT];
    pthread_mutex_t lock;
} hub_db_conn;

struct hub_db {
    /* The writer. On SQLite also the reader: GETs take its lock and read
     * what it has synced. On PostgreSQL GETs have a connection of their
     * own (reader), and a COMMIT is durable when it returns. */
    hub_db_conn w;
    hub_db_conn r;
    hub_db_conn *reader;      /* &w or &r */
    int pg;                   /* PostgreSQL: several nodes share the database */
    char node[128];           /* this node's name, on its leases (PostgreSQL) */
    sqlite3 *lite;            /* SQLite: w's connection underneath */
    db_wal wal;               /* SQLite: commits are synced after the lock is let go */
    db_checkpointer *ckpt;    /* and checkpointed on a thread of their own */
    hub_evidence_log *log;    /* the evidence log, appended in our transactions */
    hub_directory *dir;       /* routes for relay claims (its own file and lock) */
    pthread_mutex_t id_lock; /* ids and rnd: taken before the writer's lock */
    notice_id_gen ids;
    /* Leaves the item being recorded may take instead of encoding its
     * own: slots prepared_at to prepared_at + PREPARED_PER_ITEM - 1 of
     * prepared. Set under the writer's lock, NULL outside a batch. */
    const hub_prepared_leaves *prepared;
    size_t prepared_at;
    buf leaf;              /* reused for encoding leaves */
    long long fallback_ms; /* read deadline on a fallback channel */
    hub_reminders reminders;   /* when reminders fall in a read window */
    long long consent_window_ms; /* a pre-noticed member's time to consent; 0: none */
    hub_notice *rows;      /* hub_db_notice_select's rows, kept: a batch is ~1 MB, */
    size_t rows_cap;       /* and malloc would map and unmap it every round */
    char (*picks)[HUB_NAME_MAX + 1]; /* the claimed rows' next platforms */
    unsigned char *pre_picks;        /* and whether each is a pre-notice */
    size_t picks_cap;
    /* Random bits for notice ids, drawn 4 KiB at a time: one system call
     * per notice was a percent of the hub's time. */
    uint8_t rnd[4096];
    size_t rnd_used;
    /* Events applied to notices, by what they did (GET /metrics), and
     * those of the open transaction, added to them once it commits. */
    metrics_counter applied[EV_COUNT][3];
    uint32_t applying[EV_COUNT][3];
    /* The time of the last leaf of the notices appended to last, one slot
     * per hash of the id (hub_db_leaf_time), under the writer's lock. */
    hub_leaf_time leaf_times[HUB_DB_LEAF_TIMES];
    /* The time the last leaf appended was given (raised, perhaps, past
     * the clock's: hub_db_leaf_time): the feed row that leaf causes
     * carries it, so that the agency's times are the certificate's. */
    long long leaf_at;
    /* PostgreSQL: the slots of leaf_times the open transaction uses (its
     * notices' times still to write), and the arrays they are written as. */
    uint32_t pending[HUB_DB_LEAF_TIMES / 2];
    size_t npending;
    buf pending_ids, pending_ats;
    /* PostgreSQL: a batch's notices, loaded and locked with one statement
     * (hub_db_notice_preload), sorted by id; preloading: in use. */
    hub_notice *pre;
    size_t npre, pre_cap;
    int preloading;
    buf pre_ids;
    /* PostgreSQL: the relays rows of one platform (rpre_platform, NULL:
     * none loaded) for the preloaded notices, sorted by notice
     * (hub_db_relay_preload). */
    hub_relay_row *rpre;
    size_t nrpre, rpre_cap;
    const char *rpre_platform;
    /* PostgreSQL: the open transaction's feed rows, as COPY text. */
    buf changes_copy;
    long long nchanges;
    /* What the open batch adds to the summaries, under the writer's lock. */
    hub_tally_row tally[HUB_TALLY_ROWS];
    size_t ntally;
    sql_stmt *tally_st[HUB_TALLY_KINDS];
};

/* ---- hub_db_leaf_time.c: evidence times, under the writer's lock ---- */

/* The time for a leaf of n about to be appended, at_ms or later: not
 * before the notice's last leaf. SQLite: as far as the table of slots
 * remembers it. PostgreSQL: n's last_leaf (as loaded under its row lock),
 * moved on in n and, at the COMMIT or n's save, in the row. -1 on a
 * database error. */
long long hub_db_leaf_time(hub_db *db, hub_notice *n, long long at_ms);
/* PostgreSQL: n, just read by the writer, takes a later time its
 * transaction has not written yet. */
void hub_db_leaf_time_loaded(hub_db *db, hub_notice *n);
/* PostgreSQL: n's save writes its last_leaf: nothing left to write. */
void hub_db_leaf_time_saved(hub_db *db, const hub_notice *n);
/* Writes the open transaction's times (before its COMMIT), or drops them. */
int hub_db_leaf_times_flush(hub_db *db);
void hub_db_leaf_times_drop(hub_db *db);

/* ---- hub_db.c: statements and transactions ---- */

/* The writer's statement which, reset and unbound. */
sql_stmt *hub_db_stmt(hub_db *db, int which);
/* The same on connection c (the writer, or the reader). */
sql_stmt *hub_db_conn_stmt(hub_db_conn *c, int which);
/* Runs a write: 1 if it changed a row, 0 if it changed none (an insert
 * that found its row, an UPDATE whose WHERE found nothing), -1 on error. */
int hub_db_step_changed(sql_stmt *st);

/* For a GET: takes the reader's lock (the writer's on SQLite), on
 * PostgreSQL reconnecting a lost reader. NULL when it stays lost. */
hub_db_conn *hub_db_read_begin(hub_db *db);
/* Lets go; with synced, on SQLite, makes what the reader saw durable
 * first (see hub_db_unlock_synced). 0, or -1 when that sync failed, or
 * (PostgreSQL) 1 when the connection was found lost: a read that failed
 * for that is run once more, on a new connection. */
int hub_db_read_end(hub_db *db, hub_db_conn *c, int synced);

/* A hub_db with its locks and buffers, no connection yet (hub_db_open,
 * hub_db_open_pg); NULL with a message in err. */
hub_db *hub_db_new(char *err, size_t errlen);
/* Prepares text[i] on c for every i that has one: 0 or -1. */
int hub_db_prepare_all(hub_db_conn *c, const char *const text[S_COUNT]);

/* Takes the writer's lock and opens a transaction: 0, or -1 (no lock). */
int hub_db_begin(hub_db *db);
/* Commits when ok is 0, else rolls back; either way releases the lock.
 * A commit is durable when this returns 0. -1 after a commit means the
 * disk refused to sync it: it may or may not survive a crash, and every
 * later write fails too (db_wal_sync). */
int hub_db_finish(hub_db *db, int ok);
/* Lets go of the lock, then makes what was committed under it durable
 * (group commit: the next batch is written meanwhile). Nothing the hub
 * answers or shows is read from a commit that this has not synced. */
int hub_db_unlock_synced(hub_db *db);

/* hub_db_begin for a batch with prepared leaves: their bytes go to the
 * leaf file (synced) before the lock, so that the writer only stores
 * where they are. On failure p is freed. */
int hub_db_begin_prepared(hub_db *db, hub_prepared_leaves *p);
/* Item i of the batch is recorded next: its events may take its slots of
 * p (NULL: none). */
void hub_db_use_prepared(hub_db *db, const hub_prepared_leaves *p, size_t i);
/* hub_db_finish, then p is freed. */
int hub_db_finish_prepared(hub_db *db, int ok, hub_prepared_leaves *p);

/* A time as a JSON string, RFC 3339 in UTC with milliseconds. */
void hub_db_json_time(buf *out, long long ms);
/* Room for want rows of size each in *rows (*cap of them now), kept
 * between batches so that a round allocates nothing once warm. 0 or -1
 * (*rows unchanged). */
int hub_db_reserve(void *rows, size_t *cap, size_t want, size_t each);

/* ---- hub_db_notice.c: one notice, under the writer's lock ---- */

/* 1 found, 0 not found, -1 error. On PostgreSQL the row stays locked
 * until the transaction ends (FOR UPDATE). */
int hub_db_notice_load(hub_db *db, const char *id, hub_notice *n);
/* PostgreSQL: loads the n notices whose ids are at first_id, first_id +
 * stride, ... (NULL ones skipped) with one statement, their rows locked
 * in id order, so that hub_db_notice_load finds them without a round
 * trip each; until hub_db_notice_preload_end, in the same transaction.
 * A save keeps the copy up to date. Nothing on SQLite. 0 or -1. */
int hub_db_notice_preload(hub_db *db, const char *first_id, size_t stride, size_t n);
void hub_db_notice_preload_end(hub_db *db);
/* 1 if the notice id is among those preloaded. */
int hub_db_notice_is_preloaded(hub_db *db, const char *id);
/* The same on the reader c (hub_db_read_begin), which locks nothing. */
int hub_db_notice_read(hub_db *db, hub_db_conn *c, const char *id, hub_notice *n);
/* Up to max rows of a notice query (S_CLAIM, S_DUE: ?1 now, ?2 max) into
 * db->rows, so that the rows can be updated afterwards without
 * disturbing the scan. NULL when out of memory. */
hub_notice *hub_db_notice_select(hub_db *db, int which, long long now, size_t max,
                                 size_t *count);
/* Writes n back; a new state also goes to the agency's feed, once per
 * save however many steps led to it (RelayAcceptance and
 * ContentConsignment in one answer: one row, "received"). */
int hub_db_notice_save(hub_db *db, hub_notice *n, long long now);
/* Appends ev's leaf for n to the evidence log, a prepared one if it fits. */
int hub_db_notice_evidence(hub_db *db, hub_notice *n, notice_event ev, const char *actor,
                           const char *reason, long long now);
/* A ReminderNotification leaf for n: reminder k, taken by platform. */
int hub_db_notice_evidence_reminder(hub_db *db, hub_notice *n, const char *platform, int k,
                                    long long now);
/* Applies one event to n: evidence always, and when the state machine
 * (and may_move) says so, the new state. The caller saves n, which puts
 * a new state in the agency's feed. outcome may be NULL. */
int hub_db_notice_record(hub_db *db, hub_notice *n, notice_event ev, const char *actor,
                         const char *reason, int may_move, long long now,
                         notice_outcome *outcome);
/* The same for a reported event, whose leaf carries what the report said
 * (reason, and an alert's channel and reference). */
int hub_db_notice_record_report(hub_db *db, hub_notice *n, const hub_report *rep,
                                const char *actor, int may_move, long long now,
                                notice_outcome *outcome);

/* ---- hub_db_tally.c: the console's summaries, under the writer's lock ---- */

/* Makes the tables (counting an older database's notices once) and
 * prepares their statements: 0 or -1. */
int hub_db_tally_open(hub_db *db);
void hub_db_tally_close(hub_db *db);
/* A new notice n, submitted at now. */
int hub_db_tally_new(hub_db *db, const hub_notice *n, long long now);
/* n as it is about to be saved, against what is stored (stored,
 * stored_due). */
int hub_db_tally_save(hub_db *db, const hub_notice *n, long long now);
/* platform accepted the relay of n at now. */
int hub_db_tally_relayed(hub_db *db, const hub_notice *n, const char *platform, long long now);
/* Writes the batch's additions (before its commit), or drops them. */
int hub_db_tally_flush(hub_db *db);
void hub_db_tally_drop(hub_db *db);

/* ---- hub_db_changes.c ---- */

/* Adds n's state to its agency's feed, at `at` (the time of the leaf
 * that moved it). */
int hub_db_changes_add(hub_db *db, const hub_notice *n, long long at);
/* Adds evidence ev of n that moved no state (PrintHandover, a late
 * NoticeCancellation) to the feed: n's state as it is, with "event", at
 * the time of ev's leaf, the last appended (db->leaf_at). */
int hub_db_changes_add_event(hub_db *db, const hub_notice *n, notice_event ev, long long now);
/* PostgreSQL: writes the transaction's rows (before its COMMIT), or
 * drops them. SQLite wrote each at once. */
int hub_db_changes_flush(hub_db *db);
void hub_db_changes_drop(hub_db *db);

/* ---- hub_db_relay.c: the relays table ---- */

/* What platform answered to the relay of notice: ANSWER_*, or -1. */
int hub_db_relay_answer(hub_db *db, const char *notice, const char *platform);
/* The same on connection c. */
int hub_db_relay_answer_on(hub_db_conn *c, const char *notice, const char *platform);
/* Notes the platform's answer, with the once-only events (EVENT_BITs)
 * that came with it: 1 if it had not answered before, 0 if it had
 * (nothing changes), -1 on error. */
int hub_db_relay_note_answer(hub_db *db, const char *notice, const char *platform,
                             int accepted, int events);
/* PostgreSQL, after hub_db_notice_preload: reads platform's relays rows
 * for the preloaded notices with one statement, so that the calls below
 * answer for those notices without a round trip, and send what they
 * change without waiting (sql_step_later). Nothing on SQLite. 0 or -1. */
int hub_db_relay_preload(hub_db *db, const char *platform);
/* Sends the events marked in the preloaded rows, one statement for all
 * (without waiting): 0 or -1. Before hub_db_relay_preload_end, which
 * forgets them. */
int hub_db_relay_preload_write(hub_db *db);
void hub_db_relay_preload_end(hub_db *db);
/* Marks a once-only event of a platform that answered: 1 marked now, 0
 * marked before or no answer to mark it in, -1 on error. */
int hub_db_relay_mark_event(hub_db *db, const char *notice, const char *platform,
                            notice_event ev);
/* A withdrawal of notice owed to every platform that accepted it, and to
 * platform (NULL: none more); reason may be NULL. hub_db_cancel.c. */
int hub_db_owe_withdrawal(hub_db *db, const char *notice, const char *platform,
                          const char *reason);
/* The platform accepted the relay: RelayAcceptance, and the channel's
 * read deadline starts. The caller saves n. */
int hub_db_relay_record_acceptance(hub_db *db, hub_notice *n, const char *platform,
                                   long long now);
/* n's read window on its channel starts now (its due set): reminders
 * are counted from here. */
/* The read deadline on a channel whose read window begins now. */
long long hub_db_read_due(const hub_db *db, const hub_notice *n, long long now);
void hub_db_remind_from(hub_db *db, hub_notice *n, long long now);

#endif
