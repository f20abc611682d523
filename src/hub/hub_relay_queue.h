/* hub_relay_queue.h -- notices routed when they were accepted, on their
 * way to the relay worker in memory.
 *
 * A submission that finds the recipient's first platform records it (and
 * a lease) with the notice, in the same transaction, and hands the notice
 * over here after the commit. The relay worker takes them from here
 * instead of reading and leasing them again, which was a third of the
 * database work of a relay round. What does not fit waits in the
 * database, where the worker's own claim finds it; a notice lost here (a
 * crash) is claimed again when its lease ends.
 *
 * Places are reserved before the transaction and filled after it, so a
 * committed notice always has its place.
 *
 * First come, first relayed within a lane: once bulk notices had to wait
 * in the database (the queue was full), later bulk notices wait there
 * too, behind them, until a claim finds fewer notices due than it asked
 * for. Queued here instead, they would go before that backlog (a round
 * takes up to three quarters of its notices from here).
 *
 * Urgent notices (a court summons, a benefit deadline) have a lane of
 * their own in the same places: the worker takes all of them before the
 * first bulk notice, so one urgent notice behind a burst of thousands
 * waits for the round in progress, not for the burst. */
#ifndef HERALD_HUB_RELAY_QUEUE_H
#define HERALD_HUB_RELAY_QUEUE_H

#include <pthread.h>
#include <stddef.h>

#include "hub_db.h"

typedef struct hub_relay_queue {
    pthread_mutex_t lock;
    hub_notice *ring, *urgent_ring;
    size_t cap, head, count, reserved; /* count + urgent + reserved <= cap */
    size_t urgent_head, urgent;
    int backlog;          /* bulk notices may wait in the database */
    unsigned long spills; /* how many batches left some there */
} hub_relay_queue;

/* Returns 0, or -1 when out of memory. */
int hub_relay_queue_init(hub_relay_queue *q, size_t cap);
void hub_relay_queue_free(hub_relay_queue *q);

/* Reserves up to n places; returns how many it got. *bulk is 0 while a
 * bulk backlog waits in the database: then only urgent notices may take
 * them. */
size_t hub_relay_queue_reserve(hub_relay_queue *q, size_t n, int *bulk);
/* After its commit (before its answer), a batch that left routable bulk
 * notices in the database says so: later ones must queue behind them. */
void hub_relay_queue_spilled(hub_relay_queue *q);
/* What the relay worker reads in its claim's transaction, before the
 * claim (hub_db_relay_next's claiming) ... */
unsigned long hub_relay_queue_spills(hub_relay_queue *q);
/* ... and, when the claim found fewer notices than it asked for, passes
 * back after the commit: the backlog is gone unless a batch spilled
 * since (its notices may have committed after the claim read). */
void hub_relay_queue_caught_up(hub_relay_queue *q, unsigned long spills);
/* Fills one reserved place with n, in the urgent lane when n->urgent. */
void hub_relay_queue_put(hub_relay_queue *q, const hub_notice *n);
/* Gives back n reserved places that were not filled. */
void hub_relay_queue_unreserve(hub_relay_queue *q, size_t n);

/* How many notices wait (not counting reserved places). */
size_t hub_relay_queue_count(hub_relay_queue *q);
/* How many of them are urgent. */
size_t hub_relay_queue_urgent(hub_relay_queue *q);

/* Moves up to max notices, the urgent ones first, each lane oldest
 * first, into items as claimed relay items (outcome RELAY_FAILED until
 * the call answers). Returns how many. */
size_t hub_relay_queue_take(hub_relay_queue *q, hub_relay_item *items, size_t max);
/* The same for the urgent lane alone. */
size_t hub_relay_queue_take_urgent(hub_relay_queue *q, hub_relay_item *items, size_t max);

#endif
