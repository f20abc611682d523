/* demo_alerts.h -- what the demo's alerts did, for its summary line:
 * counted from the platforms' outboxes (an alert counts as sent over SMS
 * or push once the SMSC or the gateway accepted it and gave its
 * reference; delivered and failed are the receipts' verdicts) and from
 * the hub's evidence (reminders taken, pre-notices sent). Read-only, from
 * the roles' own files, as an operator's sqlite3 would: nothing here is
 * a number the demo made up. */
#ifndef HERALD_DEMO_ALERTS_H
#define HERALD_DEMO_ALERTS_H

#include <stddef.h>

#include "demo.h"

typedef struct demo_alerts {
    long long sms, push;          /* accepted by the SMSC / the push gateway */
    long long delivered, failed;  /* final, by receipt (or refusal) */
    long long moving;             /* queued, being sent, or awaiting a receipt */
    long long reminders;          /* ReminderNotification leaves */
    long long pre_notices;        /* ConsentPreNotification leaves */
} demo_alerts;

/* Counts the outboxes (and, with evidence set, the hub's leaves) into a.
 * Returns 0, or -1 with err. */
int demo_alerts_count(const demo *d, int evidence, demo_alerts *a, char *err, size_t errlen);

/* Waits while alerts are still moving, giving up quietly once none has
 * moved for a while (a platform without a channel keeps its alerts
 * queued for good). Returns 0, or -1 with err when the outboxes cannot
 * be read. */
int demo_alerts_settle(const demo *d, char *err, size_t errlen);

/* The summary's fields: "alerts":{...},"reminders":N,"pre_notices":N. */
void demo_alerts_json(const demo_alerts *a, char *out, size_t len);

#endif
