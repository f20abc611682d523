/* platform_alert.h -- what the platform's alerts say, and the channel
 * they are queued for.
 *
 * Three kinds, one text each, in Korean then English, never the
 * document's content: a new notice (its title, agency and where to read
 * it), a reminder of an unread one (the same, as a reminder), and a
 * consent pre-notice (only the agency and where to consent: the member
 * has not agreed to receive notices here, so not even the title). Shared
 * by the relay (new notices, pre-notices), the reminders and the consent
 * flow, which queues the waiting notices' alerts. */
#ifndef HERALD_PLATFORM_ALERT_H
#define HERALD_PLATFORM_ALERT_H

#include "buf.h"
#include "platform.h"

typedef enum platform_alert_kind {
    PLATFORM_ALERT_NEW,
    PLATFORM_ALERT_REMINDER,
    PLATFORM_ALERT_PRE_NOTICE,
} platform_alert_kind;

/* The outbox's `kind` of each: "alert", "reminder", "pre_notice". */
const char *platform_alert_kind_name(platform_alert_kind k);

/* Appends the alert's text for row to b. */
void platform_alert_text(const platform *p, const notice_row *row, platform_alert_kind k,
                         buf *b);

/* Queues the alert for row to phone in the outbox (the caller's
 * transaction), text built in scratch. 0 or -1. */
int platform_alert_queue(platform *p, const notice_row *row, platform_alert_kind k,
                         const char *phone, const char *at, buf *scratch);

#endif
