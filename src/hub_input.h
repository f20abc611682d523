/* hub_input.h -- checks on what agencies and platforms send the hub.
 *
 * Every field of a submission or report is checked here against the limits
 * protocol.md gives (references, titles, links, hashes, times), so the
 * HTTP shell turns a failed check into a per-item error and the database
 * only ever sees well-formed values. Pure: no I/O, no clock. */
#ifndef HERALD_HUB_INPUT_H
#define HERALD_HUB_INPUT_H

#include <stddef.h>

#define HUB_REFERENCE_MAX 64
#define HUB_TITLE_MAX 200
#define HUB_LINK_MAX 512
#define HUB_REASON_MAX 200

/* 1-64 characters of [A-Za-z0-9._:-]. */
int hub_reference_ok(const char *s, size_t len);
/* 1-200 bytes with no control characters (UTF-8 is checked by the JSON
 * parser). */
int hub_title_ok(const char *s, size_t len);
/* At most 512 bytes, http:// or https://, no spaces or control characters. */
int hub_link_ok(const char *s, size_t len);
/* At most 200 bytes, no control characters. */
int hub_reason_ok(const char *s, size_t len);

/* RFC 3339 ("2026-11-27T07:53:58.123Z", or with "+09:00"; fractions of a
 * second beyond milliseconds are cut off) to Unix milliseconds. Returns 0
 * or -1. */
int time_parse_rfc3339(const char *s, size_t len, long long *ms);

/* A deadline: RFC 3339, or "YYYY-MM-DD" meaning the end of that day in
 * Korean time (UTC+9), i.e. YYYY-MM-DDT14:59:59.999Z. Returns 0 or -1. */
int deadline_parse(const char *s, size_t len, long long *ms);

#endif
