/* sms_settings.h -- the carrier channel's settings: platform.ini's [sms].
 *
 *   host, port          the SMSC
 *   system_id           who we bind as (SMPP: at most 15 characters)
 *   password_file       a file, mode 0600, holding the password (at most 8)
 *   system_type         default ""
 *   source_addr         the sender the phone shows: digits, +digits, or a
 *                       name (alphanumeric, TON 5)
 *   window              submit_sm outstanding at once (default 100)
 *   max_per_s           submits a second, 0 for no cap (default 0)
 *   tls                 off|on (default off); tls_ca_file, when set, the
 *                       CA certificates to check the SMSC's with instead
 *                       of the system's
 *   enquire_link_s      idle seconds before enquire_link (default 30)
 *   response_timeout_s  a submit_sm unanswered this long drops the link,
 *                       whose unanswered go again as possible duplicates
 *                       (default 30)
 *   reconnect_max_s     the longest wait between two connects (default 30)
 *   receipts            on|off: ask for delivery receipts (default on)
 *   submit_id, receipt_id
 *                       the form of the message id in submit_sm_resp (and
 *                       in a receipt's receipted_message_id, which SMPP 3.4
 *                       says repeats it) and in a receipt's text: text
 *                       (default: compared as given), or decimal or hex
 *                       for an SMSC that numbers its messages and writes
 *                       the number differently in the two; both text or
 *                       both numbers. Change it only with no receipt
 *                       outstanding: the ids stored are the keys it makes */
#ifndef HERALD_SMS_SETTINGS_H
#define HERALD_SMS_SETTINGS_H

#include <stddef.h>

#include "config.h"
#include "smpp_message_id.h"
#include "smpp_session.h"

typedef struct sms_settings {
    smpp_session_config session;
    char source_addr[SMPP_PDU_ADDR_MAX + 1];
    long window;    /* submit_sm outstanding at once */
    long max_per_s; /* submits per second, 0: no cap */
    long throttled_max; /* an alert throttled this many times in a row fails */
    long response_timeout_s; /* a submit_sm unanswered this long: the link is dead */
    int receipts;   /* ask for delivery receipts */
    smpp_id_form submit_id, receipt_id; /* message ids' forms, to match receipts by */
} sms_settings;

/* 1 when cfg has an [sms] section. */
int sms_settings_present(const config *cfg);
/* Reads [sms] into s (the password from password_file, which must be
 * mode 0600). 0, or -1 with the reason in err. */
int sms_settings_load(sms_settings *s, const config *cfg, char *err, size_t errlen);
/* Overwrites the password in s. */
void sms_settings_wipe(sms_settings *s);

#endif
