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
#define FIELD_TITLE_MAX 200
#define FIELD_LINK_MAX 512
#define FIELD_REASON_MAX 200
#define FIELD_TIME_MAX 40 /* the longest RFC 3339 text field_time_parse takes */

/* 1-64 characters of [A-Za-z0-9._:-]. */
int field_reference_ok(const char *s, size_t len);
/* 1-200 bytes of valid UTF-8 with no control characters. */
int field_title_ok(const char *s, size_t len);
/* At most 512 bytes, http:// or https://, no spaces or control characters. */
int field_link_ok(const char *s, size_t len);
/* At most 200 bytes of valid UTF-8, no control characters. */
int field_reason_ok(const char *s, size_t len);

/* RFC 3339 ("2026-11-27T07:53:58.123Z", or with "+09:00"; fractions of a
 * second beyond milliseconds are cut off) to Unix milliseconds. Returns 0
 * or -1. */
int field_time_parse(const char *s, size_t len, long long *ms);

/* A deadline: RFC 3339, or "YYYY-MM-DD" meaning the end of that day in
 * Korean time (UTC+9), i.e. YYYY-MM-DDT14:59:59.999Z. Returns 0 or -1. */
int field_deadline_parse(const char *s, size_t len, long long *ms);

#endif
