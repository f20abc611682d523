/* sms_channel.c -- see sms_channel.h. One thread, one poll loop:
 *
 *   claim   queued alerts become submitting in a transaction synced to
 *           disk (platform_db_outbox_claim) before any of them is sent,
 *           in batches, so one fsync covers hundreds of alerts;
 *   submit  each alert's segments (sms_text.h) go as submit_sm while
 *           fewer than `window` wait for an answer;
 *   answer  submit_sm_resp OK records the SMSC's message id (the first
 *           segment's is the alert's reference; every segment's is kept,
 *           since a receipt may name any); a throttling status puts the
 *           segment back and pauses; any other status fails the alert;
 *   receipt deliver_sm receipts (smpp_receipt.h) settle accepted alerts,
 *           and are answered only once what they say is on disk, so an
 *           SMSC that hears nothing sends them again.
 *
 * Outcomes are recorded in one transaction per round of the loop, not one
 * per answer. An answer not yet recorded when the process dies leaves its
 * alert submitting, which the next start queues again once as a possible
 * duplicate (platform_db.h): acknowledged alerts are resent only if their
 * acknowledgement never reached the disk. When the connection drops,
 * alerts never sent go back to the queue as they were, and those sent
 * without an answer are queued again as possible duplicates. */
#include "sms_channel.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "smpp_receipt.h"
#include "sms_text.h"
#include "str_copy.h"

#define REF_MAX SMPP_PDU_MESSAGE_ID_MAX
#define RESPONSE_TIMEOUT_MS 30000 /* a submit unanswered this long: the link is dead */
#define FLUSH_AFTER_MS 5          /* how long an answer may wait for its transaction */
#define FLUSH_MAX 1024            /* or how many may */
#define CLAIM_LOOK_MS 1000        /* without a wake-up, look for queued alerts this often */
#define THROTTLE_FIRST_MS 20
#define THROTTLE_MAX_MS 5000
#define STOP_DRAIN_MS 2000        /* at stop, how long answers are awaited */
#define BACKLOG_MAX 65536         /* octets unwritten before the window stops filling */

enum { SEG_UNSENT, SEG_OUTSTANDING, SEG_ACCEPTED };

/* A claimed alert while it is in memory: from its claim until every
 * segment is answered. */
typedef struct sms_alert {
    long long id;
    int duplicate;
    char phone[SMPP_PDU_ADDR_MAX + 1];
    int nseg, outstanding, accepted, sent_any, failed, queued;
    uint8_t state[SMS_TEXT_MAX_SEGMENTS];
    sms_segment seg[SMS_TEXT_MAX_SEGMENTS];
    char ref[SMS_TEXT_MAX_SEGMENTS][REF_MAX + 1];
    struct sms_alert *prev, *next; /* every alert in memory */
    struct sms_alert *qnext;       /* those with a segment to send */
} sms_alert;

/* A submit_sm waiting for its answer. */
typedef struct inflight {
    uint32_t seq; /* 0: a free slot */
    sms_alert *alert;
    int seg;
    long long sent_ms;
} inflight;

typedef enum { RESULT_ACCEPTED, RESULT_FAILED, RESULT_RECEIPT } result_kind;

/* An outcome waiting for the round's transaction. */
typedef struct result {
    result_kind kind;
    long long id;
    int delivered, nref;
    uint32_t deliver_seq; /* a receipt's deliver_sm, answered after the commit */
    char ref[SMS_TEXT_MAX_SEGMENTS][REF_MAX + 1];
    char reason[160];
} result;

struct sms_channel {
    sms_settings set;
    platform_db *db;
    pthread_mutex_t *lock;
    smpp_session *session;
    pthread_t thread;
    int wake_fd;
    atomic_int stopping;

    sms_alert *all;                /* every alert in memory */
    sms_alert *queue, *queue_tail; /* those with segments to send, oldest first */
    long held;                     /* alerts in memory */
    inflight *slots;               /* `window` of them */
    long outstanding;
    uint8_t concat_ref;

    result *results;
    size_t nresults, results_cap;
    long long first_result_ms;

    int claim_due;
    long long next_claim_ms;
    long long paused_until, tokens_ms;
    long pause_ms;
    double tokens;
    long long throttled, throttle_logged_ms;
};

/* ---- settings */

int sms_settings_present(const config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (!strcmp(cfg->entries[i].section, "sms"))
            return 1;
    return 0;
}

static int copy_key(const config *cfg, const char *key, const char *def, char *out,
                    size_t cap, char *err, size_t errlen)
{
    const char *v = def ? config_get(cfg, "sms", key) : config_require(cfg, "sms", key, err, errlen);

    if (!v && !def)
        return -1;
    if (!v)
        v = def;
    if (str_copy(out, cap, v) >= cap) {
        snprintf(err, errlen, "%s: [sms] %s is longer than %zu characters", cfg->path, key,
                 cap - 1);
        return -1;
    }
    return 0;
}

static int on_off(const config *cfg, const char *key, int def, int *out, char *err,
                  size_t errlen)
{
    const char *v = config_get(cfg, "sms", key);

    if (!v)
        *out = def;
    else if (!strcmp(v, "on") || !strcmp(v, "off"))
        *out = !strcmp(v, "on");
    else {
        snprintf(err, errlen, "%s: [sms] %s must be on or off", cfg->path, key);
        return -1;
    }
    return 0;
}

/* The SMPP password: one line of at most 8 characters in a file only its
 * owner may read. */
static int read_password(const config *cfg, char *out, size_t cap, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "sms", "password_file", err, errlen);
    char path[PATH_MAX], line[64];
    struct stat st;
    FILE *f;
    size_t n;

    if (!v)
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (!(f = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
        fclose(f);
        snprintf(err, errlen, "%s: the SMPP password file is readable by others; chmod 600 it",
                 path);
        return -1;
    }
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n == 0 || n >= cap) {
        secure_wipe(line, sizeof line);
        snprintf(err, errlen, "%s: expected one line holding an SMPP password of 1-%zu characters",
                 path, cap - 1);
        return -1;
    }
    memcpy(out, line, n + 1);
    secure_wipe(line, sizeof line);
    return 0;
}

static int source_ok(const char *a)
{
    for (; *a; a++)
        if (*a < 0x20 || *a > 0x7e)
            return 0;
    return 1;
}

int sms_settings_load(sms_settings *s, const config *cfg, char *err, size_t errlen)
{
    smpp_session_config *c = &s->session;
    long port;

    memset(s, 0, sizeof *s);
    if (copy_key(cfg, "host", NULL, c->host, sizeof c->host, err, errlen) ||
        config_long(cfg, "sms", "port", -1, 1, 65535, &port, err, errlen) ||
        copy_key(cfg, "system_id", NULL, c->system_id, sizeof c->system_id, err, errlen) ||
        copy_key(cfg, "system_type", "", c->system_type, sizeof c->system_type, err, errlen) ||
        copy_key(cfg, "source_addr", NULL, s->source_addr, sizeof s->source_addr, err,
                 errlen) ||
        copy_key(cfg, "tls_ca_file", "", c->tls_ca_file, sizeof c->tls_ca_file, err, errlen) ||
        config_long(cfg, "sms", "window", 100, 1, 1000, &s->window, err, errlen) ||
        config_long(cfg, "sms", "max_per_s", 0, 0, 1000000, &s->max_per_s, err, errlen) ||
        config_long(cfg, "sms", "enquire_link_s", 30, 1, 3600, &c->enquire_link_s, err,
                    errlen) ||
        config_long(cfg, "sms", "reconnect_max_s", 30, 1, 3600, &c->reconnect_max_s, err,
                    errlen) ||
        on_off(cfg, "tls", 0, &c->tls, err, errlen) ||
        on_off(cfg, "receipts", 1, &s->receipts, err, errlen))
        return -1;
    if (port < 0) {
        snprintf(err, errlen, "%s: [sms] port is required", cfg->path);
        return -1;
    }
    c->port = (int)port;
    if (!s->source_addr[0] || !source_ok(s->source_addr)) {
        snprintf(err, errlen, "%s: [sms] source_addr must be 1-%d printable ASCII characters",
                 cfg->path, SMPP_PDU_ADDR_MAX);
        return -1;
    }
    if (c->tls_ca_file[0]) {
        char path[PATH_MAX];
        config_path(cfg, c->tls_ca_file, path, sizeof path);
        if (str_copy(c->tls_ca_file, sizeof c->tls_ca_file, path) >= sizeof c->tls_ca_file) {
            snprintf(err, errlen, "%s: [sms] tls_ca_file is too long", cfg->path);
            return -1;
        }
    }
    return read_password(cfg, c->password, sizeof c->password, err, errlen);
}

void sms_settings_wipe(sms_settings *s)
{
    secure_wipe(s->session.password, sizeof s->session.password);
}

/* ---- alerts in memory */

static void queue_push(sms_channel *c, sms_alert *a, int front)
{
    if (a->queued)
        return;
    a->queued = 1;
    if (front) {
        a->qnext = c->queue;
        c->queue = a;
        if (!c->queue_tail)
            c->queue_tail = a;
        return;
    }
    a->qnext = NULL;
    if (c->queue_tail)
        c->queue_tail->qnext = a;
    else
        c->queue = a;
    c->queue_tail = a;
}

static void queue_pop(sms_channel *c)
{
    sms_alert *a = c->queue;

    c->queue = a->qnext;
    if (!c->queue)
        c->queue_tail = NULL;
    a->qnext = NULL;
    a->queued = 0;
}

/* Takes a failed alert out of the queue, wherever it is. */
static void queue_remove(sms_channel *c, sms_alert *a)
{
    sms_alert **pp = &c->queue, *prev = NULL;

    if (!a->queued)
        return;
    while (*pp && *pp != a) {
        prev = *pp;
        pp = &(*pp)->qnext;
    }
    if (*pp) {
        *pp = a->qnext;
        if (c->queue_tail == a)
            c->queue_tail = prev;
    }
    a->qnext = NULL;
    a->queued = 0;
}

static void alert_free(sms_channel *c, sms_alert *a)
{
    queue_remove(c, a);
    if (a->prev)
        a->prev->next = a->next;
    else
        c->all = a->next;
    if (a->next)
        a->next->prev = a->prev;
    c->held--;
    free(a);
}

/* Frees an alert once nothing more will come of it. */
static void alert_maybe_done(sms_channel *c, sms_alert *a)
{
    if (a->outstanding == 0 && (a->failed || a->accepted == a->nseg))
        alert_free(c, a);
}

/* ---- outcomes, recorded in one transaction a round */

static result *result_add(sms_channel *c, result_kind kind, long long id)
{
    if (c->nresults == c->results_cap) {
        size_t cap = c->results_cap ? c->results_cap * 2 : 256;
        result *r = realloc(c->results, cap * sizeof *r);
        if (!r)
            return NULL;
        c->results = r;
        c->results_cap = cap;
    }
    if (c->nresults == 0)
        c->first_result_ms = clock_now_ms();
    result *r = &c->results[c->nresults++];
    r->kind = kind;
    r->id = id;
    r->delivered = r->nref = 0;
    r->deliver_seq = 0;
    r->reason[0] = '\0';
    return r;
}

static void alert_fail(sms_channel *c, sms_alert *a, const char *reason)
{
    result *r;

    if (a->failed)
        return;
    a->failed = 1;
    queue_remove(c, a);
    if ((r = result_add(c, RESULT_FAILED, a->id)))
        str_copy(r->reason, sizeof r->reason, reason);
}

static void record_one(sms_channel *c, const result *r, const char *at, long *unknown)
{
    switch (r->kind) {
    case RESULT_ACCEPTED:
        if (platform_db_outbox_accepted(c->db, r->id, r->ref[0][0] ? r->ref[0] : NULL, at) == 1)
            for (int i = 1; i < r->nref; i++)
                if (r->ref[i][0])
                    platform_db_outbox_reference(c->db, r->id, r->ref[i]);
        break;
    case RESULT_FAILED:
        platform_db_outbox_failed(c->db, r->id, r->reason, at);
        break;
    case RESULT_RECEIPT:
        if (platform_db_outbox_receipt(c->db, SMS_CHANNEL_NAME, r->ref[0], r->delivered,
                                       r->delivered ? NULL : r->reason, at) ==
            OUTBOX_RECEIPT_UNKNOWN) {
            log_warn("sms: a receipt for message id \"%s\", which no alert of ours has",
                     r->ref[0]);
            (*unknown)++;
        }
        break;
    }
}

/* Records every outcome waiting, then answers the receipts among them.
 * On a database error the receipts go unanswered (the SMSC sends them
 * again) and the answers are lost, which leaves their alerts submitting:
 * queued again, as possible duplicates, at the next drop or start. */
static void flush_results(sms_channel *c)
{
    char at[25];
    long unknown = 0;
    int ok;

    if (c->nresults == 0)
        return;
    clock_rfc3339_ms(at, clock_now_ms());
    pthread_mutex_lock(c->lock);
    ok = platform_db_begin(c->db) == 0;
    for (size_t i = 0; ok && i < c->nresults; i++)
        record_one(c, &c->results[i], at, &unknown);
    if (ok && platform_db_commit(c->db) != 0) {
        platform_db_rollback(c->db);
        ok = 0;
    }
    pthread_mutex_unlock(c->lock);
    if (!ok)
        log_error("sms: cannot record %zu outcomes (see above)", c->nresults);
    for (size_t i = 0; ok && i < c->nresults; i++)
        if (c->results[i].deliver_seq)
            smpp_session_deliver_resp(c->session, c->results[i].deliver_seq, SMPP_PDU_ESME_ROK);
    c->nresults = 0;
}

/* ---- claiming */

static void take_claimed(void *ctx, const outbox_alert *o)
{
    sms_channel *c = ctx;
    sms_alert *a = calloc(1, sizeof *a);
    const char *why = NULL;
    size_t n = 0;

    if (!a) { /* left submitting: queued again at the next drop or start */
        log_error("sms: out of memory for alert %lld", o->id);
        return;
    }
    a->id = o->id;
    a->duplicate = o->duplicate;
    str_copy(a->phone, sizeof a->phone, o->phone);
    a->next = c->all;
    if (c->all)
        c->all->prev = a;
    c->all = a;
    c->held++;
    if (sms_text_segments(o->text, strlen(o->text), c->concat_ref++, a->seg,
                          SMS_TEXT_MAX_SEGMENTS, &n, &why) != 0) {
        char reason[160];
        snprintf(reason, sizeof reason, "text cannot go as SMS: %s", why);
        alert_fail(c, a, reason);
        alert_maybe_done(c, a);
        return;
    }
    a->nseg = (int)n;
    queue_push(c, a, 0);
}

/* How many alerts one claim takes: enough that its fsync is shared by
 * many, few enough that memory stays small (~2 KiB an alert). */
static long claim_batch(const sms_channel *c)
{
    return c->set.window * 2 > 256 ? c->set.window * 2 : 256;
}

static void claim(sms_channel *c, long long now)
{
    long limit = claim_batch(c) * 2 - c->held;
    sms_alert *before;
    char at[25];
    int n;

    if (limit < claim_batch(c))
        return;
    flush_results(c); /* so that a failed claim drops only its own */
    before = c->all;
    clock_rfc3339_ms(at, clock_now_ms());
    pthread_mutex_lock(c->lock);
    n = platform_db_outbox_claim(c->db, SMS_CHANNEL_NAME, (int)limit, at, take_claimed, c);
    pthread_mutex_unlock(c->lock);
    if (n < 0) {
        /* Nothing was claimed: the copies made go (none was sent). */
        log_error("sms: cannot claim queued alerts; trying again in %d ms", CLAIM_LOOK_MS);
        while (c->all != before) /* the new are at the head */
            alert_free(c, c->all);
        c->nresults = 0;
        c->claim_due = 0;
        c->next_claim_ms = now + CLAIM_LOOK_MS;
        return;
    }
    c->claim_due = n == limit; /* a full batch: more may wait */
    c->next_claim_ms = now + CLAIM_LOOK_MS;
}

/* ---- submitting */

static inflight *slot_free(sms_channel *c)
{
    for (long i = 0; i < c->set.window; i++)
        if (!c->slots[i].seq)
            return &c->slots[i];
    return NULL;
}

static inflight *slot_find(sms_channel *c, uint32_t seq)
{
    for (long i = 0; i < c->set.window; i++)
        if (c->slots[i].seq == seq)
            return &c->slots[i];
    return NULL;
}

/* An address as SMPP wants it: digits as a national number (TON 0, NPI 1
 * ISDN), "+digits" international (1/1), anything else alphanumeric (5/0). */
static void address(struct smpp_pdu_address *out, const char *a)
{
    int plus = a[0] == '+', digits = a[plus] != '\0';

    for (const char *p = a + plus; *p; p++)
        digits &= *p >= '0' && *p <= '9';
    out->ton = digits ? (plus ? 1 : 0) : 5;
    out->npi = digits ? 1 : 0;
    str_copy(out->addr, sizeof out->addr, a + (digits && plus));
}

/* Submits the next unsent segment of the alert first in the queue:
 * 1 sent, 0 nothing could be, -1 the session refused it. */
static int submit_next(sms_channel *c, long long now)
{
    sms_alert *a = c->queue;
    inflight *slot = slot_free(c);
    struct smpp_pdu_message m;
    int i;

    if (!a || !slot)
        return 0;
    for (i = 0; i < a->nseg && a->state[i] != SEG_UNSENT; i++)
        ;
    if (i == a->nseg) { /* every segment is out: nothing to send here */
        queue_pop(c);
        return 1;
    }
    memset(&m, 0, sizeof m);
    address(&m.source, c->set.source_addr);
    address(&m.dest, a->phone);
    m.esm_class = a->seg[i].udhi ? SMPP_PDU_ESM_UDHI : 0;
    m.registered_delivery = c->set.receipts ? SMPP_PDU_REGISTERED_DELIVERY_FINAL : 0;
    m.data_coding = SMPP_PDU_CODING_UCS2;
    m.short_message_len = a->seg[i].len;
    memcpy(m.short_message, a->seg[i].data, a->seg[i].len);
    m.message_state = -1;
    uint32_t seq = smpp_session_submit(c->session, &m);
    if (!seq) {
        alert_fail(c, a, "the submit_sm does not pack (address too long?)");
        alert_maybe_done(c, a);
        return -1;
    }
    *slot = (inflight){.seq = seq, .alert = a, .seg = i, .sent_ms = now};
    a->state[i] = SEG_OUTSTANDING;
    a->outstanding++;
    a->sent_any = 1;
    c->outstanding++;
    for (i++; i < a->nseg && a->state[i] != SEG_UNSENT; i++)
        ;
    if (i == a->nseg)
        queue_pop(c);
    return 1;
}

/* The rate cap: a token a submit, max_per_s of them a second, a burst of
 * a twentieth of a second's worth. */
static int token(sms_channel *c, long long now)
{
    double burst;

    if (c->set.max_per_s <= 0)
        return 1;
    burst = c->set.max_per_s / 20.0 > 1 ? c->set.max_per_s / 20.0 : 1;
    c->tokens += (double)(now - c->tokens_ms) * (double)c->set.max_per_s / 1000.0;
    c->tokens_ms = now;
    if (c->tokens > burst)
        c->tokens = burst;
    if (c->tokens < 1)
        return 0;
    c->tokens -= 1;
    return 1;
}

static void pump(sms_channel *c, long long now)
{
    if (smpp_session_state_of(c->session) != SMPP_SESSION_BOUND || atomic_load(&c->stopping))
        return;
    while (c->queue && c->outstanding < c->set.window && now >= c->paused_until &&
           smpp_session_backlog(c->session) < BACKLOG_MAX && token(c, now))
        if (submit_next(c, now) < 0)
            break;
}

/* ---- what the session tells */

static void on_bound(void *ctx)
{
    sms_channel *c = ctx;

    c->claim_due = 1;
    c->pause_ms = THROTTLE_FIRST_MS;
    c->paused_until = 0;
}

static int throttling(uint32_t status)
{
    return status == SMPP_PDU_ESME_RTHROTTLED || status == SMPP_PDU_ESME_RMSGQFUL;
}

/* The SMSC asks us to slow down: the segment goes back to the front of
 * the queue and nothing is submitted for a while, longer each time the
 * SMSC still throttles after a pause. */
static void throttled(sms_channel *c, sms_alert *a, int seg, uint32_t status, long long now)
{
    a->state[seg] = SEG_UNSENT;
    queue_push(c, a, 1);
    c->throttled++;
    if (now < c->paused_until)
        return; /* the answers to what went before this pause */
    c->paused_until = now + c->pause_ms;
    if (now - c->throttle_logged_ms >= 1000) {
        log_warn("sms: the SMSC is throttling (0x%08x); pausing submits for %ld ms"
                 " (%lld throttled so far, each sent again)",
                 status, c->pause_ms, c->throttled);
        c->throttle_logged_ms = now;
    }
    c->pause_ms = c->pause_ms * 2 > THROTTLE_MAX_MS ? THROTTLE_MAX_MS : c->pause_ms * 2;
}

static void accepted(sms_channel *c, sms_alert *a, int seg, const char *message_id)
{
    result *r;

    a->state[seg] = SEG_ACCEPTED;
    str_copy(a->ref[seg], sizeof a->ref[seg], message_id);
    a->accepted++;
    if (c->pause_ms > THROTTLE_FIRST_MS)
        c->pause_ms /= 2;
    if (a->accepted < a->nseg || a->failed)
        return;
    if (!message_id[0] && !a->ref[0][0])
        log_warn("sms: the SMSC accepted alert %lld without a message id: no receipt will"
                 " match it", a->id);
    if ((r = result_add(c, RESULT_ACCEPTED, a->id))) {
        r->nref = a->nseg;
        memcpy(r->ref, a->ref, sizeof r->ref);
    }
}

static void on_submit_resp(void *ctx, uint32_t seq, uint32_t status, const char *message_id)
{
    sms_channel *c = ctx;
    inflight *slot = slot_find(c, seq);
    long long now = clock_now_ms();

    if (!slot) {
        log_warn("sms: an answer (status 0x%08x) to sequence %u, which we did not send or"
                 " already had answered: ignored", status, seq);
        return;
    }
    sms_alert *a = slot->alert;
    int seg = slot->seg;
    slot->seq = 0;
    c->outstanding--;
    a->outstanding--;
    if (status == SMPP_PDU_ESME_ROK)
        accepted(c, a, seg, message_id);
    else if (throttling(status) && !a->failed)
        throttled(c, a, seg, status, now);
    else if (!a->failed) {
        char reason[64];
        snprintf(reason, sizeof reason, "SMSC refused: 0x%08x", status);
        log_warn("sms: alert %lld %s", a->id, reason);
        alert_fail(c, a, reason);
    }
    alert_maybe_done(c, a);
}

/* The reason a final receipt that is no delivery gives. */
static void receipt_reason(const smpp_receipt *r, char *out, size_t cap)
{
    if (r->err[0])
        snprintf(out, cap, "SMSC receipt: %s (err %s)", smpp_receipt_stat_name(r->stat), r->err);
    else
        snprintf(out, cap, "SMSC receipt: %s", smpp_receipt_stat_name(r->stat));
}

static void on_deliver(void *ctx, uint32_t seq, const struct smpp_pdu_message *m)
{
    sms_channel *c = ctx;
    smpp_receipt rc;
    const char *why = NULL;
    result *r;

    if ((m->esm_class & 0x3C) != SMPP_PDU_ESM_DELIVERY_RECEIPT) {
        log_info("sms: a deliver_sm that is no receipt (esm_class 0x%02x): answered, not kept",
                 m->esm_class);
        smpp_session_deliver_resp(c->session, seq, SMPP_PDU_ESME_ROK);
        return;
    }
    if (smpp_receipt_parse((const char *)m->short_message, m->short_message_len, &rc, &why)) {
        /* Answered all the same: sending it again would not mend it. */
        log_warn("sms: a receipt we cannot read (%s): answered, not recorded", why);
        smpp_session_deliver_resp(c->session, seq, SMPP_PDU_ESME_ROK);
        return;
    }
    if (m->receipted_message_id[0] && strcmp(m->receipted_message_id, rc.id) != 0)
        log_warn("sms: a receipt names \"%s\" in its text and \"%s\" in receipted_message_id;"
                 " taking the latter", rc.id, m->receipted_message_id);
    if (!smpp_receipt_stat_is_final(rc.stat) || !(r = result_add(c, RESULT_RECEIPT, 0))) {
        smpp_session_deliver_resp(c->session, seq, SMPP_PDU_ESME_ROK);
        return;
    }
    str_copy(r->ref[0], sizeof r->ref[0], m->receipted_message_id[0] ? m->receipted_message_id : rc.id);
    r->nref = 1;
    r->delivered = smpp_receipt_stat_is_delivered(rc.stat);
    r->deliver_seq = seq;
    receipt_reason(&rc, r->reason, sizeof r->reason);
}

/* The connection is gone: what was answered is recorded first; alerts
 * never sent go back to the queue as they were; those sent without an
 * answer are queued again as possible duplicates (or fail, if they were
 * already). */
static void on_lost(void *ctx, const char *why)
{
    sms_channel *c = ctx;
    int unclaimed = 0, failed = 0, requeued;
    char at[25];

    flush_results(c);
    clock_rfc3339_ms(at, clock_now_ms());
    pthread_mutex_lock(c->lock);
    if (platform_db_begin(c->db) == 0) {
        for (sms_alert *a = c->all; a; a = a->next)
            if (!a->sent_any && !a->failed)
                unclaimed += platform_db_outbox_unclaim(c->db, SMS_CHANNEL_NAME, a->id) == 1;
        requeued = platform_db_outbox_requeue(c->db, SMS_CHANNEL_NAME, at, &failed);
        if (requeued < 0 || platform_db_commit(c->db) != 0) {
            platform_db_rollback(c->db);
            requeued = -1;
        }
    } else
        requeued = -1;
    pthread_mutex_unlock(c->lock);
    if (requeued < 0)
        log_error("sms: cannot queue the unanswered alerts again; the next start will");
    else if (c->outstanding || requeued || failed || unclaimed)
        log_warn("sms: connection lost (%s): %d alerts sent without an answer queued again as"
                 " possible duplicates, %d failed (outcome unknown twice), %d not yet sent"
                 " back in the queue", why, requeued, failed, unclaimed);
    while (c->all)
        alert_free(c, c->all);
    memset(c->slots, 0, (size_t)c->set.window * sizeof *c->slots);
    c->outstanding = 0;
    c->claim_due = 1;
}

/* ---- the thread */

static long timeouts(sms_channel *c, long long now)
{
    long wait = smpp_session_tick(c->session, now);

    for (long i = 0; c->outstanding && i < c->set.window; i++)
        if (c->slots[i].seq && now - c->slots[i].sent_ms >= RESPONSE_TIMEOUT_MS) {
            smpp_session_drop(c->session, now, "a submit_sm unanswered for 30 s");
            return 1;
        }
    if (c->nresults) {
        long left = (long)(c->first_result_ms + FLUSH_AFTER_MS - now);
        wait = left < wait ? (left < 0 ? 0 : left) : wait;
    }
    if (c->queue && c->outstanding < c->set.window &&
        smpp_session_state_of(c->session) == SMPP_SESSION_BOUND) {
        long left = now < c->paused_until ? (long)(c->paused_until - now) : 1;
        wait = left < wait ? left : wait;
    }
    return wait;
}

static void drain_wake(sms_channel *c)
{
    uint64_t v;

    while (read(c->wake_fd, &v, sizeof v) == sizeof v)
        c->claim_due = 1;
}

/* One round: wait, read and write, record, claim, submit. */
static void round_once(sms_channel *c, long wait)
{
    struct pollfd fds[2] = {{.fd = c->wake_fd, .events = POLLIN}};
    short events = 0;
    int fd = smpp_session_pollfd(c->session, &events);

    fds[1] = (struct pollfd){.fd = fd, .events = events};
    if (poll(fds, fd >= 0 ? 2 : 1, (int)wait) < 0 && errno != EINTR)
        log_warn("sms: poll: %s", strerror(errno));
    long long now = clock_now_ms();
    if (fds[0].revents)
        drain_wake(c);
    if (fd >= 0 && fds[1].revents)
        smpp_session_io(c->session, fds[1].revents, now);
    if (c->nresults &&
        (c->nresults >= FLUSH_MAX || now - c->first_result_ms >= FLUSH_AFTER_MS))
        flush_results(c);
    if (smpp_session_state_of(c->session) == SMPP_SESSION_BOUND && !atomic_load(&c->stopping) &&
        (c->claim_due || now >= c->next_claim_ms))
        claim(c, now);
    pump(c, now);
    smpp_session_io(c->session, POLLOUT, now); /* what pump queued leaves now */
}

/* At stop: waits a moment for the answers outstanding, records them, and
 * unbinds; on_lost then deals with what stayed unanswered. */
static void finish(sms_channel *c)
{
    long long until = clock_now_ms() + STOP_DRAIN_MS;

    while (c->outstanding && clock_now_ms() < until &&
           smpp_session_state_of(c->session) == SMPP_SESSION_BOUND)
        round_once(c, 50);
    flush_results(c);
    smpp_session_io(c->session, POLLOUT, clock_now_ms());
    if (smpp_session_unbind(c->session, clock_now_ms()))
        while (smpp_session_state_of(c->session) == SMPP_SESSION_UNBINDING)
            round_once(c, smpp_session_tick(c->session, clock_now_ms()));
    if (c->all || c->nresults)
        on_lost(c, "stopping");
}

static void *channel_main(void *arg)
{
    sms_channel *c = arg;

    while (!atomic_load(&c->stopping))
        round_once(c, timeouts(c, clock_now_ms()));
    finish(c);
    return NULL;
}

sms_channel *sms_channel_start(const sms_settings *s, platform_db *db, pthread_mutex_t *lock,
                               char *err, size_t errlen)
{
    sms_channel *c = calloc(1, sizeof *c);
    smpp_session_handler h;

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->set = *s;
    c->db = db;
    c->lock = lock;
    c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    c->slots = calloc((size_t)s->window, sizeof *c->slots);
    c->pause_ms = THROTTLE_FIRST_MS;
    c->tokens_ms = clock_now_ms();
    h = (smpp_session_handler){.ctx = c, .bound = on_bound, .lost = on_lost,
                               .submit_resp = on_submit_resp, .deliver = on_deliver};
    c->session = c->wake_fd >= 0 && c->slots ? smpp_session_new(&s->session, &h) : NULL;
    sms_settings_wipe(&c->set);
    if (!c->session || pthread_create(&c->thread, NULL, channel_main, c) != 0) {
        snprintf(err, errlen, "cannot start the SMS channel (out of memory or TLS set-up)");
        smpp_session_free(c->session);
        if (c->wake_fd >= 0)
            close(c->wake_fd);
        free(c->slots);
        free(c);
        return NULL;
    }
    log_info("sms: carrier channel to %s:%d as \"%s\"%s, window %ld, %s receipts%s",
             s->session.host, s->session.port, s->session.system_id,
             s->session.tls ? " over TLS" : "", s->window, s->receipts ? "with" : "without",
             s->max_per_s ? ", rate capped" : "");
    return c;
}

void sms_channel_wake(sms_channel *c)
{
    uint64_t one = 1;

    if (write(c->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        log_warn("sms: cannot wake the channel: %s", strerror(errno));
}

void sms_channel_stop(sms_channel *c)
{
    if (!c)
        return;
    atomic_store(&c->stopping, 1);
    sms_channel_wake(c);
    pthread_join(c->thread, NULL);
    smpp_session_free(c->session);
    close(c->wake_fd);
    free(c->slots);
    free(c->results);
    free(c);
}
