/* notice_state.h -- the life of a notice at the hub (protocol.md "States
 * and evidence").
 *
 *   accepted --RelayAcceptance--> relayed --ContentConsignment--> received
 *   relayed/received --ContentHandover--> read            (final)
 *   relayed/received --AcceptanceRejectionExpiry--> accepted (next channel)
 *   relayed/received --ConsignmentNotificationFailure--> accepted (next channel)
 *   accepted/relayed/received --RelayToNonERDS--> postal  (final)
 *   accepted/relayed/received --NoticeCancellation--> cancelled (final)
 *
 * The sending agency may cancel a notice at any time: before it is read
 * that ends it (no more relays, reminders or paper); once read or posted,
 * the cancellation is evidence only, so the certificate shows both.
 *   accepted/relayed/received --PaymentReceived--> paid   (final)
 *
 * A paid notice is settled: the hub sends it nowhere else, reminds
 * nobody of it and sends no paper for it. A payment after read or postal
 * is evidence only.
 *
 * A failed alert is final for its channel: like a deadline that passed, it
 * sends the notice on to the person's next platform (or paper), but it is
 * its own evidence, not an AcceptanceRejectionExpiry: no deadline ran out.
 *
 * A pre-noticed notice (ConsentPreNotification, after its RelayAcceptance)
 * stays relayed until ConsentAcceptance and ContentConsignment, or its
 * consent window's AcceptanceRejectionExpiry.
 *
 * Other events are recorded without moving the state. Nothing moves a
 * notice out of read or postal: a late report there is "ignored" (still
 * logged as evidence). Which role may report which event is decided here
 * too, so the HTTP shell only asks. Pure: no I/O. */
#ifndef HERALD_NOTICE_STATE_H
#define HERALD_NOTICE_STATE_H

#include <stddef.h>

typedef enum notice_state {
    NS_ACCEPTED,
    NS_RELAYED,
    NS_RECEIVED,
    NS_READ,
    NS_POSTAL,
    NS_CANCELLED, /* the sending agency withdrew it before it was read or posted */
    NS_PAID,
    NS_COUNT
} notice_state;

typedef enum notice_event {
    EV_SUBMISSION_ACCEPTANCE,
    EV_SUBMISSION_REJECTION,
    EV_RELAY_ACCEPTANCE,
    EV_RELAY_REJECTION,
    EV_RELAY_FAILURE,
    EV_RELAY_TO_NON_ERDS,
    EV_CONTENT_CONSIGNMENT,
    EV_CONSIGNMENT_NOTIFICATION,
    /* Stored as bits of the hub's relays rows (1 << event): the events
     * up to here keep their numbers. */
    EV_CONSIGNMENT_NOTIFICATION_DELIVERY,
    EV_CONSIGNMENT_NOTIFICATION_FAILURE,
    EV_CONTENT_HANDOVER,
    EV_CONTENT_HANDOVER_FAILURE,
    EV_ACCEPTANCE_REJECTION_EXPIRY,
    EV_REMINDER_NOTIFICATION,     /* the platform took reminder N: hub-recorded */
    EV_CONSENT_PRE_NOTIFICATION,  /* a member without consent was told: hub-recorded */
    EV_CONSENT_ACCEPTANCE,        /* that member consented: the platform reports */
    EV_NOTICE_CANCELLATION,       /* the agency withdrew it: hub-recorded from its call */
    EV_PAYMENT_RECEIVED,          /* the agency was paid (POST /v1/payments): hub-recorded */
    EV_PRINT_HANDOVER,            /* the agency handed the letter to print: POST /v1/postal/handover */
    EV_COUNT
} notice_event;

/* Who reports an event: the hub itself, a platform, or an agency. */
typedef enum notice_role { ROLE_HUB, ROLE_PLATFORM, ROLE_AGENCY } notice_role;

typedef enum notice_outcome {
    NS_MOVED,    /* the state changes to *next */
    NS_RECORDED, /* evidence only; the state stays */
    NS_IGNORED,  /* the notice is final; evidence only */
} notice_outcome;

const char *notice_state_name(notice_state s);
/* -1 when the name is unknown. */
int notice_state_parse(const char *name);
const char *notice_event_name(notice_event e);
int notice_event_parse(const char *name);

int notice_state_is_final(notice_state s);

/* What event e does to a notice in state cur. */
notice_outcome notice_state_apply(notice_state cur, notice_event e, notice_state *next);

/* 1 if a caller in role r may report event e. */
int notice_event_allowed(notice_role r, notice_event e);

/* 1 if event e is about an alert, whose report may name the channel that
 * carried it and the channel's reference (ConsignmentNotification and its
 * Delivery and Failure). */
int notice_event_names_channel(notice_event e);

/* Relay retry delay after `failures` consecutive failures (1, 2, ...):
 * 1 s doubling up to 60 s, so a platform that is down costs a notice at
 * most one attempt a minute. */
long long notice_retry_delay_ms(int failures);

/* Time between the first of `failures` consecutive failures and the last
 * (the delays waited in between): 0 for one, 1 s for two, 3 s for three... */
long long notice_retry_elapsed_ms(int failures);

/* 1 when a channel that has failed `failures` times in a row by now is
 * given up on rather than retried: its next try would come after what it
 * had to deliver by. That is the notice's deadline; on a fallback channel
 * (an earlier one was given up on or expired), it is the fallback window
 * from the first failure if that ends later, as a fallback channel's read
 * window is (hub_db_read_due). A first channel tried only after the
 * deadline (the hub was down) is given up on at its first failure, and
 * the next one has the window.
 * A notice that cannot be relayed thus reaches its next channel, then
 * paper, and never retries past its deadline. */
int notice_relay_give_up(long long deadline, int failures, long long now, int fallback,
                         long long fallback_ms);

#endif
