/* conn_table.h -- the connections an HTTP server holds, counted by source,
 * and which one to close when a new one would go over a limit or an idle
 * one has waited too long.
 *
 * A flood of idle connections must not starve anyone else, and a limit per
 * address must not lock out everyone behind one NAT. So a limit is never
 * enforced by refusing the newcomer while an idle connection could go
 * instead: over its source's allowance, a new connection replaces that
 * source's oldest idle one; over the server's total, the oldest idle one
 * of the source holding the most. Only when every connection concerned is
 * busy with a request is the newcomer itself the one closed.
 *
 * Pure: the caller passes the time (ms) and closes what it is told to
 * (http_guard.c does both for libmicrohttpd), under its own lock. */
#ifndef HERALD_CONN_TABLE_H
#define HERALD_CONN_TABLE_H

#include <stddef.h>

struct sockaddr;

#define CONN_SOURCE_LEN 16

typedef struct conn_limits {
    size_t max_total;       /* connections held at once */
    size_t max_per_source;  /* of them from one source */
    long long header_ms;    /* a new connection's time to send a request head */
    long long idle_ms;      /* an answered connection's time to send the next */
    long long peer_idle_ms; /* the same once a known peer (API key) has called */
} conn_limits;

typedef struct conn_table conn_table;

/* A table of up to capacity connections (counted ones and those being
 * closed); NULL when out of memory. */
conn_table *conn_table_new(size_t capacity);
void conn_table_free(conn_table *t);

/* A connection's source: an IPv4 address, or an IPv6 address's /64 (one
 * subscriber's share); 0, or -1 for another kind of address. */
int conn_source_of(const struct sockaddr *sa, unsigned char key[CONN_SOURCE_LEN]);

/* A new connection from source at now_ms, idle until its request head is
 * in: its slot, or -1 when the table has no room. */
int conn_table_open(conn_table *t, const unsigned char source[CONN_SOURCE_LEN], long long now_ms);

/* After conn_table_open(slot): the slot to close to bring the counts back
 * within lim (possibly slot itself, when everything that could go is
 * busy), or -1 when none need close. The one chosen is no longer counted
 * and is never chosen again. */
int conn_table_victim(conn_table *t, int slot, const conn_limits *lim);

/* The request head is in: the connection is busy until answered. */
void conn_table_busy(conn_table *t, int slot);
/* Answered at now_ms: idle again, waiting for the next request. */
void conn_table_idle(conn_table *t, int slot, long long now_ms);
/* A known peer (a valid API key) is calling on it: its idle wait is
 * peer_idle_ms from now on. */
void conn_table_peer(conn_table *t, int slot);
/* The connection is gone (closed by either side). */
void conn_table_close(conn_table *t, int slot);

/* 1 when slot was chosen to close (by conn_table_victim or _expired). */
int conn_table_closing(const conn_table *t, int slot);

/* Idle connections past their wait at now_ms, up to max of them, into
 * out; each is no longer counted. Returns how many. */
size_t conn_table_expired(conn_table *t, long long now_ms, const conn_limits *lim,
                          int *out, size_t max);

/* Connections counted: all of them, and from one source. */
size_t conn_table_count(const conn_table *t);
size_t conn_table_source_count(const conn_table *t, const unsigned char source[CONN_SOURCE_LEN]);

#endif
