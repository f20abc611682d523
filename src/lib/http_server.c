/* http_server.c -- see http_server.h: the daemon, its connections and
 * bodies, and answers given later; what a handler reads and builds is in
 * http_message.c. */
#include "http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "body_pool.h"
#include "clock.h"
#include "crypto.h"
#include "http_guard.h"
#include "http_metrics.h"
#include "log.h"

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler handler;
    http_gate gate;
    http_refusal refusal; /* NULL: the default JSON error bodies */
    void *ctx;
    size_t max_body;
    int port;
    int listen_fd; /* bound by http_server_bind; the daemon's once serving */
    body_pool bodies;
    http_metrics *metrics; /* NULL: requests are not counted */
    http_limits limits;
    http_guard *guard; /* holds the connections to limits */
    const char *tls_cert, *tls_key; /* PEM; NULL: plain HTTP */
    struct http_later *laters; /* unanswered or unsent; under later_lock */
    int stopping;              /* no more laters; under later_lock */
};

/* An answer another thread gives (http_later_take). Every later of every
 * server is under one lock: the lock outlives any server, so an answer
 * that comes after its server stopped finds it. A server's answers are
 * few at a time (each is a waiting client), and the lock is held for a
 * few pointer moves. */
struct http_later {
    int refs;      /* the connection's and the answerer's */
    int suspended; /* libmicrohttpd holds the connection until resumed */
    int answered;  /* resp is the answer, or nobody is left to send it to */
    int conn_held; /* the connection's request is not complete yet */
    http_response resp;
    struct MHD_Connection *conn;
    http_server *server; /* NULL once the server stopped */
    struct http_later *prev, *next;
};
static pthread_mutex_t later_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t later_sent; /* a conn_held went 0; on the monotonic clock */
static pthread_once_t later_sent_once = PTHREAD_ONCE_INIT;

static void later_sent_init(void)
{
    clock_mono_cond_init(&later_sent);
}

/* GnuTLS priorities: TLS 1.3 and nothing older. */
#define TLS13_ONLY "NORMAL:-VERS-ALL:+VERS-TLS1.3"

/* A declared length reserves at most this much before the bytes come:
 * a client that declares 16 MB and sends nothing holds no more. */
#define BODY_UPFRONT ((size_t)256 << 10)
#define NO_MEMORY "out of memory: try again later"

/* Per-request state while the body arrives. */
typedef struct upload {
    char *buf;
    size_t len, cap, max;
    size_t expect;          /* declared length + 1, 0 when none was */
    unsigned long long dropped; /* bytes read and dropped (see drop) */
    int too_large;
    int no_memory; /* the body could not be kept: 503 at its end */
    int refused;  /* the gate's status: drop whatever body follows */
    int answered; /* a response is already queued */
    int status;   /* the status queued, for the metrics; 0 while none is */
    size_t series; /* the request's series in the metrics */
    http_server *server;
    http_later *later; /* the handler's answer comes from another thread */
    struct timespec t0; /* when its headers came */
    unsigned long long got; /* body bytes received, kept or dropped */
} upload;

/* Grows by doubling, straight to the declared length when it is near. */
static int append_upload(body_pool *pool, upload *u, const char *data, size_t n, size_t max)
{
    size_t want = u->len + n + 1, target;

    if (u->len + n > max) {
        u->too_large = 1;
        return -1;
    }
    if (want > u->cap) {
        target = u->cap * 2 > want ? u->cap * 2 : want;
        if (u->expect && want <= u->expect && target > u->expect)
            target = u->expect;
        if (body_pool_grow(pool, &u->buf, &u->cap, u->len, target) != 0)
            return -1;
    }
    memcpy(u->buf + u->len, data, n);
    u->len += n;
    u->buf[u->len] = '\0';
    return 0;
}

static void response_free(http_response *r)
{
    free(r->body);
    for (int i = 0; i < r->nheaders; i++) {
        free(r->headers[i][0]);
        free(r->headers[i][1]);
    }
}

/* Response bodies carry CIs (idsvc), documents (agency) and tokens: the
 * buffer is wiped before it is freed, once libmicrohttpd is done. */
typedef struct sent_body {
    char *data;
    size_t len;
} sent_body;

static void free_sent(void *cls)
{
    sent_body *b = cls;

    secure_wipe(b->data, b->len);
    free(b->data);
    free(b);
}

/* Hands r->body to libmicrohttpd (r->body becomes NULL on success). */
static struct MHD_Response *response_from(http_response *r)
{
    sent_body *b = malloc(sizeof *b);
    struct MHD_Response *m;

    if (!b)
        return NULL;
    *b = (sent_body){r->body, r->body_len};
    m = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, free_sent, b);
    if (!m)
        free(b);
    else
        r->body = NULL;
    return m;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, http_response *r)
{
    struct MHD_Response *m = response_from(r);
    enum MHD_Result ok;

    if (!m)
        return MHD_NO;
    MHD_add_response_header(m, "Content-Type",
                            r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(m, "Cache-Control", "no-store");
    for (int i = 0; i < r->nheaders; i++)
        MHD_add_response_header(m, r->headers[i][0], r->headers[i][1]);
    ok = MHD_queue_response(conn, (unsigned)r->status, m);
    MHD_destroy_response(m);
    return ok;
}

static enum MHD_Result reply_now(http_server *s, struct MHD_Connection *conn, upload *u,
                                 int status, const char *msg)
{
    http_response r = {0};
    enum MHD_Result ok;

    http_reply_error(&r, status, "%s", msg);
    u->status = status;
    if (s->refusal)
        s->refusal(s->ctx, status, msg, &r);
    ok = send_response(conn, &r);
    response_free(&r);
    return ok;
}

/* 1 and the length when the request declares one. */
static int declared_length(struct MHD_Connection *conn, unsigned long long *len);
/* How much of a body that will not be kept is read and dropped. */
static unsigned long long drop_allowance(const upload *u);

/* 1 when the client is about to send a body without waiting for our word. */
static int body_follows(struct MHD_Connection *conn)
{
    const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_TRANSFER_ENCODING);

    if (expect && !strcasecmp(expect, "100-continue"))
        return 0;
    return (cl && strtoull(cl, NULL, 10) > 0) || te;
}

static enum MHD_Result refuse(http_server *s, struct MHD_Connection *conn, upload *u,
                              int status, const char *method)
{
    http_response r = {0};
    enum MHD_Result ok;

    switch (status) {
    case 401:
        http_reply_error(&r, 401, "missing or unknown API key");
        http_add_header(&r, "WWW-Authenticate", "Bearer");
        break;
    case 403: http_reply_error(&r, 403, "this API key may not call this route"); break;
    case 404: http_reply_not_found(&r); break;
    case 405: http_reply_error(&r, 405, "%s is not allowed here", method); break;
    case 413: http_reply_error(&r, 413, "request body too large"); break;
    case 415:
        http_reply_error(&r, 415, "unsupported Content-Type for this route (docs/protocol.md"
                                  " names what each takes)");
        break;
    default: http_reply_error(&r, status, "request refused"); break;
    }
    u->status = status;
    if (s->refusal)
        s->refusal(s->ctx, status, status == 401 ? "missing or unknown API key"
                                : status == 413 ? "request body too large"
                                : status == 403 ? "this API key may not call this route"
                                : "request refused", &r);
    ok = send_response(conn, &r);
    response_free(&r);
    return ok;
}

/* First call of a request: headers only. Runs the gate and the size
 * check so that a refused request never has its body buffered. */
static enum MHD_Result begin_request(http_server *s, struct MHD_Connection *conn,
                                     const char *url, const char *method, upload *u)
{
    unsigned long long declared;

    u->max = s->max_body;
    clock_gettime(CLOCK_MONOTONIC, &u->t0);
    if (s->metrics) {
        u->series = http_metrics_series(s->metrics, method, url);
    }
    if (s->gate) {
        http_request head = {.method = method, .path = url, .conn = conn, .limits = &s->limits};
        int status = s->gate(s->ctx, &head, &u->max);
        if (status) {
            u->refused = status;
            if (status == 401 || status == 403)
                log_warn("%s %s refused before its body: %s", method, url,
                         status == 401 ? "missing or unknown API key"
                                       : "an API key this route is not for");
            /* Answering while a client is still sending makes the kernel
             * reset the connection, and the client sees no answer at all.
             * So answer now only when no body will come (or the client
             * waits for "100 Continue"); else drop the body and answer at
             * its end. Either way nothing is buffered. */
            if (!body_follows(conn)) {
                u->answered = 1;
                return refuse(s, conn, u, status, method);
            }
            return MHD_YES;
        }
    }
    if (declared_length(conn, &declared)) {
        if (declared > u->max) {
            /* As for a refused request: answered at once only when no body
             * comes first, or more than would be dropped; else the body is
             * read and dropped, and answered at its end. */
            u->too_large = 1;
            if (body_follows(conn) && declared <= drop_allowance(u))
                return MHD_YES;
            u->answered = 1;
            return reply_now(s, conn, u, 413, "request body too large");
        }
        if (declared > 0) {
            u->expect = (size_t)declared + 1;
            u->buf = body_pool_take(&s->bodies, u->expect < BODY_UPFRONT ? u->expect
                                                                        : BODY_UPFRONT,
                                    &u->cap);
            if (!u->buf) {
                u->no_memory = 1;
                if (body_follows(conn))
                    return MHD_YES; /* dropped as it comes, 503 at its end */
                u->answered = 1;
                return reply_now(s, conn, u, 503, NO_MEMORY);
            }
            u->buf[0] = '\0';
        }
    }
    return MHD_YES;
}

static int declared_length(struct MHD_Connection *conn, unsigned long long *len)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return 0;
    *len = strtoull(cl, NULL, 10);
    return 1;
}

/* A refused body is read and dropped up to four times its route's limit
 * and at least this much: a route that takes 4 KB must still answer 413,
 * not a reset, to a client that sends a few megabytes in chunks. */
#define DROP_AT_LEAST (64ULL << 20)

static unsigned long long drop_allowance(const upload *u)
{
    unsigned long long allowance = 4ULL * u->max;

    return allowance < DROP_AT_LEAST ? DROP_AT_LEAST : allowance;
}

/* Reads and drops body bytes that will not be kept, so that the answer
 * can be sent at the body's end (answering while the client still sends
 * makes the kernel reset the connection, and the client sees no answer).
 * Dropping costs no memory; a client that goes on past the allowance is
 * cut off. */
static enum MHD_Result drop(upload *u, size_t *data_size)
{
    u->dropped += *data_size;
    *data_size = 0;
    return u->dropped > drop_allowance(u) ? MHD_NO : MHD_YES;
}

/* After its first body_grace_s seconds a body must have come at
 * body_min_rate bytes a second on average. request_timeout_s bounds only
 * the silence between bytes: a body sent a byte at a time, each just
 * inside it, would hold its connection (counted busy, so never replaced
 * by a newcomer) for days; a few thousand of them would shut out every
 * agency and platform. An honest upload on the slowest link goes faster. */
static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int too_slow(const http_limits *l, upload *u, size_t more)
{
    double t;

    u->got += more;
    t = seconds_since(&u->t0) - (double)l->body_grace_s;
    return t > 0 && (double)u->got < t * (double)l->body_min_rate;
}

/* ---- answers given later ---- */

http_later *http_later_take(const http_request *req)
{
    upload *u = req->internal;
    http_later *l;

    if (!u || u->later || !(l = calloc(1, sizeof *l)))
        return NULL;
    l->refs = 2;
    l->conn_held = 1;
    l->conn = req->conn;
    l->server = u->server;
    pthread_mutex_lock(&later_lock);
    if (l->server->stopping) {
        pthread_mutex_unlock(&later_lock);
        free(l);
        return NULL;
    }
    l->next = l->server->laters;
    if (l->next)
        l->next->prev = l;
    l->server->laters = l;
    pthread_mutex_unlock(&later_lock);
    u->later = l;
    return l;
}

/* Under later_lock. */
static void later_release(http_later *l)
{
    if (--l->refs)
        return;
    if (l->server) {
        if (l->prev)
            l->prev->next = l->next;
        else
            l->server->laters = l->next;
        if (l->next)
            l->next->prev = l->prev;
    }
    response_free(&l->resp);
    free(l);
}

/* Under later_lock: resp becomes l's answer, unless it has one. */
static void later_settle(http_later *l, http_response *resp)
{
    if (l->answered) {
        response_free(resp);
    } else {
        l->resp = *resp;
        l->answered = 1;
        if (l->suspended) {
            l->suspended = 0;
            MHD_resume_connection(l->conn);
        }
    }
    memset(resp, 0, sizeof *resp);
}

void http_later_answer(http_later *l, http_response *resp)
{
    if (!resp->body)
        http_reply_error(resp, resp->status ? resp->status : 500, "no response");
    pthread_mutex_lock(&later_lock);
    later_settle(l, resp);
    later_release(l);
    pthread_mutex_unlock(&later_lock);
}

/* The handler took a later: sends its answer when it has come (the handler
 * was quick, or the connection was resumed for it), else holds the
 * connection until it comes. */
static enum MHD_Result send_later(struct MHD_Connection *conn, upload *u)
{
    http_later *l = u->later;
    http_response resp;
    enum MHD_Result ok;

    pthread_mutex_lock(&later_lock);
    if (!l->answered) {
        MHD_suspend_connection(conn);
        l->suspended = 1;
        pthread_mutex_unlock(&later_lock);
        return MHD_YES;
    }
    resp = l->resp;
    memset(&l->resp, 0, sizeof l->resp);
    pthread_mutex_unlock(&later_lock);
    u->status = resp.status;
    ok = send_response(conn, &resp);
    response_free(&resp);
    return ok;
}

#define STOPPING "the server is stopping: try again"
/* How long stopping waits for the 503s to go out. */
#define STOP_SEND_MS 2000

/* Stopping: every client still waiting gets 503 (libmicrohttpd must not
 * stop with a connection suspended), and no handler takes a later. The
 * 503s go out before the daemon stops, up to STOP_SEND_MS: once it
 * stops, its threads close resumed connections without serving them. */
static void laters_refuse(http_server *s)
{
    struct timespec until;
    int held = 1;

    pthread_mutex_lock(&later_lock);
    s->stopping = 1;
    for (http_later *l = s->laters; l; l = l->next) {
        http_response r = {0};
        http_reply_error(&r, 503, STOPPING);
        if (s->refusal)
            s->refusal(s->ctx, 503, STOPPING, &r);
        later_settle(l, &r);
    }
    until = clock_mono_after_ms(STOP_SEND_MS);
    while (held) {
        held = 0;
        for (http_later *l = s->laters; l && !held; l = l->next)
            held = l->conn_held;
        if (held && pthread_cond_timedwait(&later_sent, &later_lock, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&later_lock);
}

/* Stopped: the connections are gone; what answers come from now on are
 * dropped, without the server. */
static void laters_detach(http_server *s)
{
    pthread_mutex_lock(&later_lock);
    for (http_later *l = s->laters, *next; l; l = next) {
        next = l->next;
        l->server = NULL;
        l->prev = l->next = NULL;
    }
    s->laters = NULL;
    pthread_mutex_unlock(&later_lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **state)
{
    http_server *s = cls;
    upload *u = *state;
    (void)version;

    if (!u) {
        u = calloc(1, sizeof *u);
        if (!u)
            return MHD_NO;
        *state = u;
        u->server = s;
        http_guard_busy(conn);
        return begin_request(s, conn, url, method, u);
    }
    if (u->later) /* resumed: its answer came */
        return send_later(conn, u);
    if (*data_size && too_slow(&s->limits, u, *data_size)) {
        log_warn("%s %s: closed, its body came slower than %ld bytes a second (%llu bytes"
                 " in %.0f s)", method, url, s->limits.body_min_rate, u->got,
                 seconds_since(&u->t0));
        return MHD_NO;
    }
    if (u->refused) {
        if (*data_size)
            return drop(u, data_size);
        if (u->answered)
            return MHD_YES;
        u->answered = 1;
        return refuse(s, conn, u, u->refused, method);
    }
    if (*data_size) {
        /* A body that outgrows its limit as it comes (sent in chunks, no
         * length declared) is read to its end and dropped: answering
         * while the client still sends would reset the connection. */
        if (u->too_large || u->no_memory)
            return drop(u, data_size);
        if (append_upload(&s->bodies, u, data, *data_size, u->max) != 0) {
            u->no_memory = !u->too_large;
            body_pool_give(&s->bodies, u->buf, u->cap, u->len + 1);
            u->buf = NULL;
            u->cap = u->len = 0;
        }
        *data_size = 0;
        return MHD_YES;
    }
    if (u->too_large || u->no_memory) {
        if (u->answered)
            return MHD_YES;
        u->answered = 1;
        return u->too_large ? reply_now(s, conn, u, 413, "request body too large")
                            : reply_now(s, conn, u, 503, NO_MEMORY);
    }

    http_request req = {
        .method = method, .path = url,
        .body = u->buf ? u->buf : "", .body_len = u->len, .conn = conn, .limits = &s->limits,
        .internal = u,
    };
    http_response resp = {.status = 500};
    s->handler(s->ctx, &req, &resp);
    if (u->later) {
        response_free(&resp);
        return send_later(conn, u);
    }
    if (!resp.body)
        http_reply_error(&resp, resp.status ? resp.status : 500, "no response");
    u->status = resp.status;
    enum MHD_Result ok = send_response(conn, &resp);
    response_free(&resp);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    upload *u = *state;
    (void)toe;

    http_guard_idle(conn);
    if (u && s->metrics && u->status)
        http_metrics_record(s->metrics, u->series, u->status, seconds_since(&u->t0));
    if (u && u->later) {
        /* Sent, or the server stopped: whatever answer comes is dropped. */
        pthread_mutex_lock(&later_lock);
        u->later->answered = 1;
        u->later->suspended = 0;
        u->later->conn_held = 0;
        pthread_cond_broadcast(&later_sent);
        later_release(u->later);
        pthread_mutex_unlock(&later_lock);
    }
    if (u) {
        /* Bodies carry RRNs and CIs: the pool wipes what was written. */
        body_pool_give(&s->bodies, u->buf, u->cap, u->len + 1);
        free(u);
        *state = NULL;
    }
}

int http_split_listen(const char *listen, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t n;
    char *end;
    long p;

    if (!colon)
        return -1;
    n = (size_t)(colon - listen);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= hostlen)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static int resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *sl,
                   char *err, size_t errlen)
{
    char host[256], portstr[8];
    int port;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai;

    if (http_split_listen(listen, host, sizeof host, &port) != 0) {
        snprintf(err, errlen, "bad listen address '%s': expected HOST:PORT", listen);
        return -1;
    }
    snprintf(portstr, sizeof portstr, "%d", port);
    if (getaddrinfo(host, portstr, &hints, &ai) != 0) {
        snprintf(err, errlen, "cannot resolve listen host '%s'", host);
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sl = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* A listening socket on addr ("HOST:PORT"), its port in *port; -1 with
 * err. Bound here rather than by libmicrohttpd so that the port (port 0
 * picks one) is known before any request thread exists. */
static int open_listener(const char *addr, int *port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, one = 1;

    if (resolve(addr, &ss, &sl, err, errlen) != 0)
        return -1;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(err, errlen, "cannot listen on %s (address in use or not local?)", addr);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

http_server *http_server_bind(const char *listen, char *err, size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);

    pthread_once(&later_sent_once, later_sent_init);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->listen_fd = open_listener(listen, &s->port, err, errlen);
    if (s->listen_fd < 0) {
        free(s);
        return NULL;
    }
    body_pool_init(&s->bodies);
    s->limits = (http_limits)HTTP_LIMITS_DEFAULT;
    return s;
}

void http_server_limit(http_server *s, const http_limits *limits)
{
    s->limits = *limits;
}

void http_server_observe(http_server *s, http_metrics *m)
{
    s->metrics = m;
}

int http_server_serve(http_server *s, size_t max_body, unsigned threads, http_gate gate,
                      http_handler handler, void *ctx, char *err, size_t errlen)
{
    s->handler = handler;
    s->gate = gate;
    s->ctx = ctx;
    s->max_body = max_body;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)s->tls_key},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS13_ONLY},
        {MHD_OPTION_END, 0, NULL},
    };

    if (!s->guard && !(s->guard = http_guard_new(&s->limits, err, errlen)))
        return -1;
    /* epoll and a small pool: idle connections cost a few hundred bytes
     * each, not a thread. The guard does the per-source limit and the
     * short waits; libmicrohttpd's timeout is the silence allowed once a
     * request is in. */
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            (s->tls_cert ? MHD_USE_TLS : 0), 0,
        NULL, NULL, on_request, s,
        MHD_OPTION_ARRAY, s->tls_cert ? tls : tls + 3,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 1,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, http_guard_notify, s->guard,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->limits.request_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, http_guard_capacity(s->guard),
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot serve on port %d%s", s->port,
                 s->tls_cert ? " (is the TLS certificate's key the one in the key file?)" : "");
        return -1;
    }
    return 0;
}

http_server *http_server_start(const char *listen, size_t max_body, unsigned threads,
                               http_handler handler, void *ctx,
                               char *err, size_t errlen)
{
    return http_server_start_gated(listen, max_body, threads, NULL, handler, ctx, err, errlen);
}

http_server *http_server_start_gated(const char *listen, size_t max_body, unsigned threads,
                                     http_gate gate, http_handler handler, void *ctx,
                                     char *err, size_t errlen)
{
    http_server *s = http_server_bind(listen, err, errlen);

    if (s && http_server_serve(s, max_body, threads, gate, handler, ctx, err, errlen) != 0) {
        http_server_stop(s);
        return NULL;
    }
    return s;
}

void http_server_set_refusal(http_server *s, http_refusal fn)
{
    s->refusal = fn;
}

int http_server_use_tls(http_server *s, const char *cert_pem, const char *key_pem, char *err,
                        size_t errlen)
{
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen, "this libmicrohttpd was built without TLS");
        return -1;
    }
    s->tls_cert = cert_pem;
    s->tls_key = key_pem;
    return 0;
}

int http_server_port(const http_server *s)
{
    return s->port;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    laters_refuse(s);
    if (s->daemon)
        MHD_stop_daemon(s->daemon); /* closes the listening socket too */
    else
        close(s->listen_fd);
    laters_detach(s);
    http_guard_free(s->guard);
    body_pool_clear(&s->bodies);
    free(s);
}
