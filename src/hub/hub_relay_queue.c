/* hub_relay_queue.c -- see hub_relay_queue.h. A ring under one mutex:
 * submissions put, the relay worker takes, both in batches. */
#include "hub_relay_queue.h"

#include <stdlib.h>
#include <string.h>

int hub_relay_queue_init(hub_relay_queue *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->ring = calloc(cap ? cap : 1, sizeof *q->ring);
    q->urgent_ring = calloc(cap ? cap : 1, sizeof *q->urgent_ring);
    if (!q->ring || !q->urgent_ring) {
        free(q->ring);
        free(q->urgent_ring);
        q->ring = q->urgent_ring = NULL;
        return -1;
    }
    q->cap = cap;
    q->backlog = 1; /* what a previous run left, until the first claim */
    pthread_mutex_init(&q->lock, NULL);
    return 0;
}

void hub_relay_queue_free(hub_relay_queue *q)
{
    if (!q->ring)
        return;
    free(q->ring);
    free(q->urgent_ring);
    q->ring = q->urgent_ring = NULL;
    pthread_mutex_destroy(&q->lock);
}

size_t hub_relay_queue_reserve(hub_relay_queue *q, size_t n, int *bulk)
{
    size_t room;

    pthread_mutex_lock(&q->lock);
    room = q->cap - q->count - q->urgent - q->reserved;
    if (n > room)
        n = room;
    q->reserved += n;
    *bulk = !q->backlog;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void hub_relay_queue_spilled(hub_relay_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->backlog = 1;
    q->spills++;
    pthread_mutex_unlock(&q->lock);
}

unsigned long hub_relay_queue_spills(hub_relay_queue *q)
{
    unsigned long n;

    pthread_mutex_lock(&q->lock);
    n = q->spills;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void hub_relay_queue_caught_up(hub_relay_queue *q, unsigned long spills)
{
    pthread_mutex_lock(&q->lock);
    if (q->spills == spills)
        q->backlog = 0;
    pthread_mutex_unlock(&q->lock);
}

void hub_relay_queue_put(hub_relay_queue *q, const hub_notice *n)
{
    pthread_mutex_lock(&q->lock);
    if (q->reserved > 0) { /* always, for a caller that reserved */
        q->reserved--;
        if (n->urgent)
            q->urgent_ring[(q->urgent_head + q->urgent++) % q->cap] = *n;
        else
            q->ring[(q->head + q->count++) % q->cap] = *n;
    }
    pthread_mutex_unlock(&q->lock);
}

void hub_relay_queue_unreserve(hub_relay_queue *q, size_t n)
{
    pthread_mutex_lock(&q->lock);
    q->reserved -= n < q->reserved ? n : q->reserved;
    pthread_mutex_unlock(&q->lock);
}

size_t hub_relay_queue_count(hub_relay_queue *q)
{
    size_t n;

    pthread_mutex_lock(&q->lock);
    n = q->count + q->urgent;
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t hub_relay_queue_urgent(hub_relay_queue *q)
{
    size_t n;

    pthread_mutex_lock(&q->lock);
    n = q->urgent;
    pthread_mutex_unlock(&q->lock);
    return n;
}

/* Moves up to max urgent notices into items. Call with the lock held. */
static size_t take_urgent(hub_relay_queue *q, hub_relay_item *items, size_t max)
{
    size_t k = 0;

    for (; k < max && q->urgent > 0; k++) {
        hub_db_relay_item_init(&items[k], &q->urgent_ring[q->urgent_head]);
        q->urgent_head = (q->urgent_head + 1) % q->cap;
        q->urgent--;
    }
    return k;
}

size_t hub_relay_queue_take_urgent(hub_relay_queue *q, hub_relay_item *items, size_t max)
{
    size_t k;

    pthread_mutex_lock(&q->lock);
    k = take_urgent(q, items, max);
    pthread_mutex_unlock(&q->lock);
    return k;
}

size_t hub_relay_queue_take(hub_relay_queue *q, hub_relay_item *items, size_t max)
{
    size_t k;

    pthread_mutex_lock(&q->lock);
    k = take_urgent(q, items, max);
    for (; k < max && q->count > 0; k++) {
        hub_db_relay_item_init(&items[k], &q->ring[q->head]);
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    pthread_mutex_unlock(&q->lock);
    return k;
}
