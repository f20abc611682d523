/* field.h -- the rules every field on the wire obeys, defined once.
 *
 * References, titles, links, reasons and times cross from agency to hub to
 * platform. Each role checks them with these functions against these
 * limits (the ones docs/protocol.md gives), so a value one role accepts is
 * never refused by the next, and the databases only see well-formed values.
 * Pure: no I/O, no clock. */
#ifndef HERALD_FIELD_H
#define HERALD_FIELD_H

#include <stddef.h>

#define FIELD_REFERENCE_MAX 64
#define FIELD_CHANNEL_REF_MAX 64 /* an SMPP message_id is at most 64 characters */
#define FIELD_TITLE_MAX 200
#define FIELD_LINK_MAX 512
#define FIELD_REASON_MAX 200
#define FIELD_TIME_MAX 40 /* the longest RFC 3339 text field_time_parse takes */
#define FIELD_SHA256_HEX 64
#define FIELD_PAYMENT_CODE_MAX 32
#define FIELD_AMOUNT_KRW_MAX 1000000000000LL /* a trillion won */
/* A notice needs time to be relayed, alerted and read: a deadline nearer
 * than this at submission is refused (docs/protocol.md). */
#define FIELD_DEADLINE_LEAD_MS (60LL * 60 * 1000)

/* Each rule in words, for the per-item error every role answers with when
 * a value breaks it: the same words from the hub and the platforms. */
#define FIELD_STR_(x) #x
#define FIELD_STR(x) FIELD_STR_(x)
#define FIELD_RULE_REFERENCE \
    "reference must be 1-" FIELD_STR(FIELD_REFERENCE_MAX) " characters of [A-Za-z0-9._:-]"
#define FIELD_RULE_CHANNEL "channel must be \"sms\" or \"push\""
#define FIELD_RULE_CHANNEL_REF \
    "reference must be 1-" FIELD_STR(FIELD_CHANNEL_REF_MAX) \
    " printable ASCII characters without spaces"
#define FIELD_RULE_TITLE                                                                   \
    "title must be 1-" FIELD_STR(FIELD_TITLE_MAX) " bytes without control characters or a" \
    " resident registration number"
#define FIELD_RULE_LINK \
    "link must be an http:// or https:// URL of at most " FIELD_STR(FIELD_LINK_MAX) " bytes"
#define FIELD_RULE_URGENT "urgent must be true or false"
#define FIELD_RULE_REASON \
    "reason must be null or at most " FIELD_STR(FIELD_REASON_MAX) \
    " bytes without control characters or a resident registration number"
/* A cancellation's reason, which is required. */
#define FIELD_RULE_REASON_GIVEN \
    "reason must be 1 to " FIELD_STR(FIELD_REASON_MAX) \
    " bytes of text without control characters or a resident registration number"
#define FIELD_RULE_DEADLINE "deadline must be YYYY-MM-DD or an RFC 3339 time"
#define FIELD_RULE_DEADLINE_PAST "deadline has passed"
#define FIELD_RULE_DEADLINE_NEAR "deadline must be at least an hour ahead"
#define FIELD_RULE_DOC_SHA256 \
    "doc_sha256 must be " FIELD_STR(FIELD_SHA256_HEX) " lower-case hex digits"
#define FIELD_RULE_RK "rk must be 64 lower-case hex digits"
#define FIELD_RULE_NOTICE "notice must be a notice id"
#define FIELD_RULE_PAYMENT_CODE \
    "payment_code must be 1-" FIELD_STR(FIELD_PAYMENT_CODE_MAX) " characters of [A-Za-z0-9._:-]"
/* An id first taken (a new notice's reference, a payment code, a print
 * batch) that shows an RRN: the hub would store it, and no role may. */
#define FIELD_RULE_REFERENCE_RRN "reference must not hold a resident registration number"
#define FIELD_RULE_PAYMENT_CODE_RRN "payment_code must not hold a resident registration number"
#define FIELD_RULE_BATCH_RRN "batch must not hold a resident registration number"
#define FIELD_RULE_AMOUNT_KRW "amount_krw must be a whole number of won from 1 to 10^12"

/* 1-64 characters of [A-Za-z0-9._:-]. */
int field_reference_ok(const char *s, size_t len);
/* A payment's code (the giro or virtual-account code the citizen paid
 * with): 1-32 characters of [A-Za-z0-9._:-]. */
int field_payment_code_ok(const char *s, size_t len);
/* An amount in won: 1 to FIELD_AMOUNT_KRW_MAX. */
int field_amount_krw_ok(long long amount);
/* The channel that carried an alert: "sms" (a carrier's SMSC) or "push"
 * (a messenger's push gateway). */
int field_channel_ok(const char *s, size_t len);
/* The channel's own id of an alert (an SMSC's message_id, a gateway's
 * message id): 1-64 bytes from '!' to '~'. Wider than a reference, as
 * the channel chooses it; narrow enough to print and quote anywhere. */
int field_channel_ref_ok(const char *s, size_t len);
/* 1-200 bytes of valid UTF-8 with no control characters, and no RRN: a
 * title travels to the hub, the platforms and the member's phone. */
int field_title_ok(const char *s, size_t len);
/* Whether a title or a reason holds an RRN (any birth date up to the
 * year 9999: the protocol has no clock), for a message saying so. */
int field_text_has_rrn(const char *s, size_t len);
/* 1 when an identifier an agency chose (ASCII) holds a valid RRN standing
 * alone, with no letter or digit on either side. Hex ids and hashes often
 * hold 13 decimal digits in a row between letters (the agency's own hashed
 * references do); those are not RRNs someone typed. A date and a serial
 * ("261207-0000001") do look like one: so only where an id is first
 * taken, never where an id already taken must still be found. */
int field_id_has_rrn(const char *s, size_t len);
/* At most 512 bytes, http:// or https://, then only the characters a URI
 * may hold unescaped (RFC 3986): no spaces, controls, non-ASCII bytes, nor
 * any of "<>\\^`{|}. A link goes into a Location header and an HTML
 * attribute; nothing there needs more. */
int field_link_ok(const char *s, size_t len);
/* A SHA-256 in hex: 64 lower-case hex digits. */
int field_sha256_ok(const char *s, size_t len);
/* At most 200 bytes of valid UTF-8, no control characters, no RRN: a
 * cancellation's reason is kept by the agency, the hub and the platform,
 * and shown to the member. */
int field_reason_ok(const char *s, size_t len);

/* RFC 3339 ("2026-11-27T07:53:58.123Z", or with "+09:00"; fractions of a
 * second beyond milliseconds are cut off) to Unix milliseconds. Returns 0
 * or -1. */
int field_time_parse(const char *s, size_t len, long long *ms);

/* A deadline: RFC 3339, or "YYYY-MM-DD" meaning the end of that day in
 * Korean time (UTC+9), i.e. YYYY-MM-DDT14:59:59.999Z. Returns 0 or -1. */
int field_deadline_parse(const char *s, size_t len, long long *ms);

/* Why a submitted deadline (Unix ms) is refused at now, or NULL: one in
 * the past (FIELD_RULE_DEADLINE_PAST) or less than FIELD_DEADLINE_LEAD_MS
 * ahead (FIELD_RULE_DEADLINE_NEAR). Only at submission: a relay to a
 * fallback channel carries a deadline that may well have passed. */
const char *field_deadline_refusal(long long deadline_ms, long long now_ms);

#endif
