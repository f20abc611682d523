/* idsvc.h -- what a running idsvc holds: the CI key and who may call.
 *
 * The key lives in secure memory from the moment it is read until the
 * service stops, and nothing else of idsvc's is secret, so opening and
 * closing this state is all the service has to get right about keys. */
#ifndef HERALD_IDSVC_H
#define HERALD_IDSVC_H

#include <stddef.h>

#include "apikeys.h"
#include "crypto.h"
#include "http_metrics.h"
#include "metrics.h"
#include "metrics_access.h"
#include "sandbox.h"

typedef struct idsvc {
    hmac512_key *key; /* in secure memory */
    apikeys clients;
    metrics_access metrics;   /* who may read GET /metrics (--metrics) */
    http_metrics *requests;   /* every request answered, by route and status */
    metrics_counter rrns[2];  /* RRNs converted: [0] to a CI, [1] refused */
} idsvc;

/* Reads the CI key (a 0600 key file) and the clients file. Returns 0, or
 * -1 with the reason in err and nothing left to close. */
int idsvc_open(idsvc *s, const char *key_file, const char *clients_file, char *err,
               size_t errlen);
/* Wipes the key and forgets the clients. */
void idsvc_close(idsvc *s);

/* The system calls idsvc may make once bound (idsvc_syscalls.c). */
extern const sandbox_list idsvc_syscalls;

#endif
