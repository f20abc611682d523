/* smpp_session.c -- see smpp_session.h. A small state machine around a
 * nonblocking socket: IDLE -> CONNECTING -> BINDING -> BOUND ->
 * (UNBINDING) -> IDLE, any state falling back to IDLE when the connection
 * goes, with the wait before the next connect doubling up to
 * reconnect_max_s and starting afresh after a bind. */
#include "smpp_session.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define CONNECT_TIMEOUT_MS 10000 /* TCP, TLS and the bind's answer together */
#define UNBIND_TIMEOUT_MS 2000
#define FIRST_BACKOFF_MS 250
/* Bound this long, a link counts as one that held (lose). */
#define STABLE_LINK_MS 10000
/* What is read at once: a whole PDU of the largest size we accept, and
 * room for the next ones behind it. */
#define READ_BUF (SMPP_PDU_MAX + 16384)
#define PDU_OUT_MAX 512 /* our biggest PDU is a submit_sm: ~330 octets */
/* Unsent octets past which the session stops reading. Each PDU the SMSC
 * sends is answered; one that sends and never reads our answers would
 * otherwise grow them without end. Past this, TCP holds the SMSC back,
 * and an SMSC that reads nothing is dropped when its enquire_link goes
 * unanswered. */
#define OUT_HIGH (256 * 1024)
/* data_sm receipts waiting for their answer, which must be a data_sm_resp:
 * the SMSC's window, with room (more are answered "try again later"). */
#define DATA_SM_MAX 1024

struct smpp_session {
    smpp_session_config cfg;
    smpp_session_handler h;
    smpp_session_state state;
    int fd;
    SSL_CTX *ssl_ctx;
    SSL *ssl;
    int tls_done;          /* the TLS handshake is over */
    int ssl_wants_write;   /* the last TLS call needs the socket writable */
    uint32_t sequence;     /* the last we used */
    uint32_t bind_seq, unbind_seq, enquire_seq;
    long long deadline_ms;    /* CONNECTING/BINDING/UNBINDING: give up then */
    long long next_connect_ms;
    long long last_rx_ms;     /* anything read: the link lives */
    long long enquire_sent_ms; /* 0: no enquire_link of ours waits */
    long backoff_ms;
    long long bound_ms; /* when the last bind was answered */
    unsigned addr_turn; /* which of the host's addresses the next connect tries */
    uint8_t *in;
    size_t in_len;
    uint8_t *out;
    size_t out_off, out_len, out_cap;
    uint32_t data_sm_seq[DATA_SM_MAX]; /* data_sm read, not yet answered */
    size_t ndata_sm;
};

smpp_session *smpp_session_new(const smpp_session_config *cfg, const smpp_session_handler *h)
{
    smpp_session *s = calloc(1, sizeof *s);

    if (!s || !(s->in = malloc(READ_BUF))) {
        free(s);
        return NULL;
    }
    s->cfg = *cfg;
    s->h = *h;
    s->fd = -1;
    s->state = SMPP_SESSION_IDLE;
    s->backoff_ms = FIRST_BACKOFF_MS;
    if (cfg->tls) {
        s->ssl_ctx = SSL_CTX_new(TLS_client_method());
        if (!s->ssl_ctx) {
            smpp_session_free(s);
            return NULL;
        }
        SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
        /* A TLS 1.2 renegotiation the SMSC starts makes a write wait for a
         * read, and reading stops while our answers pile up
         * (reading_paused): the session would spin on a writable socket
         * until its enquire_link timed out. Refused instead; TLS 1.3 has
         * none. */
        SSL_CTX_set_options(s->ssl_ctx, SSL_OP_NO_RENEGOTIATION);
        /* A write OpenSSL could not finish is retried from s->out, which
         * out_reserve may have moved or grown since: the bytes are the
         * same, the address need not be. */
        SSL_CTX_set_mode(s->ssl_ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        SSL_CTX_set_verify(s->ssl_ctx, SSL_VERIFY_PEER, NULL);
        int ok = cfg->tls_ca_file[0]
                     ? SSL_CTX_load_verify_locations(s->ssl_ctx, cfg->tls_ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(s->ssl_ctx);
        if (ok != 1) {
            log_error("smpp: cannot load the CA certificates %s", cfg->tls_ca_file);
            smpp_session_free(s);
            return NULL;
        }
    }
    return s;
}

static void close_connection(smpp_session *s)
{
    if (s->ssl) {
        SSL_free(s->ssl);
        s->ssl = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->in_len = s->out_len = s->out_off = 0;
    s->tls_done = s->ssl_wants_write = 0;
    s->enquire_sent_ms = 0;
    s->ndata_sm = 0;
}

void smpp_session_free(smpp_session *s)
{
    if (!s)
        return;
    close_connection(s);
    if (s->ssl_ctx)
        SSL_CTX_free(s->ssl_ctx);
    free(s->in);
    free(s->out);
    free(s);
}

smpp_session_state smpp_session_state_of(const smpp_session *s)
{
    return s->state;
}

/* The connection is over: tell the owner (unless it was never bound, when
 * nothing was submitted) and wait before the next connect. */
static void lose(smpp_session *s, long long now_ms, const char *why)
{
    smpp_session_state was = s->state;

    if (s->fd < 0 && was == SMPP_SESSION_IDLE)
        return;
    close_connection(s);
    s->state = SMPP_SESSION_IDLE;
    /* A name may have several addresses (localhost: ::1 and 127.0.0.1),
     * the SMSC listening on some: a connect that failed, the next try
     * takes the next one. */
    if (was == SMPP_SESSION_CONNECTING)
        s->addr_turn++;
    /* Only a link that held starts the waits again from the shortest: an
     * SMSC that answers each bind and then closes would be met every
     * 250 ms for ever. */
    if ((was == SMPP_SESSION_BOUND || was == SMPP_SESSION_UNBINDING) &&
        now_ms - s->bound_ms >= STABLE_LINK_MS)
        s->backoff_ms = FIRST_BACKOFF_MS;
    s->next_connect_ms = now_ms + s->backoff_ms;
    if (was != SMPP_SESSION_UNBINDING)
        log_warn("smpp: %s:%d: %s; connecting again in %ld ms", s->cfg.host, s->cfg.port, why,
                 s->backoff_ms);
    s->backoff_ms = s->backoff_ms * 2 > s->cfg.reconnect_max_s * 1000
                        ? s->cfg.reconnect_max_s * 1000
                        : s->backoff_ms * 2;
    if (was == SMPP_SESSION_BOUND || was == SMPP_SESSION_UNBINDING)
        s->h.lost(s->h.ctx, why);
}

void smpp_session_drop(smpp_session *s, long long now_ms, const char *why)
{
    lose(s, now_ms, why);
}

static uint32_t next_sequence(smpp_session *s)
{
    s->sequence = s->sequence >= 0x7FFFFFFFu ? 1 : s->sequence + 1;
    return s->sequence;
}

/* Room for one more PDU at the end of the output. */
static uint8_t *out_reserve(smpp_session *s)
{
    if (s->out_off > 0 && s->out_off == s->out_len)
        s->out_off = s->out_len = 0;
    if (s->out_len + PDU_OUT_MAX > s->out_cap) {
        if (s->out_off > 0) { /* slide what is unsent to the front first */
            memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
            s->out_len -= s->out_off;
            s->out_off = 0;
        }
        if (s->out_len + PDU_OUT_MAX > s->out_cap) {
            size_t cap = s->out_cap ? s->out_cap * 2 : 65536;
            uint8_t *p = realloc(s->out, cap);
            if (!p)
                return NULL;
            s->out = p;
            s->out_cap = cap;
        }
    }
    return s->out + s->out_len;
}

/* Appends a packed PDU (n octets, or -1 when it did not pack). */
static int out_commit(smpp_session *s, int n, const char *what)
{
    if (n < 0) {
        log_error("smpp: cannot pack %s", what);
        return -1;
    }
    s->out_len += (size_t)n;
    return 0;
}

#define QUEUE(s, what, pack, ...)                                                        \
    do {                                                                                 \
        uint8_t *at_ = out_reserve(s);                                                   \
        if (at_)                                                                         \
            (void)out_commit(s, pack(at_, PDU_OUT_MAX, __VA_ARGS__), what);              \
    } while (0)

static int io_write(smpp_session *s, const uint8_t *p, size_t n)
{
    if (!s->ssl) {
        ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        return (int)w;
    }
    int w = SSL_write(s->ssl, p, (int)n);
    if (w > 0)
        return w;
    int e = SSL_get_error(s->ssl, w);
    s->ssl_wants_write = e == SSL_ERROR_WANT_WRITE;
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* >0 read, 0 nothing now, -1 closed or failed. */
static int io_read(smpp_session *s, uint8_t *p, size_t n)
{
    if (!s->ssl) {
        ssize_t r = recv(s->fd, p, n, 0);
        if (r < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        return r == 0 ? -1 : (int)r;
    }
    int r = SSL_read(s->ssl, p, (int)n);
    if (r > 0)
        return r;
    int e = SSL_get_error(s->ssl, r);
    s->ssl_wants_write = e == SSL_ERROR_WANT_WRITE;
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* 1 while the answers queued are more than the SMSC has taken. */
static int reading_paused(const smpp_session *s)
{
    return s->out_len - s->out_off > OUT_HIGH;
}

static int flush_out(smpp_session *s)
{
    while (s->out_off < s->out_len) {
        int w = io_write(s, s->out + s->out_off, s->out_len - s->out_off);
        if (w < 0)
            return -1;
        if (w == 0)
            break;
        s->out_off += (size_t)w;
    }
    return 0;
}

static void send_bind(smpp_session *s, long long now_ms)
{
    s->bind_seq = next_sequence(s);
    QUEUE(s, "bind_transceiver", smpp_pdu_pack_bind_transceiver, s->bind_seq,
          s->cfg.system_id, s->cfg.password, s->cfg.system_type);
    s->state = SMPP_SESSION_BINDING;
    s->last_rx_ms = now_ms;
}

static void start_connect(smpp_session *s, long long now_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL, *a;
    unsigned count = 0;
    char port[16];
    int rc;

    snprintf(port, sizeof port, "%d", s->cfg.port);
    s->state = SMPP_SESSION_CONNECTING;
    s->deadline_ms = now_ms + CONNECT_TIMEOUT_MS;
    if ((rc = getaddrinfo(s->cfg.host, port, &hints, &res)) != 0) {
        lose(s, now_ms, gai_strerror(rc));
        return;
    }
    for (a = res; a; a = a->ai_next)
        count++;
    a = res;
    for (unsigned k = s->addr_turn % count; k > 0; k--)
        a = a->ai_next;
    s->fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0 ||
        (connect(s->fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS)) {
        const char *why = strerror(errno);
        freeaddrinfo(res);
        lose(s, now_ms, why);
        return;
    }
    freeaddrinfo(res);
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* The TCP connect finished (poll said writable): start TLS or bind. */
static void connected(smpp_session *s, long long now_ms)
{
    int soerr = 0;
    socklen_t len = sizeof soerr;

    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr) {
        lose(s, now_ms, strerror(soerr ? soerr : errno));
        return;
    }
    if (!s->ssl_ctx) {
        s->tls_done = 1;
        send_bind(s, now_ms);
        return;
    }
    /* The certificate must name the host we were told: an address
     * among its IP entries, a name among its DNS ones (sent as SNI). */
    unsigned char ip[16];
    int literal = inet_pton(AF_INET, s->cfg.host, ip) == 1 || inet_pton(AF_INET6, s->cfg.host, ip) == 1;
    s->ssl = SSL_new(s->ssl_ctx);
    if (!s->ssl || SSL_set_fd(s->ssl, s->fd) != 1 ||
        (literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), s->cfg.host) != 1
                 : SSL_set_tlsext_host_name(s->ssl, s->cfg.host) != 1 ||
                       SSL_set1_host(s->ssl, s->cfg.host) != 1)) {
        lose(s, now_ms, "cannot set up TLS");
        return;
    }
}

/* One step of the TLS handshake: 1 done, 0 not yet, -1 failed. */
static int tls_step(smpp_session *s, long long now_ms)
{
    int r = SSL_connect(s->ssl), e;
    char why[256];

    if (r == 1) {
        s->tls_done = 1;
        s->ssl_wants_write = 0;
        send_bind(s, now_ms);
        return 1;
    }
    e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        s->ssl_wants_write = e == SSL_ERROR_WANT_WRITE;
        return 0;
    }
    const char *reason = ERR_reason_error_string(ERR_peek_last_error());
    snprintf(why, sizeof why, "TLS handshake failed: %s", reason ? reason : "connection closed");
    ERR_clear_error();
    lose(s, now_ms, why);
    return -1;
}

static void on_bind_resp(smpp_session *s, const struct smpp_pdu *pdu, long long now_ms)
{
    char why[96];

    if (pdu->sequence_number != s->bind_seq || s->state != SMPP_SESSION_BINDING) {
        log_warn("smpp: a bind_transceiver_resp nobody asked for (sequence %u): ignored",
                 pdu->sequence_number);
        return;
    }
    if (pdu->command_status != SMPP_PDU_ESME_ROK) {
        snprintf(why, sizeof why, "bind refused as \"%s\": status 0x%08x", s->cfg.system_id,
                 pdu->command_status);
        lose(s, now_ms, why);
        return;
    }
    s->state = SMPP_SESSION_BOUND;
    s->bound_ms = now_ms;
    log_info("smpp: bound to %s:%d as \"%s\" (SMSC \"%s\")%s", s->cfg.host, s->cfg.port,
             s->cfg.system_id, pdu->u.system_id, s->ssl ? " over TLS" : "");
    s->h.bound(s->h.ctx);
}

/* What the SMSC sent that we do not read, or could not: the request is
 * answered generic_nack (SMPP 3.4, 4.3), a response only logged. */
static void refuse(smpp_session *s, const struct smpp_pdu *pdu, uint32_t status, const char *why)
{
    log_warn("smpp: refused a PDU from the SMSC (command_id 0x%08x, sequence %u): %s",
             pdu->command_id, pdu->sequence_number, why);
    if (!(pdu->command_id & SMPP_PDU_RESP_BIT) && pdu->sequence_number)
        QUEUE(s, "generic_nack", smpp_pdu_pack_generic_nack, pdu->sequence_number, status);
}

static void on_pdu(smpp_session *s, const struct smpp_pdu *pdu, long long now_ms)
{
    /* SMPP 3.4, 3.2: sequences run from 1 to 0x7FFFFFFF. 0 would match
     * no request of ours, or worse, a free slot. */
    if (!pdu->sequence_number || pdu->sequence_number > 0x7FFFFFFFu) {
        refuse(s, pdu, SMPP_PDU_ESME_RSYSERR, "a sequence number out of range");
        return;
    }
    switch (pdu->command_id) {
    case SMPP_PDU_BIND_TRANSCEIVER_RESP:
        on_bind_resp(s, pdu, now_ms);
        break;
    case SMPP_PDU_SUBMIT_SM_RESP:
        s->h.submit_resp(s->h.ctx, pdu->sequence_number, pdu->command_status,
                         pdu->command_status ? "" : pdu->u.message_id);
        break;
    case SMPP_PDU_GENERIC_NACK:
        log_warn("smpp: generic_nack 0x%08x for our sequence %u", pdu->command_status,
                 pdu->sequence_number);
        if (pdu->sequence_number == s->bind_seq && s->state == SMPP_SESSION_BINDING)
            lose(s, now_ms, "bind answered generic_nack");
        else
            s->h.submit_resp(s->h.ctx, pdu->sequence_number,
                             pdu->command_status ? pdu->command_status : SMPP_PDU_ESME_RSYSERR,
                             "");
        break;
    case SMPP_PDU_DELIVER_SM:
        if (s->state != SMPP_SESSION_BOUND && s->state != SMPP_SESSION_UNBINDING) {
            refuse(s, pdu, 0x00000004u /* ESME_RINVBNDSTS */, "deliver_sm before the bind");
            break;
        }
        s->h.deliver(s->h.ctx, pdu->sequence_number, &pdu->u.message);
        break;
    case SMPP_PDU_DATA_SM:
        /* Some SMSCs send receipts as data_sm (SMPP 3.4, 4.7): read as a
         * deliver_sm's, answered data_sm_resp (smpp_session_deliver_resp). */
        if (s->state != SMPP_SESSION_BOUND && s->state != SMPP_SESSION_UNBINDING) {
            refuse(s, pdu, 0x00000004u /* ESME_RINVBNDSTS */, "data_sm before the bind");
            break;
        }
        if (s->ndata_sm == DATA_SM_MAX) {
            QUEUE(s, "data_sm_resp", smpp_pdu_pack_data_sm_resp, pdu->sequence_number,
                  SMPP_PDU_ESME_RX_T_APPN);
            break;
        }
        s->data_sm_seq[s->ndata_sm++] = pdu->sequence_number;
        s->h.deliver(s->h.ctx, pdu->sequence_number, &pdu->u.message);
        break;
    case SMPP_PDU_ALERT_NOTIFICATION:
        /* A phone back in reach (SMPP 3.4, 4.12): a request with no
         * response, which a generic_nack would only confuse. Alerts are
         * not held for phones out of reach here, so nothing follows. */
        log_info("smpp: alert_notification (sequence %u): noted, not answered, as SMPP has no"
                 " response for it", pdu->sequence_number);
        break;
    case SMPP_PDU_ENQUIRE_LINK:
        QUEUE(s, "enquire_link_resp", smpp_pdu_pack_enquire_link_resp, pdu->sequence_number);
        break;
    case SMPP_PDU_ENQUIRE_LINK_RESP:
        s->enquire_sent_ms = 0;
        break;
    case SMPP_PDU_UNBIND:
        QUEUE(s, "unbind_resp", smpp_pdu_pack_unbind_resp, pdu->sequence_number);
        (void)flush_out(s);
        lose(s, now_ms, "the SMSC unbound");
        break;
    case SMPP_PDU_UNBIND_RESP:
        if (s->state == SMPP_SESSION_UNBINDING) {
            log_info("smpp: unbound from %s:%d", s->cfg.host, s->cfg.port);
            lose(s, now_ms, "unbound");
        }
        break;
    default:
        refuse(s, pdu, SMPP_PDU_ESME_RINVCMDID, "a command an ESME is not sent");
        break;
    }
}

/* Takes every whole PDU at the front of the input. */
static void read_pdus(smpp_session *s, long long now_ms)
{
    size_t off = 0;

    while (s->fd >= 0 && s->in_len - off >= 4) {
        const char *why = NULL;
        long len = smpp_pdu_length(s->in + off, s->in_len - off, &why);
        struct smpp_pdu pdu;

        if (len < 0) { /* the stream's framing cannot be trusted past this */
            char msg[160];
            snprintf(msg, sizeof msg, "unreadable stream from the SMSC: %s", why);
            lose(s, now_ms, msg);
            return;
        }
        if ((size_t)len > s->in_len - off)
            break;
        enum smpp_pdu_result r = smpp_pdu_unpack(s->in + off, (size_t)len, &pdu, &why);
        off += (size_t)len;
        if (r == SMPP_PDU_UNKNOWN)
            refuse(s, &pdu, SMPP_PDU_ESME_RINVCMDID, "unknown command id");
        else if (r == SMPP_PDU_MALFORMED && pdu.command_id == SMPP_PDU_SUBMIT_SM_RESP) {
            /* Its submit's outcome is unknown: the connection is dropped
             * and the owner queues the unanswered again. */
            char msg[160];
            snprintf(msg, sizeof msg, "malformed submit_sm_resp (sequence %u): %s",
                     pdu.sequence_number, why);
            lose(s, now_ms, msg);
            return;
        } else if (r == SMPP_PDU_MALFORMED && pdu.command_id == SMPP_PDU_GENERIC_NACK) {
            /* A nack is all header; octets after it change nothing it
             * says, and ignored, its submit would wait the 30 s timeout. */
            log_warn("smpp: a generic_nack with a body (sequence %u: %s): taken as the nack"
                     " its header says", pdu.sequence_number, why);
            on_pdu(s, &pdu, now_ms);
        } else if (r == SMPP_PDU_MALFORMED)
            refuse(s, &pdu, SMPP_PDU_ESME_RINVCMDLEN, why);
        else
            on_pdu(s, &pdu, now_ms);
    }
    if (s->fd < 0)
        return;
    memmove(s->in, s->in + off, s->in_len - off);
    s->in_len -= off;
}

int smpp_session_pollfd(const smpp_session *s, short *events)
{
    *events = 0;
    if (s->fd < 0)
        return -1;
    if (s->state == SMPP_SESSION_CONNECTING && !s->ssl)
        *events = POLLOUT;
    else {
        *events = reading_paused(s) ? 0 : POLLIN;
        if (s->out_off < s->out_len || s->ssl_wants_write)
            *events |= POLLOUT;
    }
    return s->fd;
}

void smpp_session_io(smpp_session *s, short revents, long long now_ms)
{
    if (s->fd < 0)
        return;
    if (s->state == SMPP_SESSION_CONNECTING) {
        if (!s->ssl) {
            if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
                return;
            connected(s, now_ms);
        }
        if (s->ssl && !s->tls_done && tls_step(s, now_ms) <= 0)
            return;
    }
    if (s->fd < 0)
        return;
    if ((revents & (POLLIN | POLLERR | POLLHUP)) || (s->ssl && SSL_pending(s->ssl))) {
        for (;;) {
            if (reading_paused(s) && (flush_out(s) != 0 || reading_paused(s)))
                break; /* the SMSC is not taking our answers: read no more for now */
            int r = io_read(s, s->in + s->in_len, READ_BUF - s->in_len);
            if (r < 0) {
                read_pdus(s, now_ms); /* what came before the close still counts */
                lose(s, now_ms, s->state == SMPP_SESSION_UNBINDING ? "unbound"
                                                                   : "the SMSC closed the connection");
                return;
            }
            if (r == 0)
                break;
            s->in_len += (size_t)r;
            s->last_rx_ms = now_ms;
            read_pdus(s, now_ms);
            if (s->fd < 0)
                return;
        }
    }
    if (flush_out(s) != 0)
        lose(s, now_ms, "cannot write to the SMSC");
}

long smpp_session_tick(smpp_session *s, long long now_ms)
{
    long wait = 1000;

    switch (s->state) {
    case SMPP_SESSION_IDLE:
        if (now_ms >= s->next_connect_ms) {
            start_connect(s, now_ms);
            return 10;
        }
        wait = (long)(s->next_connect_ms - now_ms);
        break;
    case SMPP_SESSION_CONNECTING:
    case SMPP_SESSION_BINDING:
    case SMPP_SESSION_UNBINDING:
        if (now_ms >= s->deadline_ms) {
            lose(s, now_ms, s->state == SMPP_SESSION_UNBINDING ? "unbind unanswered"
                            : s->state == SMPP_SESSION_BINDING ? "bind unanswered"
                                                               : "connect timed out");
            return 10;
        }
        wait = (long)(s->deadline_ms - now_ms);
        break;
    case SMPP_SESSION_BOUND: {
        long long idle = s->cfg.enquire_link_s * 1000;
        if (s->enquire_sent_ms && now_ms - s->enquire_sent_ms >= idle) {
            lose(s, now_ms, "enquire_link unanswered");
            return 10;
        }
        if (!s->enquire_sent_ms && now_ms - s->last_rx_ms >= idle) {
            s->enquire_seq = next_sequence(s);
            QUEUE(s, "enquire_link", smpp_pdu_pack_enquire_link, s->enquire_seq);
            s->enquire_sent_ms = now_ms;
            if (flush_out(s) != 0)
                lose(s, now_ms, "cannot write to the SMSC");
        }
        break;
    }
    }
    return wait < 1 ? 1 : wait > 1000 ? 1000 : wait;
}

uint32_t smpp_session_submit(smpp_session *s, const struct smpp_pdu_message *m)
{
    uint8_t *at;
    uint32_t seq;
    int n;

    if (s->state != SMPP_SESSION_BOUND || !(at = out_reserve(s)))
        return 0;
    seq = next_sequence(s);
    n = smpp_pdu_pack_submit_sm(at, PDU_OUT_MAX, seq, m);
    if (out_commit(s, n, "submit_sm") != 0)
        return 0;
    return seq;
}

/* 1, and sequence forgotten, when it is a data_sm's. */
static int was_data_sm(smpp_session *s, uint32_t sequence)
{
    for (size_t i = 0; i < s->ndata_sm; i++)
        if (s->data_sm_seq[i] == sequence) {
            s->data_sm_seq[i] = s->data_sm_seq[--s->ndata_sm];
            return 1;
        }
    return 0;
}

void smpp_session_deliver_resp(smpp_session *s, uint32_t sequence, uint32_t status)
{
    if (s->fd < 0)
        return;
    if (s->ndata_sm && was_data_sm(s, sequence))
        QUEUE(s, "data_sm_resp", smpp_pdu_pack_data_sm_resp, sequence, status);
    else
        QUEUE(s, "deliver_sm_resp", smpp_pdu_pack_deliver_sm_resp, sequence, status);
}

size_t smpp_session_backlog(const smpp_session *s)
{
    return s->out_len - s->out_off;
}

int smpp_session_unbind(smpp_session *s, long long now_ms)
{
    if (s->state == SMPP_SESSION_UNBINDING)
        return 1;
    if (s->state != SMPP_SESSION_BOUND) {
        close_connection(s);
        s->state = SMPP_SESSION_IDLE;
        return 0;
    }
    s->unbind_seq = next_sequence(s);
    QUEUE(s, "unbind", smpp_pdu_pack_unbind, s->unbind_seq);
    s->state = SMPP_SESSION_UNBINDING;
    s->deadline_ms = now_ms + UNBIND_TIMEOUT_MS;
    if (flush_out(s) != 0)
        lose(s, now_ms, "cannot write to the SMSC");
    return s->fd >= 0;
}
