/* conn_table.c -- see conn_table.h. Slots live in one array with a free
 * list; sources in an open-addressed hash (linear probing, deletion by
 * shifting back), each with its idle connections in a list, oldest first,
 * so that choosing whom to close costs no scan of the connections. */
#include "conn_table.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { FREE, IDLE, BUSY, CLOSING };

typedef struct entry {
    int state;
    int answered; /* a request was answered: idle_ms, not header_ms */
    int peer;
    unsigned char key[CONN_SOURCE_LEN]; /* its source */
    int prev, next; /* its source's idle list, or the free list (next) */
    long long since; /* when it became idle */
} entry;

typedef struct source {
    unsigned char key[CONN_SOURCE_LEN];
    size_t counted; /* idle or busy */
    size_t held;    /* any state but free: the record lives while > 0 */
    int head, tail; /* idle list, oldest at head */
} source;

struct conn_table {
    entry *e;
    size_t cap, counted;
    int free_head;
    source *src;   /* held == 0: empty bucket */
    size_t nsrc;   /* buckets, a power of two above 2 * cap */
};

conn_table *conn_table_new(size_t capacity)
{
    conn_table *t = calloc(1, sizeof *t);

    if (!t || capacity == 0 || capacity > (1u << 24))
        goto fail;
    t->cap = capacity;
    t->nsrc = 16;
    while (t->nsrc < 2 * capacity)
        t->nsrc *= 2;
    t->e = calloc(capacity, sizeof *t->e);
    t->src = calloc(t->nsrc, sizeof *t->src);
    if (!t->e || !t->src)
        goto fail;
    for (size_t i = 0; i < capacity; i++)
        t->e[i].next = i + 1 < capacity ? (int)i + 1 : -1;
    t->free_head = 0;
    return t;
fail:
    conn_table_free(t);
    return NULL;
}

void conn_table_free(conn_table *t)
{
    if (!t)
        return;
    free(t->e);
    free(t->src);
    free(t);
}

int conn_source_of(const struct sockaddr *sa, unsigned char key[CONN_SOURCE_LEN])
{
    memset(key, 0, CONN_SOURCE_LEN);
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a, mapped, sizeof mapped)) { /* ::ffff:a.b.c.d is a.b.c.d */
            key[0] = 4;
            memcpy(key + 1, a + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a, 8);
        }
        return 0;
    }
    return -1;
}

static size_t hash_of(const conn_table *t, const unsigned char *key)
{
    unsigned long long h = 1469598103934665603ull; /* FNV-1a */

    for (int i = 0; i < CONN_SOURCE_LEN; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29)) & (t->nsrc - 1);
}

/* The bucket holding key, or the empty one where it would go. */
static size_t find_source(const conn_table *t, const unsigned char *key)
{
    size_t i = hash_of(t, key);

    while (t->src[i].held && memcmp(t->src[i].key, key, CONN_SOURCE_LEN) != 0)
        i = (i + 1) & (t->nsrc - 1);
    return i;
}

/* Empties bucket i, moving later members of its run back so that every
 * key stays reachable from its home bucket. */
static void remove_source(conn_table *t, size_t i)
{
    size_t mask = t->nsrc - 1, j = i;

    for (;;) {
        t->src[i].held = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (!t->src[j].held)
                return;
            size_t home = hash_of(t, t->src[j].key);
            /* j may move to i when its home is not in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        t->src[i] = t->src[j]; /* entries find it again by key */
        i = j;
    }
}

/* The source record of slot's connection. */
static source *source_of(conn_table *t, int slot)
{
    return &t->src[find_source(t, t->e[slot].key)];
}

static void idle_append(conn_table *t, int slot)
{
    entry *e = &t->e[slot];
    source *s = source_of(t, slot);

    e->prev = s->tail;
    e->next = -1;
    if (s->tail >= 0)
        t->e[s->tail].next = slot;
    else
        s->head = slot;
    s->tail = slot;
}

static void idle_unlink(conn_table *t, int slot)
{
    entry *e = &t->e[slot];
    source *s = source_of(t, slot);

    if (e->prev >= 0)
        t->e[e->prev].next = e->next;
    else
        s->head = e->next;
    if (e->next >= 0)
        t->e[e->next].prev = e->prev;
    else
        s->tail = e->prev;
    e->prev = e->next = -1;
}

int conn_table_open(conn_table *t, const unsigned char source_key[CONN_SOURCE_LEN],
                    long long now_ms)
{
    int slot = t->free_head;
    size_t b;

    if (slot < 0)
        return -1;
    b = find_source(t, source_key);
    if (!t->src[b].held) {
        memcpy(t->src[b].key, source_key, CONN_SOURCE_LEN);
        t->src[b].counted = 0;
        t->src[b].head = t->src[b].tail = -1;
    }
    t->free_head = t->e[slot].next;
    t->e[slot] = (entry){.state = IDLE, .since = now_ms, .prev = -1, .next = -1};
    memcpy(t->e[slot].key, source_key, CONN_SOURCE_LEN);
    t->src[b].held++;
    t->src[b].counted++;
    t->counted++;
    idle_append(t, slot);
    return slot;
}

/* Stops counting slot: it is to be closed. */
static void mark_closing(conn_table *t, int slot)
{
    entry *e = &t->e[slot];

    if (e->state == IDLE)
        idle_unlink(t, slot);
    if (e->state == IDLE || e->state == BUSY) {
        source_of(t, slot)->counted--;
        t->counted--;
    }
    e->state = CLOSING;
}

/* The source with the most connections that has an idle one, or -1. */
static int fullest_with_idle(const conn_table *t)
{
    int best = -1;

    for (size_t i = 0; i < t->nsrc; i++)
        if (t->src[i].held && t->src[i].head >= 0 &&
            (best < 0 || t->src[i].counted > t->src[best].counted))
            best = (int)i;
    return best;
}

int conn_table_victim(conn_table *t, int slot, const conn_limits *lim)
{
    source *s = source_of(t, slot);
    int victim = -1;

    if (s->counted > lim->max_per_source) {
        victim = s->head >= 0 ? s->head : slot;
    } else if (t->counted > lim->max_total) {
        int b = fullest_with_idle(t);
        victim = b >= 0 ? t->src[b].head : slot;
    }
    if (victim >= 0)
        mark_closing(t, victim);
    return victim;
}

void conn_table_busy(conn_table *t, int slot)
{
    if (t->e[slot].state != IDLE)
        return;
    idle_unlink(t, slot);
    t->e[slot].state = BUSY;
}

void conn_table_idle(conn_table *t, int slot, long long now_ms)
{
    entry *e = &t->e[slot];

    if (e->state != BUSY)
        return;
    e->state = IDLE;
    e->answered = 1;
    e->since = now_ms;
    idle_append(t, slot);
}

void conn_table_peer(conn_table *t, int slot)
{
    t->e[slot].peer = 1;
}

void conn_table_close(conn_table *t, int slot)
{
    entry *e = &t->e[slot];
    size_t b = find_source(t, e->key);

    if (e->state == FREE)
        return;
    mark_closing(t, slot);
    e->state = FREE;
    e->next = t->free_head;
    t->free_head = slot;
    if (--t->src[b].held == 0)
        remove_source(t, b);
}

int conn_table_closing(const conn_table *t, int slot)
{
    return t->e[slot].state == CLOSING;
}

size_t conn_table_expired(conn_table *t, long long now_ms, const conn_limits *lim,
                          int *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < t->cap && n < max; i++) {
        const entry *e = &t->e[i];
        long long wait = !e->answered ? lim->header_ms : e->peer ? lim->peer_idle_ms
                                                                 : lim->idle_ms;
        if (e->state == IDLE && now_ms - e->since >= wait) {
            mark_closing(t, (int)i);
            out[n++] = (int)i;
        }
    }
    return n;
}

size_t conn_table_count(const conn_table *t)
{
    return t->counted;
}

size_t conn_table_source_count(const conn_table *t, const unsigned char key[CONN_SOURCE_LEN])
{
    size_t b = find_source(t, key);

    return t->src[b].held ? t->src[b].counted : 0;
}
