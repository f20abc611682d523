/* body_pool.h -- request bodies' buffers, kept for the next request.
 *
 * Why: a batch call carries a body of up to a few MB. Allocating it per
 * request (and growing it by realloc as the bytes arrive) cost the hub
 * and the platforms 3-5% of their time: each free of so large a chunk
 * makes glibc merge all its small free chunks (malloc_consolidate), and
 * each realloc left an unwiped copy of the body (RRNs, CIs) in freed
 * memory. A request takes its buffers from here as its bytes arrive
 * (http_server.c) and gives them back wiped. */
#ifndef HERALD_BODY_POOL_H
#define HERALD_BODY_POOL_H

#include <pthread.h>
#include <stddef.h>

/* Buffers kept at most, and the largest kept: more or larger ones are
 * freed, so that one huge request does not pin its memory for good. */
#define BODY_POOL_SLOTS 6
#define BODY_POOL_KEEP_MAX ((size_t)8 << 20)

typedef struct body_pool {
    pthread_mutex_t lock;
    char *buf[BODY_POOL_SLOTS];
    size_t cap[BODY_POOL_SLOTS];
} body_pool;

void body_pool_init(body_pool *p);
/* Frees what is kept (wiped already, when it was given back). */
void body_pool_clear(body_pool *p);

/* A buffer of at least need bytes (a kept one when one is big enough),
 * its size in *cap; NULL when out of memory. */
char *body_pool_take(body_pool *p, size_t need, size_t *cap);

/* Wipes the first used bytes of buf (the rest was never written) and
 * keeps it, or frees it. NULL is ignored. */
void body_pool_give(body_pool *p, char *buf, size_t cap, size_t used);

/* Grows *buf to at least need bytes, keeping its first used bytes: the
 * old buffer is given back wiped. -1 (buf unchanged) when out of memory. */
int body_pool_grow(body_pool *p, char **buf, size_t *cap, size_t used, size_t need);

#endif
