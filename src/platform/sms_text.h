/* sms_text.h -- an alert's text as SMS segments for SMPP (data_coding 8).
 *
 * The carrier platform's channel is a notice's last mile: the citizen
 * learns of the notice from a text message over SMPP. Korean needs UCS-2,
 * so the text goes as UTF-16BE (data_coding 8), where a character outside
 * the BMP (an emoji) is a surrogate pair. short_message holds 140 octets:
 * 70 units in one segment; a longer text is cut into segments of at most
 * 67 units, each led by the 6-octet concatenation header (05 00 03 REF
 * TOTAL SEQ) so the phone shows one message. A pair is never cut between
 * two segments, or neither half would show. Pure: no I/O. */
#ifndef HERALD_SMS_TEXT_H
#define HERALD_SMS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define SMS_TEXT_OCTETS 140      /* short_message of one segment */
#define SMS_TEXT_SINGLE_UNITS 70 /* UTF-16 units of a text sent whole */
#define SMS_TEXT_UDH_OCTETS 6    /* 05 00 03 REF TOTAL SEQ */
#define SMS_TEXT_PART_UNITS ((SMS_TEXT_OCTETS - SMS_TEXT_UDH_OCTETS) / 2) /* 67 */
/* The esm_class bit (UDHI) submit_sm must carry for a segment whose udhi
 * is set: it tells the SMSC the short_message starts with a header. */
#define SMS_TEXT_ESM_UDHI 0x40
/* The most segments an alert may take: 670 units, 670 Hangul syllables.
 * An alert only says that a notice waits and where; the notice itself is
 * behind the link. Each segment is billed, and the more there are the
 * likelier one goes missing and the phone shows the rest alone, so a text
 * past this is a mistake, refused rather than sent. The header numbers
 * segments in one octet, so this may never pass 255. */
#define SMS_TEXT_MAX_SEGMENTS 10

typedef struct sms_segment {
    uint8_t data[SMS_TEXT_OCTETS]; /* short_message: header if udhi, then UTF-16BE */
    size_t len;                    /* sm_length */
    int udhi;                      /* 1: set SMS_TEXT_ESM_UDHI in esm_class */
} sms_segment;

/* Cuts utf8[0..len) into *n segments in out[0..max). ref tells the phone
 * which segments belong together: the caller gives each message its own
 * (modulo 256). Returns 0, or -1 with *n = 0 and *why saying what is
 * wrong: empty text, invalid UTF-8, or more segments than
 * SMS_TEXT_MAX_SEGMENTS or max. */
int sms_text_segments(const char *utf8, size_t len, uint8_t ref, sms_segment out[], size_t max,
                      size_t *n, const char **why);

/* The segments utf8[0..len) needs, or 0 when it is not valid UTF-8 or is
 * empty; no limit applies, so a caller can say by how much a text is too
 * long. */
size_t sms_text_count(const char *utf8, size_t len);

#endif
