/* body_pool.c -- see body_pool.h. */
#include "body_pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* Sizes are rounded up so that batches of slightly different lengths
 * reuse each other's buffers: to a power of two up to 64 KiB, then to
 * 64 KiB steps (doubling would waste up to half of a large buffer). */
#define BODY_POOL_MIN ((size_t)4 << 10)
#define BODY_POOL_STEP ((size_t)64 << 10)

void body_pool_init(body_pool *p)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
}

void body_pool_clear(body_pool *p)
{
    for (int i = 0; i < BODY_POOL_SLOTS; i++) {
        free(p->buf[i]); /* wiped when given back */
        p->buf[i] = NULL;
        p->cap[i] = 0;
    }
    pthread_mutex_destroy(&p->lock);
}

static size_t rounded(size_t need)
{
    size_t cap = BODY_POOL_MIN;

    while (cap < need && cap < BODY_POOL_STEP)
        cap *= 2;
    if (cap >= need)
        return cap;
    if (need > SIZE_MAX - BODY_POOL_STEP)
        return need;
    return (need + BODY_POOL_STEP - 1) / BODY_POOL_STEP * BODY_POOL_STEP;
}

/* The smallest kept buffer of at least need bytes, or -1. */
static int best_fit(const body_pool *p, size_t need)
{
    int best = -1;

    for (int i = 0; i < BODY_POOL_SLOTS; i++)
        if (p->buf[i] && p->cap[i] >= need && (best < 0 || p->cap[i] < p->cap[best]))
            best = i;
    return best;
}

char *body_pool_take(body_pool *p, size_t need, size_t *cap)
{
    char *buf = NULL;
    int i;

    pthread_mutex_lock(&p->lock);
    i = best_fit(p, need);
    if (i >= 0) {
        buf = p->buf[i];
        *cap = p->cap[i];
        p->buf[i] = NULL;
        p->cap[i] = 0;
    }
    pthread_mutex_unlock(&p->lock);
    if (buf)
        return buf;
    *cap = rounded(need);
    buf = malloc(*cap);
    if (!buf)
        *cap = 0;
    return buf;
}

/* An empty slot, else the smallest buffer's when it is smaller than cap. */
static int slot_for(const body_pool *p, size_t cap)
{
    int small = -1;

    for (int i = 0; i < BODY_POOL_SLOTS; i++) {
        if (!p->buf[i])
            return i;
        if (p->cap[i] < cap && (small < 0 || p->cap[i] < p->cap[small]))
            small = i;
    }
    return small;
}

void body_pool_give(body_pool *p, char *buf, size_t cap, size_t used)
{
    if (!buf)
        return;
    secure_wipe(buf, used < cap ? used : cap);
    if (cap <= BODY_POOL_KEEP_MAX) {
        pthread_mutex_lock(&p->lock);
        int i = slot_for(p, cap);
        if (i >= 0) {
            char *old = p->buf[i];
            p->buf[i] = buf;
            p->cap[i] = cap;
            buf = old;
        }
        pthread_mutex_unlock(&p->lock);
    }
    free(buf); /* what is kept is wiped, so what leaves the pool is too */
}

int body_pool_grow(body_pool *p, char **buf, size_t *cap, size_t used, size_t need)
{
    size_t new_cap;
    char *bigger;

    if (*buf && *cap >= need)
        return 0;
    bigger = body_pool_take(p, need, &new_cap);
    if (!bigger)
        return -1;
    if (used)
        memcpy(bigger, *buf, used);
    body_pool_give(p, *buf, *cap, used);
    *buf = bigger;
    *cap = new_cap;
    return 0;
}
