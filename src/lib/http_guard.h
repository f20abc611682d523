/* http_guard.h -- keeps an HTTP server's connections within its limits
 * (http_limits.h) for libmicrohttpd: counts them by source as they open
 * and close, closes the one conn_table.h chooses when a newcomer would go
 * over a limit, and closes idle ones past their wait.
 *
 * libmicrohttpd's own per-address limit refuses the newcomer, which turns
 * one flooding host into a denial of service for its whole NAT, and its
 * timeout counts silence, not time to send a request head (one byte every
 * few seconds keeps a connection forever). This replaces both. A
 * connection is closed with shutdown(2) on its socket: libmicrohttpd sees
 * the end of the stream in its own thread and cleans up as for any client
 * that left. */
#ifndef HERALD_HTTP_GUARD_H
#define HERALD_HTTP_GUARD_H

#include <microhttpd.h>

#include "http_limits.h"

typedef struct http_guard http_guard;

/* A guard for lim, its timer thread running; NULL with err. Raises the
 * process's soft limit on open files to what the connections need; when
 * the hard limit is lower, holds fewer connections and logs a warning. */
http_guard *http_guard_new(const http_limits *lim, char *err, size_t errlen);
/* After the daemon has stopped. */
void http_guard_free(http_guard *g);

/* The connections the daemon may hold: the limit and room for those
 * being closed (MHD_OPTION_CONNECTION_LIMIT). */
unsigned http_guard_capacity(const http_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION's callback, cls the guard. */
void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);

/* The connection's request head is in; it has been answered; a valid API
 * key came on it. Each is a no-op for a connection the guard does not
 * hold. */
void http_guard_busy(struct MHD_Connection *conn);
void http_guard_idle(struct MHD_Connection *conn);
void http_guard_peer(struct MHD_Connection *conn);

#endif
