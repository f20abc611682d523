/* sms_channel.h -- the carrier platform's alert channel: SMS over SMPP 3.4.
 *
 * A thread of its own takes the platform's queued alerts from the durable
 * outbox (platform_db.h), sends each as one or more submit_sm through an
 * SMPP session (smpp_session.h) with a window of them outstanding, and
 * records what the SMSC answers: accepted with its message id, refused,
 * or, from the delivery receipts that come later, delivered or failed.
 * Configured by platform.ini's [sms] section. */
#ifndef HERALD_SMS_CHANNEL_H
#define HERALD_SMS_CHANNEL_H

#include <pthread.h>

#include "config.h"
#include "platform_db.h"
#include "smpp_session.h"

/* The name alerts of this channel carry in the outbox. */
#define SMS_CHANNEL_NAME "sms"

typedef struct sms_settings {
    smpp_session_config session;
    char source_addr[SMPP_PDU_ADDR_MAX + 1];
    long window;    /* submit_sm outstanding at once */
    long max_per_s; /* submits per second, 0: no cap */
    int receipts;   /* ask for delivery receipts */
} sms_settings;

/* 1 when cfg has an [sms] section. */
int sms_settings_present(const config *cfg);
/* Reads [sms] into s (the password from password_file, which must be
 * mode 0600). 0, or -1 with the reason in err. */
int sms_settings_load(sms_settings *s, const config *cfg, char *err, size_t errlen);
/* Overwrites the password in s. */
void sms_settings_wipe(sms_settings *s);

typedef struct sms_channel sms_channel;

/* Starts the thread. db is shared with the platform's other threads,
 * each holding lock around its use. NULL with the reason in err. */
sms_channel *sms_channel_start(const sms_settings *s, platform_db *db, pthread_mutex_t *lock,
                               char *err, size_t errlen);
/* New alerts are queued: claim them now rather than at the next look. */
void sms_channel_wake(sms_channel *c);
/* Waits briefly for the answers to what is outstanding, records them,
 * unbinds, queues again what stayed unanswered, and ends the thread. */
void sms_channel_stop(sms_channel *c);

#endif
