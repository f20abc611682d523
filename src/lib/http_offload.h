/* http_offload.h -- a handler's slow call, run off the server's threads.
 *
 * A handler that asks another server before it answers (the agency's
 * proxy of the hub's certificates, a cancel, a notice's evidence) held
 * its server thread for as long as that server took: up to a call's
 * timeout while the hub is slow. Every other connection the thread
 * served waited with it, a citizen opening a document among them. Here
 * the call runs on a thread of its own and answers through an
 * http_later, so the server thread goes on.
 *
 * Waits are bounded: at most HTTP_OFFLOAD_MAX in all, and from one TCP
 * peer half of the connections the [http] limits let it hold (a waiting
 * call holds its connection; the other half stays free for the peer's
 * other calls), at most a quarter of the total. */
#ifndef HERALD_HTTP_OFFLOAD_H
#define HERALD_HTTP_OFFLOAD_H

#include "http_server.h"

#define HTTP_OFFLOAD_MAX 256

/* Runs on the thread of its own: fills resp, which then answers the
 * request, and frees arg. */
typedef void (*http_offload_fn)(void *arg, http_response *resp);

enum {
    HTTP_OFFLOADED = 0,
    HTTP_OFFLOAD_STOPPING = -1, /* the server is stopping (or out of memory) */
    HTTP_OFFLOAD_FULL = -2      /* no wait left for this peer or at all */
};

/* HTTP_OFFLOADED: fn(arg, ...) runs on a thread of its own, owns arg, and
 * its answer goes to req's client; the handler returns leaving resp
 * empty. Otherwise nothing started, arg is still the caller's, and the
 * handler answers now: 503 when stopping, and when full whatever it can
 * without the call (or 503 with Retry-After). */
int http_offload(const http_request *req, http_offload_fn fn, void *arg);

/* Calls waiting now, all of them. */
long http_offload_running(void);

/* Waits until every offloaded call has answered. The server answers
 * their clients 503 as it stops; their threads return once their calls
 * end, which the caller must bring about (http_client_abort_at). */
void http_offload_drain(void);

#endif
