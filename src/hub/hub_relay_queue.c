/* hub_relay_queue.c -- see hub_relay_queue.h. A ring under one mutex:
 * submissions put, the relay worker takes, both in batches. */
#include "hub_relay_queue.h"

#include <stdlib.h>
#include <string.h>

int hub_relay_queue_init(hub_relay_queue *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->ring = calloc(cap ? cap : 1, sizeof *q->ring);
    if (!q->ring)
        return -1;
    q->cap = cap;
    pthread_mutex_init(&q->lock, NULL);
    return 0;
}

void hub_relay_queue_free(hub_relay_queue *q)
{
    if (!q->ring)
        return;
    free(q->ring);
    q->ring = NULL;
    pthread_mutex_destroy(&q->lock);
}

size_t hub_relay_queue_reserve(hub_relay_queue *q, size_t n)
{
    size_t room;

    pthread_mutex_lock(&q->lock);
    room = q->cap - q->count - q->reserved;
    if (n > room)
        n = room;
    q->reserved += n;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void hub_relay_queue_put(hub_relay_queue *q, const hub_notice *n)
{
    pthread_mutex_lock(&q->lock);
    if (q->reserved > 0) { /* always, for a caller that reserved */
        q->reserved--;
        q->ring[(q->head + q->count) % q->cap] = *n;
        q->count++;
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
    n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t hub_relay_queue_take(hub_relay_queue *q, hub_relay_item *items, size_t max)
{
    size_t k = 0;

    pthread_mutex_lock(&q->lock);
    for (; k < max && q->count > 0; k++) {
        hub_db_relay_item_init(&items[k], &q->ring[q->head]);
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    pthread_mutex_unlock(&q->lock);
    return k;
}
