/* smpp_receipt.h -- an SMSC's delivery receipt, read from the
 * short_message of a deliver_sm.
 *
 * The carrier platform's channel is a notice's last mile: whether an
 * alert reached the phone is evidence, and the SMSC says so in text
 * (SMPP 3.4 Appendix B):
 *
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm
 *   done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
 *
 * SMSCs differ in the details, so the reader takes fields in any order,
 * keys in any case, runs of spaces, trailing NULs (a short_message sent as
 * a C string), dates with seconds, and the long state names of SMPP's
 * message_state. What is evidence is strict: a receipt with no id, no
 * stat, an unknown stat, an id with a byte that is not printable ASCII,
 * or a field given twice is refused. text runs to the end of the message
 * (it quotes the start of our own alert, so a "stat:" in it must not
 * count): keys after it are not read. Pure: no I/O. */
#ifndef HERALD_SMPP_RECEIPT_H
#define HERALD_SMPP_RECEIPT_H

#include <stddef.h>

#define SMPP_RECEIPT_MAX 254   /* short_message's most octets */
#define SMPP_RECEIPT_ID_MAX 64 /* message_id is a C string of at most 65 octets */
#define SMPP_RECEIPT_ERR_MAX 3
#define SMPP_RECEIPT_DATE_MAX 12 /* YYMMDDhhmm, or YYMMDDhhmmss */

/* Values as SMPP's message_state (3.4, 5.2.28), so the message_state TLV
 * a receipt may also carry compares as is. */
typedef enum smpp_stat {
    SMPP_STAT_ENROUTE = 1,
    SMPP_STAT_DELIVRD = 2,
    SMPP_STAT_EXPIRED = 3,
    SMPP_STAT_DELETED = 4,
    SMPP_STAT_UNDELIV = 5,
    SMPP_STAT_ACCEPTD = 6,
    SMPP_STAT_UNKNOWN = 7,
    SMPP_STAT_REJECTD = 8,
} smpp_stat;

typedef struct smpp_receipt {
    char id[SMPP_RECEIPT_ID_MAX + 1];  /* as the SMSC gave it in submit_sm_resp */
    smpp_stat stat;
    int sub, dlvrd;                    /* -1 when absent */
    char err[SMPP_RECEIPT_ERR_MAX + 1]; /* "" when absent */
    char submit_date[SMPP_RECEIPT_DATE_MAX + 1]; /* digits as given; "" when absent */
    char done_date[SMPP_RECEIPT_DATE_MAX + 1];
    /* An optional field present but malformed is left absent, the receipt
     * still read (its id and stat are what matter); this names the first
     * such field for the log, NULL when there was none. */
    const char *ignored;
} smpp_receipt;

/* Reads s[0..len). Returns 0, or -1 with *why saying what is wrong. */
int smpp_receipt_parse(const char *s, size_t len, smpp_receipt *r, const char **why);

/* "DELIVRD" and so on; NULL for a value that is no stat. */
const char *smpp_receipt_stat_name(smpp_stat stat);
/* 1 when no later receipt will follow: every stat but ENROUTE. */
int smpp_receipt_stat_is_final(smpp_stat stat);
/* 1 when the stat says the phone got the text: DELIVRD alone (ACCEPTD is
 * the SMSC's staff acting on the subscriber's behalf, not the phone). */
int smpp_receipt_stat_is_delivered(smpp_stat stat);

#endif
