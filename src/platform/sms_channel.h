/* sms_channel.h -- the carrier platform's alert channel: SMS over SMPP 3.4.
 *
 * Threads of its own take the platform's queued alerts from the durable
 * outbox (platform_db.h), send each as one or more submit_sm through an
 * SMPP session (smpp_session.h) with a window of them outstanding, and
 * record what the SMSC answers: accepted with its message id, refused,
 * or, from the delivery receipts that come later, delivered or failed.
 * Configured by platform.ini's [sms] section (sms_settings.h). Two
 * threads: the SMPP side (sms_channel.c) and the database side
 * (sms_store.c). */
#ifndef HERALD_SMS_CHANNEL_H
#define HERALD_SMS_CHANNEL_H

#include <pthread.h>

#include "platform_db.h"
#include "sms_settings.h"

#define SMS_CHANNEL_NAME "sms" /* the name its alerts carry in the outbox */

typedef struct sms_channel sms_channel;

/* Starts the threads. db is shared with the platform's other threads,
 * each holding lock around its use. NULL with the reason in err. */
sms_channel *sms_channel_start(const sms_settings *s, platform_db *db, pthread_mutex_t *lock,
                               char *err, size_t errlen);
/* New alerts are queued: claim them now rather than at the next look. */
void sms_channel_wake(sms_channel *c);
/* Waits briefly for the answers to what is outstanding, records them,
 * unbinds, queues again what stayed unanswered, and ends the threads. */
void sms_channel_stop(sms_channel *c);

#endif
