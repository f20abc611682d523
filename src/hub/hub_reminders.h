/* hub_reminders.h -- when a notice's reminders are due, from hub.ini's
 * `reminders` (default "50%, 1h": midway between the relay and the read
 * deadline, and one hour before it; "off": none).
 *
 * A point is a share of the read window ("50%": that far from the
 * platform's acceptance to the deadline) or a time before the deadline
 * ("1h", "30m", "2d", "90s"). For one window the points become times in
 * order, numbered 1, 2, ...; those not strictly inside the window are
 * dropped (an hour before a deadline half an hour away). Pure. */
#ifndef HERALD_HUB_REMINDERS_H
#define HERALD_HUB_REMINDERS_H

#include <stddef.h>

#define HUB_REMINDERS_MAX 8
#define HUB_REMINDERS_DEFAULT "50%, 1h"

typedef struct hub_reminders {
    int n;
    struct hub_reminder_point {
        int percent;        /* 1-99: a share of the window; 0: before_ms */
        long long before_ms; /* before the deadline */
    } at[HUB_REMINDERS_MAX];
} hub_reminders;

/* Reads text ("off", or up to HUB_REMINDERS_MAX points separated by
 * commas). 0, or -1 with why in err. */
int hub_reminders_parse(const char *text, hub_reminders *r, char *err, size_t errlen);

/* The reminders' times for a window from start to due, ascending, into
 * out; returns how many. */
int hub_reminders_times(const hub_reminders *r, long long start, long long due,
                        long long out[HUB_REMINDERS_MAX]);

/* The reminder to send at now after `done` of them: the latest one due
 * (those passed meanwhile are not sent late), 0 when none is due or the
 * deadline itself has passed. */
int hub_reminders_due(const hub_reminders *r, long long start, long long due, int done,
                      long long now);

/* When reminder done + 1 falls (0: no more). */
long long hub_reminders_next(const hub_reminders *r, long long start, long long due, int done);

#endif
