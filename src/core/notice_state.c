/* notice_state.c -- see notice_state.h. */
#include "notice_state.h"

#include <string.h>

static const char *const state_names[NS_COUNT] = {
    "accepted", "relayed", "received", "read", "postal", "cancelled", "paid",
};

/* ETSI EN 319 522 event names, in notice_event order. */
static const char *const event_names[EV_COUNT] = {
    "SubmissionAcceptance",
    "SubmissionRejection",
    "RelayAcceptance",
    "RelayRejection",
    "RelayFailure",
    "RelayToNonERDS",
    "ContentConsignment",
    "ConsignmentNotification",
    "ConsignmentNotificationDelivery",
    "ConsignmentNotificationFailure",
    "ContentHandover",
    "ContentHandoverFailure",
    "AcceptanceRejectionExpiry",
    "ReminderNotification",
    "ConsentPreNotification",
    "ConsentAcceptance",
    "NoticeCancellation",
    "PaymentReceived",
    "PrintHandover",
};

static const notice_role event_roles[EV_COUNT] = {
    [EV_SUBMISSION_ACCEPTANCE] = ROLE_HUB,
    [EV_SUBMISSION_REJECTION] = ROLE_HUB,
    [EV_RELAY_ACCEPTANCE] = ROLE_HUB,
    [EV_RELAY_REJECTION] = ROLE_HUB,
    [EV_RELAY_FAILURE] = ROLE_HUB,
    [EV_RELAY_TO_NON_ERDS] = ROLE_HUB,
    [EV_CONTENT_CONSIGNMENT] = ROLE_PLATFORM,
    [EV_CONSIGNMENT_NOTIFICATION] = ROLE_PLATFORM,
    [EV_CONSIGNMENT_NOTIFICATION_DELIVERY] = ROLE_PLATFORM,
    [EV_CONSIGNMENT_NOTIFICATION_FAILURE] = ROLE_PLATFORM,
    [EV_CONTENT_HANDOVER] = ROLE_AGENCY,
    [EV_CONTENT_HANDOVER_FAILURE] = ROLE_AGENCY,
    [EV_ACCEPTANCE_REJECTION_EXPIRY] = ROLE_HUB,
    /* Both recorded by the hub from a platform's answer to its own call
     * (POST /v1/remind, POST /v1/relay): nobody reports them. */
    [EV_REMINDER_NOTIFICATION] = ROLE_HUB,
    [EV_CONSENT_PRE_NOTIFICATION] = ROLE_HUB,
    [EV_CONSENT_ACCEPTANCE] = ROLE_PLATFORM,
    /* Recorded by the hub from the agency's POST /v1/cancellations, never
     * reported through POST /v1/events. */
    [EV_NOTICE_CANCELLATION] = ROLE_HUB,
    /* Recorded by the hub from the agency's POST /v1/payments, which
     * carries the amount and code the leaf holds: not a report. */
    [EV_PAYMENT_RECEIVED] = ROLE_HUB,
    /* The agency reports it, but only through POST /v1/postal/handover,
     * which names the print batch (hub_api.c refuses it in /v1/events). */
    [EV_PRINT_HANDOVER] = ROLE_AGENCY,
};

const char *notice_state_name(notice_state s)
{
    return (unsigned)s < NS_COUNT ? state_names[s] : "unknown";
}

int notice_state_parse(const char *name)
{
    for (int i = 0; i < NS_COUNT; i++)
        if (!strcmp(name, state_names[i]))
            return i;
    return -1;
}

const char *notice_event_name(notice_event e)
{
    return (unsigned)e < EV_COUNT ? event_names[e] : "unknown";
}

int notice_event_parse(const char *name)
{
    for (int i = 0; i < EV_COUNT; i++)
        if (!strcmp(name, event_names[i]))
            return i;
    return -1;
}

int notice_state_is_final(notice_state s)
{
    return s == NS_READ || s == NS_POSTAL || s == NS_CANCELLED || s == NS_PAID;
}

/* The state an event leads to from cur, or cur when it moves nothing. */
static notice_state target(notice_state cur, notice_event e)
{
    switch (e) {
    case EV_RELAY_ACCEPTANCE:
        return cur == NS_ACCEPTED ? NS_RELAYED : cur;
    case EV_CONTENT_CONSIGNMENT:
        /* accepted too: the platform may report before the hub has
         * committed the platform's own acceptance of the relay. */
        return cur == NS_ACCEPTED || cur == NS_RELAYED ? NS_RECEIVED : cur;
    case EV_CONTENT_HANDOVER:
        return NS_READ;
    case EV_ACCEPTANCE_REJECTION_EXPIRY:
    case EV_CONSIGNMENT_NOTIFICATION_FAILURE: /* the channel gave up: the next one */
        return cur == NS_RELAYED || cur == NS_RECEIVED ? NS_ACCEPTED : cur;
    case EV_RELAY_TO_NON_ERDS:
        return NS_POSTAL;
    case EV_NOTICE_CANCELLATION:
        return NS_CANCELLED;
    case EV_PAYMENT_RECEIVED:
        return NS_PAID;
    default:
        return cur;
    }
}

notice_outcome notice_state_apply(notice_state cur, notice_event e, notice_state *next)
{
    *next = cur;
    if (notice_state_is_final(cur))
        return NS_IGNORED;
    *next = target(cur, e);
    return *next == cur ? NS_RECORDED : NS_MOVED;
}

int notice_event_allowed(notice_role r, notice_event e)
{
    return (unsigned)e < EV_COUNT && event_roles[e] == r;
}

int notice_event_names_channel(notice_event e)
{
    return e == EV_CONSIGNMENT_NOTIFICATION || e == EV_CONSIGNMENT_NOTIFICATION_DELIVERY ||
           e == EV_CONSIGNMENT_NOTIFICATION_FAILURE;
}

long long notice_retry_delay_ms(int failures)
{
    long long d = 1000;

    for (int i = 1; i < failures && d < 60000; i++)
        d *= 2;
    return d < 60000 ? d : 60000;
}

long long notice_retry_elapsed_ms(int failures)
{
    long long t = 0;

    for (int i = 1; i < failures; i++) {
        long long d = notice_retry_delay_ms(i);
        t += d;
        if (d == 60000) /* the rest are a minute each */
            return t + (long long)(failures - 1 - i) * 60000;
    }
    return t;
}

int notice_relay_give_up(long long deadline, int failures, long long now, int fallback,
                         long long fallback_ms)
{
    long long first = now - notice_retry_elapsed_ms(failures), until = deadline;

    if (fallback && first + fallback_ms > until)
        until = first + fallback_ms;
    return now + notice_retry_delay_ms(failures) > until;
}
