/* http_guard.c -- see http_guard.h. One lock over the table: every
 * callback here does a few pointer moves under it, so the daemon's
 * threads do not wait on each other for long. */
#include "http_guard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "conn_table.h"
#include "log.h"

/* How often idle connections are checked against their wait, and how
 * often a flood is reported. */
#define TICK_MS 200
#define REPORT_MS 10000
/* Files a process needs besides its connections: databases, logs, the
 * connections it makes itself. */
#define OTHER_FILES 256

typedef struct guard_ref { /* a connection's socket_context */
    http_guard *g;
    int slot;
    int fd;
} guard_ref;

struct http_guard {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t timer;
    int stopping;
    conn_table *table;
    conn_limits lim;
    guard_ref *refs; /* by slot */
    unsigned capacity;
    unsigned peer_timeout_s; /* libmicrohttpd's silence limit on a peer's connection */
    unsigned long replaced, refused; /* since the last report */
    long long reported_ms;
};

static long long mono_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Raises the soft limit on open files by need; 0, or -1 with the room
 * left under the hard limit in *room. Servers of one process add up. */
static int reserve_files(unsigned long need, unsigned long *room)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static unsigned long reserved = OTHER_FILES;
    struct rlimit r;
    int rc = 0;

    pthread_mutex_lock(&lock);
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) {
        pthread_mutex_unlock(&lock);
        *room = 0;
        return -1;
    }
    if (r.rlim_max != RLIM_INFINITY && reserved + need > r.rlim_max) {
        *room = r.rlim_max > reserved ? r.rlim_max - reserved : 0;
        need = *room;
        rc = -1;
    }
    reserved += need;
    if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < reserved) {
        r.rlim_cur = r.rlim_max == RLIM_INFINITY || reserved < r.rlim_max ? reserved
                                                                            : r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* Room for connections being closed while new ones come. */
static unsigned capacity_for(long max)
{
    return (unsigned)(max + max / 2 + 64);
}

/* The limits as the table counts them; max_connections lowered to what
 * the open-file limit allows. */
static void table_limits(http_guard *g, const http_limits *lim)
{
    long max = lim->max_connections;
    unsigned long room;

    if (reserve_files(capacity_for(max), &room) != 0) {
        long fit = room > 64 ? (long)((room - 64) * 2 / 3) : 16;
        log_warn("the open-file limit (ulimit -n) leaves room for %ld connections, not the "
                 "%ld of [http] max_connections: holding at most %ld", fit, max, fit);
        max = fit;
    }
    g->capacity = capacity_for(max);
    g->lim = (conn_limits){
        .max_total = (size_t)max,
        .max_per_source = (size_t)lim->max_connections_per_source,
        .header_ms = lim->header_timeout_s * 1000LL,
        .idle_ms = lim->idle_timeout_s * 1000LL,
        .peer_idle_ms = lim->peer_idle_timeout_s * 1000LL,
    };
    g->peer_timeout_s = (unsigned)(lim->peer_idle_timeout_s > lim->request_timeout_s
                                       ? lim->peer_idle_timeout_s : lim->request_timeout_s);
}

static void close_slot(http_guard *g, int slot)
{
    shutdown(g->refs[slot].fd, SHUT_RDWR);
}

/* Under the lock: what a flood did since the last report, every
 * REPORT_MS at most. */
static void report(http_guard *g, long long now)
{
    if ((!g->replaced && !g->refused) || now - g->reported_ms < REPORT_MS)
        return;
    log_warn("connections: %lu idle ones closed to make room for new ones (a source over "
             "its %zu or the server over its %zu), %lu new ones refused (all busy); %zu held",
             g->replaced, g->lim.max_per_source, g->lim.max_total, g->refused,
             conn_table_count(g->table));
    g->replaced = g->refused = 0;
    g->reported_ms = now;
}

static void *timer_main(void *arg)
{
    http_guard *g = arg;
    int expired[256];

    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        struct timespec until = clock_mono_after_ms(TICK_MS);
        pthread_cond_timedwait(&g->wake, &g->lock, &until);
        long long now = mono_ms();
        size_t n;
        do {
            n = conn_table_expired(g->table, now, &g->lim, expired, 256);
            for (size_t i = 0; i < n; i++)
                close_slot(g, expired[i]);
        } while (n == 256);
        report(g, now);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

http_guard *http_guard_new(const http_limits *lim, char *err, size_t errlen)
{
    http_guard *g = calloc(1, sizeof *g);

    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    table_limits(g, lim);
    g->table = conn_table_new(g->capacity);
    g->refs = calloc(g->capacity, sizeof *g->refs);
    if (!g->table || !g->refs) {
        snprintf(err, errlen, "out of memory for %u connections", g->capacity);
        conn_table_free(g->table);
        free(g->refs);
        free(g);
        return NULL;
    }
    pthread_mutex_init(&g->lock, NULL);
    clock_mono_cond_init(&g->wake);
    if (pthread_create(&g->timer, NULL, timer_main, g) != 0) {
        snprintf(err, errlen, "cannot start the connection timer");
        g->stopping = 1;
        http_guard_free(g);
        return NULL;
    }
    return g;
}

void http_guard_free(http_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    int running = !g->stopping;
    g->stopping = 1;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    if (running)
        pthread_join(g->timer, NULL);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    conn_table_free(g->table);
    free(g->refs);
    free(g);
}

unsigned http_guard_capacity(const http_guard *g)
{
    return g->capacity;
}

/* A new connection: counted, and whatever it pushes over a limit closed. */
static guard_ref *admit(http_guard *g, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *a =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const union MHD_ConnectionInfo *f =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    unsigned char key[CONN_SOURCE_LEN] = {0};
    guard_ref *ref = NULL;
    int slot, victim;

    if (!f)
        return NULL;
    if (a && a->client_addr)
        conn_source_of(a->client_addr, key);
    pthread_mutex_lock(&g->lock);
    slot = conn_table_open(g->table, key, mono_ms());
    if (slot < 0) {
        shutdown(f->connect_fd, SHUT_RDWR);
        g->refused++;
    } else {
        ref = &g->refs[slot];
        *ref = (guard_ref){g, slot, f->connect_fd};
        victim = conn_table_victim(g->table, slot, &g->lim);
        if (victim >= 0) {
            close_slot(g, victim);
            if (victim == slot)
                g->refused++;
            else
                g->replaced++;
        }
    }
    pthread_mutex_unlock(&g->lock);
    return ref;
}

void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
    http_guard *g = cls;
    guard_ref *ref = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = admit(g, conn);
    } else if (ref) {
        pthread_mutex_lock(&g->lock);
        conn_table_close(g->table, ref->slot);
        pthread_mutex_unlock(&g->lock);
        *socket_context = NULL;
    }
}

static guard_ref *ref_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *i =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;

    return i ? i->socket_context : NULL;
}

void http_guard_busy(struct MHD_Connection *conn)
{
    guard_ref *ref = ref_of(conn);

    if (!ref)
        return;
    pthread_mutex_lock(&ref->g->lock);
    conn_table_busy(ref->g->table, ref->slot);
    pthread_mutex_unlock(&ref->g->lock);
}

void http_guard_idle(struct MHD_Connection *conn)
{
    guard_ref *ref = ref_of(conn);

    if (!ref)
        return;
    pthread_mutex_lock(&ref->g->lock);
    conn_table_idle(ref->g->table, ref->slot, mono_ms());
    pthread_mutex_unlock(&ref->g->lock);
}

void http_guard_peer(struct MHD_Connection *conn)
{
    guard_ref *ref = ref_of(conn);

    if (!ref)
        return;
    pthread_mutex_lock(&ref->g->lock);
    conn_table_peer(ref->g->table, ref->slot);
    pthread_mutex_unlock(&ref->g->lock);
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, ref->g->peer_timeout_s);
}
