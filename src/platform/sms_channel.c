/* sms_channel.c -- see sms_channel.h. The SMPP side of the carrier
 * channel: one thread, one poll loop, no database call (sms_store.c
 * makes those on a thread of its own, so the window never waits for the
 * disk). Each round it
 *
 *   takes   the alerts the store claimed (already on disk as submitting);
 *   submits their segments (sms_text.h) while fewer than `window` wait
 *           for an answer, within max_per_s and any throttling pause;
 *   reads   submit_sm_resp: OK keeps the SMSC's message id (the first
 *           segment's is the alert's reference, every segment's is kept,
 *           since a receipt may name any); ESME_RTHROTTLED or
 *           ESME_RMSGQFUL puts the segment back and pauses, longer each
 *           time; any other status fails the alert; deliver_sm receipts
 *           (smpp_receipt.h) become outcomes too, after the outcome of
 *           their alert: a receipt for a segment of an alert whose other
 *           segments are still unanswered waits for them (the store
 *           knows an alert's message ids once all are in; one whose
 *           alert fails instead names no alert the store knows);
 *   gives   the outcomes to the store, and answers each receipt only once
 *           the store has recorded it, so an SMSC that hears nothing
 *           sends it again.
 *
 * When the connection drops, the alerts never sent go back to the queue
 * as they were, and those sent without an answer are queued again as
 * possible duplicates (platform_db.h: resent once, recorded). An answer
 * the store had not yet recorded when the process died leaves its alert
 * submitting, which the next start treats the same way. */
#include "sms_channel.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "smpp_message_id.h"
#include "smpp_receipt.h"
#include "sms_receipt_read.h"
#include "sms_store.h"
#include "str_copy.h"

#define THROTTLE_FIRST_MS 20
#define THROTTLE_MAX_MS 5000
#define STOP_DRAIN_MS 2000        /* at stop, how long answers are awaited */
#define BACKLOG_MAX 65536         /* octets unwritten before the window stops filling */
#define ANSWERS_AT_ONCE 256
#define RECEIPT_RACE_MS 5000      /* how long a receipt no alert has may be early */
#define EARLY_MAX 1024            /* such receipts remembered at once */

/* A submit_sm waiting for its answer. */
typedef struct inflight {
    uint32_t seq; /* 0: a free slot */
    sms_alert *alert;
    int seg;
    long long sent_ms;
} inflight;

struct sms_channel {
    sms_settings set;
    smpp_session *session;
    sms_store *store;
    pthread_t thread;
    int wake_fd;
    atomic_int stopping;

    sms_alert *all;                /* every alert held */
    sms_alert *partial;            /* those accepted in part (by pnext) */
    sms_alert *queue, *queue_tail; /* those with segments to send, oldest first */
    long held, freed;              /* alerts held; let go since the store last heard */
    inflight *slots;               /* `window` of them */
    long outstanding;
    unsigned gen;                  /* the connection's number: receipts answer on theirs */

    sms_result *results; /* this round's outcomes, for the store */
    size_t nresults, results_cap;

    long long paused_until, tokens_ms;
    long long last_sent_ms; /* the last submit_sm, on the monotonic clock */
    /* Receipts no alert had when first recorded, and when (a ring) */
    struct early_receipt {
        char id[SMS_REF_MAX + 1];
        long long first_ms;
    } early[EARLY_MAX];
    int nearly, early_next;
    long pause_ms;
    double tokens;
    long long throttle_logged_ms;
    /* For the log at stop. */
    long long submitted, accepted_n, failed_n, throttled, receipts_n;
};

/* ---- alerts held */

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

/* Holds the alerts the store claimed (a list by qnext). */
static void hold(sms_channel *c, sms_alert *list)
{
    while (list) {
        sms_alert *a = list;
        list = a->qnext;
        a->qnext = NULL;
        a->prev = NULL;
        a->next = c->all;
        if (c->all)
            c->all->prev = a;
        c->all = a;
        c->held++;
        queue_push(c, a, 0);
    }
}

/* ---- receipts ahead of their alert */

static void partial_add(sms_channel *c, sms_alert *a)
{
    if (a->partial)
        return;
    a->partial = 1;
    a->pnext = c->partial;
    c->partial = a;
}

static void partial_remove(sms_channel *c, sms_alert *a)
{
    sms_alert **pp = &c->partial;

    if (!a->partial)
        return;
    while (*pp && *pp != a)
        pp = &(*pp)->pnext;
    if (*pp)
        *pp = a->pnext;
    a->pnext = NULL;
    a->partial = 0;
}

static void alert_free(sms_channel *c, sms_alert *a)
{
    /* Receipts still parked were never answered: the SMSC sends them again. */
    partial_remove(c, a);
    free(a->parked);
    queue_remove(c, a);
    if (a->prev)
        a->prev->next = a->next;
    else
        c->all = a->next;
    if (a->next)
        a->next->prev = a->prev;
    c->held--;
    c->freed++;
    free(a);
}

/* Lets an alert go once nothing more will come of it. */
static void alert_maybe_done(sms_channel *c, sms_alert *a)
{
    if (a->outstanding == 0 && (a->failed || a->accepted == a->nseg))
        alert_free(c, a);
}

/* ---- outcomes */

static sms_result *result_add(sms_channel *c, sms_result_kind kind, long long id)
{
    if (c->nresults == c->results_cap) {
        size_t cap = c->results_cap ? c->results_cap * 2 : 256;
        sms_result *r = realloc(c->results, cap * sizeof *r);
        if (!r)
            return NULL;
        c->results = r;
        c->results_cap = cap;
    }
    sms_result *r = &c->results[c->nresults++];
    r->kind = kind;
    r->id = id;
    r->unknown = 0;
    r->delivered = r->nref = 0;
    r->deliver_seq = 0;
    r->gen = c->gen;
    r->reason[0] = '\0';
    r->ref[0][0] = '\0';
    return r;
}

/* The alert accepted in part one of whose segments has message id id. */
static sms_alert *partial_owner(sms_channel *c, const char *id)
{
    for (sms_alert *a = c->partial; a; a = a->pnext)
        for (int i = 0; i < a->nseg; i++)
            if (a->state[i] == SMS_SEG_ACCEPTED && strcmp(a->ref[i], id) == 0)
                return a;
    return NULL;
}

/* Keeps a copy of receipt r with its alert: 0, or -1 out of memory. */
static int park(sms_alert *a, const sms_result *r, long long now)
{
    sms_result *p = realloc(a->parked, (size_t)(a->nparked + 1) * sizeof *p);

    if (!p)
        return -1;
    if (!a->nparked)
        a->parked_ms = now;
    a->parked = p;
    a->parked[a->nparked++] = *r;
    return 0;
}

/* An SMSC waits for a deliver_sm's answer, and may give up on the link
 * when it waits long; an alert's other segments may stay throttled for
 * minutes (up to throttled_max). So receipts parked RECEIPT_RACE_MS are
 * answered "try again later" (ESME_RX_T_APPN), as an early receipt whose
 * alert the store does not know yet is, and the SMSC sends them again.
 * Returns the milliseconds until the next parked receipt is due. */
static long parked_expire(sms_channel *c, long long now)
{
    long wait = RECEIPT_RACE_MS;

    for (sms_alert *a = c->partial; a; a = a->pnext) {
        if (!a->nparked)
            continue;
        long left = (long)(a->parked_ms + RECEIPT_RACE_MS - now);
        if (left > 0) {
            wait = left < wait ? left : wait;
            continue;
        }
        log_info("sms: alert %lld: %d receipt(s) that came before its other segments were"
                 " accepted, answered \"try again later\" after %d s", a->id, a->nparked,
                 RECEIPT_RACE_MS / 1000);
        for (int i = 0; i < a->nparked; i++)
            if (a->parked[i].gen == c->gen)
                smpp_session_deliver_resp(c->session, a->parked[i].deliver_seq,
                                          SMPP_PDU_ESME_RX_T_APPN);
        free(a->parked);
        a->parked = NULL;
        a->nparked = 0;
    }
    return wait;
}

/* The alert's outcome is out: the receipts that came before it follow. */
static void unpark(sms_channel *c, sms_alert *a)
{
    sms_result *r;

    partial_remove(c, a);
    for (int i = 0; i < a->nparked; i++)
        if ((r = result_add(c, SMS_RECEIPT, 0)))
            *r = a->parked[i];
    free(a->parked);
    a->parked = NULL;
    a->nparked = 0;
}

static void alert_fail(sms_channel *c, sms_alert *a, const char *reason)
{
    sms_result *r;

    if (a->failed)
        return;
    a->failed = 1;
    c->failed_n++;
    queue_remove(c, a);
    if ((r = result_add(c, SMS_FAILED, a->id)))
        str_copy(r->reason, sizeof r->reason, reason);
    unpark(c, a);
}

/* Hands this round's outcomes to the store. */
static void give(sms_channel *c)
{
    if (c->nresults || c->freed)
        sms_store_give(c->store, c->results, c->nresults, c->freed);
    c->nresults = 0;
    c->freed = 0;
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
    if (!seq) /* a free slot's mark, never a sequence SMPP allows */
        return NULL;
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
    for (i = 0; i < a->nseg && a->state[i] != SMS_SEG_UNSENT; i++)
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
    c->last_sent_ms = now;
    c->submitted++;
    a->state[i] = SMS_SEG_OUTSTANDING;
    a->outstanding++;
    a->sent_any = 1;
    c->outstanding++;
    for (i++; i < a->nseg && a->state[i] != SMS_SEG_UNSENT; i++)
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

    c->pause_ms = THROTTLE_FIRST_MS;
    c->paused_until = 0;
    sms_store_bound(c->store, 1);
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
    a->state[seg] = SMS_SEG_UNSENT;
    /* The SMSC took nothing: if the link goes before it is sent again,
     * the alert is unsent, not a possible duplicate. */
    if (!a->outstanding && !a->accepted)
        a->sent_any = 0;
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

/* An SMSC that throttles one alert for good (a full queue for its
 * destination, say) would keep it submitting for ever, and every report
 * after it waiting: its [sms] throttled_max'th throttled answer in a row
 * (some 10 minutes of pauses at 120, the default) fails it instead, if
 * the SMSC took other alerts meanwhile. One that throttles everything is
 * slow, not refusing this alert: it waits. */
static int throttled_too_long(sms_channel *c, sms_alert *a)
{
    if (a->throttles++ == 0)
        a->accepted_at = c->accepted_n;
    return a->throttles >= c->set.throttled_max && c->accepted_n != a->accepted_at;
}

/* A segment's message id as its receipt will be matched: the key of
 * [sms] submit_id's form. One not in that form keeps no key, so that no
 * receipt settles the alert by mistake: said, for the operator. */
static void ref_set(sms_channel *c, sms_alert *a, int seg, const char *message_id)
{
    if (smpp_message_id_key(message_id, c->set.submit_id, a->ref[seg], sizeof a->ref[seg]) &&
        message_id[0])
        log_warn("sms: alert %lld: the SMSC's message id \"%s\" is no %s number ([sms]"
                 " submit_id): no receipt will match it", a->id,
                 sms_id_visible(message_id) ? message_id : "(not visible ASCII)",
                 smpp_id_form_name(c->set.submit_id));
}

static void accepted(sms_channel *c, sms_alert *a, int seg, const char *message_id)
{
    sms_result *r;

    a->state[seg] = SMS_SEG_ACCEPTED;
    a->throttles = 0;
    ref_set(c, a, seg, message_id);
    a->accepted++;
    if (c->pause_ms > THROTTLE_FIRST_MS)
        c->pause_ms /= 2;
    if (a->failed)
        return;
    if (a->accepted < a->nseg) {
        partial_add(c, a);
        return;
    }
    if (!message_id[0] && !a->ref[0][0])
        log_warn("sms: the SMSC accepted alert %lld without a message id: no receipt will"
                 " match it", a->id);
    c->accepted_n++;
    if ((r = result_add(c, SMS_ACCEPTED, a->id))) {
        r->nref = a->nseg;
        memcpy(r->ref, a->ref, sizeof r->ref);
    }
    unpark(c, a);
}

static void on_submit_resp(void *ctx, uint32_t seq, uint32_t status, const char *message_id)
{
    sms_channel *c = ctx;
    inflight *slot = slot_find(c, seq);
    long long now = clock_mono_ms();

    if (!slot) {
        log_warn("sms: an answer (status 0x%08x) to sequence %u, which we did not send or"
                 " already had answered: ignored", status, seq);
        return;
    }
    sms_alert *a = slot->alert;
    int seg = slot->seg;
    *slot = (inflight){0};
    c->outstanding--;
    a->outstanding--;
    if (status == SMPP_PDU_ESME_ROK)
        accepted(c, a, seg, message_id);
    else if (throttling(status) && !a->failed && !throttled_too_long(c, a))
        throttled(c, a, seg, status, now);
    else if (!a->failed && throttling(status)) {
        char reason[64];
        snprintf(reason, sizeof reason, "SMSC throttled it %ld times: 0x%08x",
                 c->set.throttled_max, status);
        log_warn("sms: alert %lld: %s", a->id, reason);
        alert_fail(c, a, reason);
    } else if (!a->failed) {
        char reason[64];
        snprintf(reason, sizeof reason, "SMSC refused: 0x%08x", status);
        log_warn("sms: alert %lld %s", a->id, reason);
        alert_fail(c, a, reason);
    }
    alert_maybe_done(c, a);
}

static void on_deliver(void *ctx, uint32_t seq, const struct smpp_pdu_message *m)
{
    sms_channel *c = ctx;
    smpp_receipt rc;
    const char *why = NULL;
    sms_result *r;
    int from_text;

    if ((m->esm_class & 0x3C) != SMPP_PDU_ESM_DELIVERY_RECEIPT) {
        log_info("sms: a deliver_sm that is no receipt (esm_class 0x%02x): answered, not kept",
                 m->esm_class);
        smpp_session_deliver_resp(c->session, seq, SMPP_PDU_ESME_ROK);
        return;
    }
    if (sms_receipt_read(m, &rc, &from_text, &why)) {
        /* Answered all the same: sending it again would not mend it. */
        log_warn("sms: a receipt we cannot read (%s): answered, not recorded", why);
        smpp_session_deliver_resp(c->session, seq, SMPP_PDU_ESME_ROK);
        return;
    }
    if (!smpp_receipt_stat_is_final(rc.stat) || !(r = result_add(c, SMS_RECEIPT, 0))) {
        smpp_session_deliver_resp(c->session, seq, SMPP_PDU_ESME_ROK);
        return;
    }
    sms_receipt_key(&c->set, m, &rc, from_text, r->ref[0], sizeof r->ref[0]);
    r->nref = 1;
    r->delivered = smpp_receipt_stat_is_delivered(rc.stat);
    r->deliver_seq = seq;
    c->receipts_n++;
    sms_receipt_reason(&rc, r->reason, sizeof r->reason);
    sms_alert *a = c->partial ? partial_owner(c, r->ref[0]) : NULL;
    if (a && park(a, r, clock_mono_ms()) == 0)
        c->nresults--; /* recorded after its alert's outcome */
}

/* The connection is gone: the outcomes so far go to the store first,
 * then the alerts held are let go, the store told which were never sent. */
static void on_lost(void *ctx, const char *why)
{
    sms_channel *c = ctx;
    long long *unsent = calloc((size_t)c->held + 1, sizeof *unsent);
    size_t n = 0;
    long held = c->held;

    sms_store_bound(c->store, 0);
    give(c);
    for (sms_alert *a = c->all; a; a = a->next)
        if (!a->sent_any && !a->failed && unsent)
            unsent[n++] = a->id;
    if (c->outstanding)
        log_warn("sms: %ld submit_sm unanswered when the connection went (%s)", c->outstanding,
                 why);
    /* Every alert goes: the queue is emptied at once, or each free would
     * walk it from its head (held alerts are freed newest first). */
    for (sms_alert *q = c->queue; q; q = q->qnext)
        q->queued = 0;
    c->queue = c->queue_tail = NULL;
    while (c->all)
        alert_free(c, c->all);
    c->freed = 0;
    sms_store_lost(c->store, unsent, n, held, why);
    free(unsent);
    memset(c->slots, 0, (size_t)c->set.window * sizeof *c->slots);
    c->outstanding = 0;
    c->gen++;
}

/* ---- the thread */

static long timeouts(sms_channel *c, long long now)
{
    long wait = smpp_session_tick(c->session, now);
    long parked_wait = c->partial ? parked_expire(c, now) : wait;

    wait = parked_wait < wait ? parked_wait : wait;
    for (long i = 0; c->outstanding && i < c->set.window; i++)
        if (c->slots[i].seq && now - c->slots[i].sent_ms >= c->set.response_timeout_s * 1000) {
            char why[64];
            snprintf(why, sizeof why, "a submit_sm unanswered for %ld s",
                     c->set.response_timeout_s);
            smpp_session_drop(c->session, now, why);
            return 1;
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
        ;
}

/* What a recorded receipt is answered. One whose message id no alert
 * has may have overtaken its submit_sm_resp (an SMSC may send the two
 * in either order), whose message id is then on its way to the store:
 * for RECEIPT_RACE_MS from its first coming, while submits are in flight
 * or were lately, it is answered "try again later" (ESME_RX_T_APPN),
 * which an SMSC meets by sending it again, so that it is not lost. After
 * that, or on a quiet link, it is answered as taken: a receipt no alert
 * will ever have (a segment of an alert that failed part-way, a first
 * attempt sent again) would otherwise come back for ever. */
static uint32_t receipt_status(sms_channel *c, const sms_answer *a)
{
    long long now = clock_mono_ms();
    struct early_receipt *e = NULL;

    if (!a->unknown || (!c->outstanding && now - c->last_sent_ms >= RECEIPT_RACE_MS))
        return SMPP_PDU_ESME_ROK;
    for (int i = 0; i < c->nearly && !e; i++)
        if (!strcmp(c->early[i].id, a->ref))
            e = &c->early[i];
    if (!e) { /* its first coming: remembered, over the oldest when full */
        e = &c->early[c->early_next];
        c->early_next = (c->early_next + 1) % EARLY_MAX;
        if (c->nearly < EARLY_MAX)
            c->nearly++;
        str_copy(e->id, sizeof e->id, a->ref);
        e->first_ms = now;
    }
    return now - e->first_ms < RECEIPT_RACE_MS ? SMPP_PDU_ESME_RX_T_APPN : SMPP_PDU_ESME_ROK;
}

/* Answers the receipts the store has recorded, those of this connection. */
static void answer_receipts(sms_channel *c)
{
    sms_answer a[ANSWERS_AT_ONCE];
    size_t n;

    while ((n = sms_store_answers(c->store, a, ANSWERS_AT_ONCE)) > 0)
        for (size_t i = 0; i < n; i++)
            if (a[i].gen == c->gen)
                smpp_session_deliver_resp(c->session, a[i].seq, receipt_status(c, &a[i]));
}

/* One round: wait, read and write, take, submit, give. */
static void round_once(sms_channel *c, long wait)
{
    struct pollfd fds[2] = {{.fd = c->wake_fd, .events = POLLIN}};
    short events = 0;
    int fd = smpp_session_pollfd(c->session, &events);

    fds[1] = (struct pollfd){.fd = fd, .events = events};
    if (poll(fds, fd >= 0 ? 2 : 1, (int)wait) < 0 && errno != EINTR)
        log_warn("sms: poll: %s", strerror(errno));
    long long now = clock_mono_ms();
    if (fds[0].revents)
        drain_wake(c);
    if (fd >= 0 && fds[1].revents)
        smpp_session_io(c->session, fds[1].revents, now);
    answer_receipts(c);
    /* (asked only while bound: a loss under way queues them again, and its
     * recovery clears the flag) */
    if (smpp_session_state_of(c->session) == SMPP_SESSION_BOUND &&
        sms_store_take_gave_up(c->store))
        smpp_session_drop(c->session, now, "outcomes that could not be recorded were given up");
    if (smpp_session_state_of(c->session) == SMPP_SESSION_BOUND && !atomic_load(&c->stopping))
        hold(c, sms_store_take(c->store));
    pump(c, now);
    give(c);
    /* What this round queued leaves now. Not while connecting: a socket
     * still in its handshake is not writable, and taking it for one sent
     * the bind early and named a refused connect as a closed one. */
    if (smpp_session_state_of(c->session) != SMPP_SESSION_CONNECTING)
        smpp_session_io(c->session, POLLOUT, now);
}

/* At stop: waits a moment for the answers outstanding, hands them over,
 * and unbinds; on_lost then deals with what stayed unanswered. */
static void finish(sms_channel *c)
{
    long long until = clock_mono_ms() + STOP_DRAIN_MS;

    while (c->outstanding && clock_mono_ms() < until &&
           smpp_session_state_of(c->session) == SMPP_SESSION_BOUND)
        round_once(c, 50);
    give(c);
    if (smpp_session_unbind(c->session, clock_mono_ms()))
        while (smpp_session_state_of(c->session) == SMPP_SESSION_UNBINDING)
            round_once(c, smpp_session_tick(c->session, clock_mono_ms()));
    if (c->all)
        on_lost(c, "stopping");
    give(c);
}

static void *channel_main(void *arg)
{
    sms_channel *c = arg;

    while (!atomic_load(&c->stopping))
        round_once(c, timeouts(c, clock_mono_ms()));
    finish(c);
    return NULL;
}

/* How many alerts the store claims at once (and holds at most twice
 * that): enough that the window does not run dry while a claim waits
 * for its fsync, which on a busy disk takes 50 ms and more (batches of
 * 500 left it idle a tenth of the time at 3,000 a second), few enough
 * that a crash finds few claimed but never sent, which are then queued
 * again as possible duplicates, and memory stays small (~2 KiB an
 * alert). */
static long claim_batch(const sms_settings *s)
{
    return s->window * 10 > 1000 ? s->window * 10 : 1000;
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
    c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    c->slots = calloc((size_t)s->window, sizeof *c->slots);
    c->pause_ms = THROTTLE_FIRST_MS;
    c->tokens_ms = clock_mono_ms();
    h = (smpp_session_handler){.ctx = c, .bound = on_bound, .lost = on_lost,
                               .submit_resp = on_submit_resp, .deliver = on_deliver};
    c->session = c->wake_fd >= 0 && c->slots ? smpp_session_new(&s->session, &h) : NULL;
    sms_settings_wipe(&c->set);
    if (c->session)
        c->store = sms_store_start(db, lock, claim_batch(s), c->wake_fd);
    if (!c->store || pthread_create(&c->thread, NULL, channel_main, c) != 0) {
        snprintf(err, errlen, "cannot start the SMS channel (out of memory or TLS set-up)");
        sms_store_stop(c->store);
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
    sms_store_wake(c->store);
}

void sms_channel_stop(sms_channel *c)
{
    if (!c)
        return;
    atomic_store(&c->stopping, 1);
    uint64_t one = 1;
    if (write(c->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        log_warn("sms: cannot wake the channel: %s", strerror(errno));
    pthread_join(c->thread, NULL);
    long long db_ms = sms_store_db_ms(c->store);
    sms_store_stop(c->store);
    log_info("sms: stopped after %lld submit_sm: %lld alerts accepted, %lld failed, %lld"
             " throttled answers, %lld final receipts; %lld ms in the database",
             c->submitted, c->accepted_n, c->failed_n, c->throttled, c->receipts_n, db_ms);
    smpp_session_free(c->session);
    close(c->wake_fd);
    free(c->slots);
    free(c->results);
    free(c);
}
