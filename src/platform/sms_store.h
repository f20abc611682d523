/* sms_store.h -- the carrier channel's database side: a thread of its
 * own that claims queued alerts and records what the SMSC answered.
 *
 * Every commit here is synced to disk (~5 ms), and the SMPP side
 * (sms_channel.c) must not wait for one: its window would drain while
 * the disk works. So the two sides hand each other work under one mutex:
 * the store claims alerts ahead (ready before the window needs them),
 * takes the channel's outcomes and records them in one transaction a few
 * times a second, and gives back the receipts it recorded, which the
 * channel only then answers. Claims are durable before the channel sees
 * their alerts, so nothing is sent before it is on disk as submitting. */
#ifndef HERALD_SMS_STORE_H
#define HERALD_SMS_STORE_H

#include <pthread.h>
#include <stdint.h>

#include "platform_db.h"
#include "smpp_pdu.h"
#include "sms_text.h"

#ifndef SMS_CHANNEL_NAME
#define SMS_CHANNEL_NAME "sms" /* the name its alerts carry in the outbox */
#endif
#define SMS_REF_MAX SMPP_PDU_MESSAGE_ID_MAX

enum { SMS_SEG_UNSENT, SMS_SEG_OUTSTANDING, SMS_SEG_ACCEPTED };

/* A claimed alert in memory, split into its segments (the store splits
 * it; the channel sends it), from its claim until every segment is
 * answered. */
typedef struct sms_alert {
    long long id;
    int duplicate;
    char phone[SMPP_PDU_ADDR_MAX + 1];
    int nseg, outstanding, accepted, sent_any, failed, queued;
    long throttles;        /* throttled answers in a row to its segments */
    long long accepted_at; /* the channel's accepted count at the first of them */
    uint8_t state[SMS_TEXT_MAX_SEGMENTS];
    sms_segment seg[SMS_TEXT_MAX_SEGMENTS];
    char ref[SMS_TEXT_MAX_SEGMENTS][SMS_REF_MAX + 1];
    struct sms_alert *prev, *next; /* the channel's list of every alert it holds */
    struct sms_alert *qnext;       /* its queue of those with segments to send */
    /* Accepted in part: on the channel's list (pnext) of alerts a receipt
     * may name before the store knows them, with the receipts that did. */
    int partial, nparked;
    long long parked_ms; /* when the first receipt parked came (monotonic) */
    struct sms_alert *pnext;
    struct sms_result *parked;
} sms_alert;

typedef enum { SMS_ACCEPTED, SMS_FAILED, SMS_RECEIPT } sms_result_kind;

/* An outcome for the store to record. */
typedef struct sms_result {
    sms_result_kind kind;
    long long id;      /* the alert (ACCEPTED, FAILED) */
    int delivered, nref;
    char ref[SMS_TEXT_MAX_SEGMENTS][SMS_REF_MAX + 1]; /* the first is the alert's */
    char reason[160];
    uint32_t deliver_seq; /* RECEIPT: its deliver_sm, answered once recorded */
    unsigned gen;         /* RECEIPT: the connection it came on */
    int unknown;          /* RECEIPT: set by the store when no alert has its id */
} sms_result;

/* A receipt recorded, for the channel to answer. */
typedef struct sms_answer {
    uint32_t seq;
    unsigned gen;
    int unknown;                 /* no alert has its message id (yet) */
    char ref[SMS_REF_MAX + 1];   /* that message id, when unknown */
} sms_answer;

typedef struct sms_store sms_store;

/* Starts the thread; wake_fd (an eventfd) is written whenever the channel
 * has something to take. batch: how many alerts a claim takes. */
sms_store *sms_store_start(platform_db *db, pthread_mutex_t *lock, long batch, int wake_fd);
/* Records what is left, then ends the thread. */
void sms_store_stop(sms_store *s);

/* New alerts are queued: claim now, not at the next look. */
void sms_store_wake(sms_store *s);
/* Claims are made only while the channel is bound. */
void sms_store_bound(sms_store *s, int bound);

/* The channel's calls, once a round. */
/* The alerts claimed since the last call (a list by qnext), or NULL;
 * none while a loss is being recovered. */
sms_alert *sms_store_take(sms_store *s);
/* Hands over n outcomes (copied) and says how many alerts the channel
 * let go of since the last call. */
void sms_store_give(sms_store *s, const sms_result *r, size_t n, long freed);
/* Up to max receipts recorded since the last call. */
size_t sms_store_answers(sms_store *s, sms_answer *out, size_t max);
/* The connection is gone: after the outcomes given so far are recorded,
 * the alerts never sent (unsent[0..n), and those claimed but not yet
 * taken) go back to the queue as they were, and the channel's other
 * submitting alerts are queued again as possible duplicates. The channel
 * has let go of `freed` alerts (all it held). */
void sms_store_lost(sms_store *s, const long long *unsent, size_t n, long freed,
                    const char *why);
/* 1 once after outcomes were given up (they could not be recorded), or a
 * loss's recovery failed: their alerts stay submitting, and the settled
 * cursor, which no report goes past, stays before them until a loss
 * queues them again. The channel then drops the link to make one. */
int sms_store_take_gave_up(sms_store *s);
/* 1 while sms_store_lost's work is not done: nothing may be sent. */
int sms_store_recovering(sms_store *s);
/* Milliseconds the store spent in the database so far. */
long long sms_store_db_ms(sms_store *s);

#endif
