/* smpp_session.h -- one ESME's connection to an SMSC: TCP (or TLS),
 * bind_transceiver, enquire_link both ways, generic_nack, unbind, and
 * the reconnects with growing delays between them.
 *
 * The carrier channel (sms_channel.c) decides what to send and what the
 * answers mean; this file keeps the connection itself, so that the
 * channel's code reads as alerts and windows, not sockets. It does no
 * threading: the channel's one thread polls the session's descriptor
 * (smpp_session_pollfd), calls smpp_session_io when it is ready and
 * smpp_session_tick for the timers, and hears back through the handler.
 * Everything read from the SMSC passes smpp_pdu_unpack's limits; what is
 * wrong is logged with what it was, answered generic_nack where SMPP
 * says so, and costs at most the connection, never the process. */
#ifndef HERALD_SMPP_SESSION_H
#define HERALD_SMPP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "smpp_pdu.h"

typedef struct smpp_session_config {
    char host[256];
    int port;
    char system_id[SMPP_PDU_SYSTEM_ID_MAX + 1];
    char password[SMPP_PDU_PASSWORD_MAX + 1];
    char system_type[SMPP_PDU_SYSTEM_TYPE_MAX + 1];
    int tls;                 /* 1: TLS over the TCP connection */
    char tls_ca_file[4096];  /* "" for the system's CAs */
    long enquire_link_s;     /* idle time before we ask whether the link lives */
    long reconnect_max_s;    /* the longest wait between two connects */
} smpp_session_config;

/* What the session tells its owner. Each is called from smpp_session_io
 * or smpp_session_tick, on the owner's thread. */
typedef struct smpp_session_handler {
    void *ctx;
    /* Bound: submits may go. */
    void (*bound)(void *ctx);
    /* The connection is gone (dropped, refused, timed out, unbound):
     * every submit still unanswered has an unknown outcome. */
    void (*lost)(void *ctx, const char *why);
    /* A submit_sm's answer (or a generic_nack naming its sequence):
     * message_id is "" when status is not 0. */
    void (*submit_resp)(void *ctx, uint32_t sequence, uint32_t status, const char *message_id);
    /* A deliver_sm, or a data_sm: the owner answers it with
     * smpp_session_deliver_resp, when it has recorded what it says, and
     * the session answers in kind. */
    void (*deliver)(void *ctx, uint32_t sequence, const struct smpp_pdu_message *m);
} smpp_session_handler;

typedef struct smpp_session smpp_session;

typedef enum smpp_session_state {
    SMPP_SESSION_IDLE,       /* not connected; waiting to connect again */
    SMPP_SESSION_CONNECTING, /* TCP (and TLS) handshake */
    SMPP_SESSION_BINDING,    /* bind_transceiver sent */
    SMPP_SESSION_BOUND,
    SMPP_SESSION_UNBINDING,  /* unbind sent: no more submits */
} smpp_session_state;

smpp_session *smpp_session_new(const smpp_session_config *cfg, const smpp_session_handler *h);
void smpp_session_free(smpp_session *s);

smpp_session_state smpp_session_state_of(const smpp_session *s);

/* The descriptor and the poll events the session waits for (-1 when it
 * has no connection: then only the timers matter). */
int smpp_session_pollfd(const smpp_session *s, short *events);
/* Reads and writes what it can after poll said revents. */
void smpp_session_io(smpp_session *s, short revents, long long now_ms);
/* Connects when it is time, sends enquire_link when the link has been
 * quiet, gives up on a peer that stopped answering. Returns the ms until
 * it next needs a tick (at most 1000). */
long smpp_session_tick(smpp_session *s, long long now_ms);

/* Queues a submit_sm; returns its sequence number, or 0 when the session
 * is not bound or the message does not pack (logged). */
uint32_t smpp_session_submit(smpp_session *s, const struct smpp_pdu_message *m);
void smpp_session_deliver_resp(smpp_session *s, uint32_t sequence, uint32_t status);
/* Octets waiting to be written: a caller filling a window can stop when
 * the socket does not keep up. */
size_t smpp_session_backlog(const smpp_session *s);
/* Closes the connection now as lost (the owner saw an answer it cannot
 * trust, or a submit that never got one). */
void smpp_session_drop(smpp_session *s, long long now_ms, const char *why);
/* Sends unbind; the session ends when the SMSC answers, or at the
 * deadline. Returns 1 while an unbind is still under way, 0 when there
 * is no connection left. */
int smpp_session_unbind(smpp_session *s, long long now_ms);

#endif
