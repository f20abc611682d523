/* sms_receipt_read.h -- a deliver_sm or data_sm read as a delivery
 * receipt: its state, the key its alert is matched by, and the reason a
 * failure gives.
 *
 * SMSCs write receipts in several ways (Appendix B's text, the optional
 * fields alone, both, ids in two forms); the carrier channel only wants
 * what one says. The rules live in smpp_receipt.c and smpp_message_id.c;
 * this reads a PDU through them and logs its doubts. */
#ifndef HERALD_SMS_RECEIPT_READ_H
#define HERALD_SMS_RECEIPT_READ_H

#include <stddef.h>

#include "smpp_pdu.h"
#include "smpp_receipt.h"
#include "sms_settings.h"

/* 1 when id is visible ASCII without spaces, as the receipt text's reader
 * holds its own ids to: an id we match by and write to the log. */
int sms_id_visible(const char *id);

/* Reads m's receipt into rc, from its text or, when that cannot be read
 * (or there is none), from its receipted_message_id and message_state
 * (SMPP 3.4, 5.3.2.12 and 5.3.2.35). 0 with *from_text set, or -1 with
 * *why saying what is wrong with the text. */
int sms_receipt_read(const struct smpp_pdu_message *m, smpp_receipt *rc, int *from_text,
                     const char **why);

/* The key rc names its alert by (smpp_receipt_key, in set's forms), into
 * out; two ids that disagree, or one not in its form, are logged. */
void sms_receipt_key(const sms_settings *set, const struct smpp_pdu_message *m,
                     const smpp_receipt *rc, int from_text, char *out, size_t cap);

/* "SMSC receipt: UNDELIV (err 001)": the reason a final receipt that is
 * no delivery gives. */
void sms_receipt_reason(const smpp_receipt *rc, char *out, size_t cap);

#endif
