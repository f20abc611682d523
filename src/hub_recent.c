/* hub_recent.c -- see hub_recent.h. */
#include "hub_recent.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char id[NOTICE_ID_LEN + 1];
    hub_recent_fields f;
} slot;

struct hub_recent {
    pthread_mutex_t lock;
    size_t mask;
    slot *slots;
};

hub_recent *hub_recent_new(size_t slots)
{
    hub_recent *r = calloc(1, sizeof *r);
    size_t n = 1;

    while (n < slots && n < ((size_t)1 << 30))
        n <<= 1;
    if (!r || !(r->slots = calloc(n, sizeof *r->slots))) {
        free(r);
        return NULL;
    }
    r->mask = n - 1;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void hub_recent_free(hub_recent *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    free(r);
}

/* FNV-1a over the id: ids made in the same millisecond differ only in
 * their last characters, which every byte of the hash feels. */
static size_t slot_of(const hub_recent *r, const char *id)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *id; id++)
        h = (h ^ (uint8_t)*id) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 32)) & r->mask;
}

static int fits(const char *s, size_t cap)
{
    return s && strlen(s) < cap;
}

void hub_recent_put(hub_recent *r, const char *id, const char *agency, const char *rk,
                    const char *doc_sha256)
{
    slot *s;

    if (!fits(id, sizeof s->id) || !fits(agency, sizeof s->f.agency) ||
        !fits(rk, sizeof s->f.rk) || !fits(doc_sha256, sizeof s->f.doc_sha256))
        return;
    pthread_mutex_lock(&r->lock);
    s = &r->slots[slot_of(r, id)];
    strcpy(s->id, id);
    strcpy(s->f.agency, agency);
    strcpy(s->f.rk, rk);
    strcpy(s->f.doc_sha256, doc_sha256);
    pthread_mutex_unlock(&r->lock);
}

int hub_recent_get(hub_recent *r, const char *id, hub_recent_fields *out)
{
    const slot *s;
    int found;

    if (!fits(id, sizeof s->id))
        return 0;
    pthread_mutex_lock(&r->lock);
    s = &r->slots[slot_of(r, id)];
    found = !strcmp(s->id, id);
    if (found)
        *out = s->f;
    pthread_mutex_unlock(&r->lock);
    return found;
}
