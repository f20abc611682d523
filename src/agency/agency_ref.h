/* agency_ref.h -- the agency's names for things: run ids, references,
 * document links, deadlines and notice states.
 *
 * Re-running a send must be idempotent end to end, so every reference is
 * derived from what was sent (the recipient file, the template, the title
 * and the deadline) and the row's line, never from the clock. Pure
 * functions, unit-tested in tests/unit/test_agency_ref.c. */
#ifndef HERALD_AGENCY_REF_H
#define HERALD_AGENCY_REF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "field.h"

/* References, titles and links obey the wire's rules and limits: see
 * field.h (FIELD_REFERENCE_MAX, FIELD_TITLE_MAX, FIELD_LINK_MAX). */
#define AGENCY_RUN_ID_LEN 16    /* hex characters */

/* hex(SHA-256("herald-run-v1" 0 csv_sha 0 template_sha 0 title 0 deadline))
 * cut to AGENCY_RUN_ID_LEN characters. */
void agency_ref_run_id(const uint8_t csv_sha[SHA256_LEN],
                       const uint8_t template_sha[SHA256_LEN], const char *title,
                       const char *deadline, char out[AGENCY_RUN_ID_LEN + 1]);

/* "<run id>-<line>", a reference field_reference_ok accepts. */
void agency_ref_make(const char *run_id, long line, char out[FIELD_REFERENCE_MAX + 1]);

/* The agency's reference for a notice a back-office system posted with
 * its own reference: "api-" and 32 hex of SHA-256("herald-api-ref-v1" 0
 * caller_ref). The caller's reference (an account number, say) never
 * leaves the agency: the hub, the platforms and the document link see
 * this one. Never a run's reference, which is hex only before its '-'.
 * Notices posted before agency_ref_api_at have these references. */
void agency_ref_api(const char *caller_ref, char out[FIELD_REFERENCE_MAX + 1]);

/* The reference of a new API notice taken in a batch at at_ms: "api-",
 * 12 hex of at_ms, then the first 20 hex of agency_ref_api's. References
 * grow with time, so each batch's rows go to the end of every index that
 * holds them (the agency's, the hub's) instead of to random pages all
 * over it; the same caller reference in one batch is one reference. The
 * caller's reference finds its notice again through api_refs. */
void agency_ref_api_at(const char *caller_ref, long long at_ms,
                       char out[FIELD_REFERENCE_MAX + 1]);

/* public_url (a trailing slash is ignored) + "/documents/" + reference.
 * Returns 0, or -1 when it would pass FIELD_LINK_MAX bytes. */
int agency_ref_link(const char *public_url, const char *reference,
                    char out[FIELD_LINK_MAX + 1]);

/* 1 if public_url is http:// or https:// followed by a host, a base any
 * reference can be appended to within a link's limit (field_link_ok), and
 * no query or fragment. */
int agency_ref_public_url_ok(const char *public_url);

/* Accepts "YYYY-MM-DD" (a real date, as field_deadline_parse has it, in
 * the years 2000 to 2999) or RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.sss]Z":
 * narrower than the wire, which takes any RFC 3339 time, so that a run's
 * deadline has one spelling. Returns NULL, or why it is not one. */
const char *agency_ref_deadline_check(const char *s);

/* Notice states the agency records. "stored" means kept here but not yet
 * accepted by the hub. */
int agency_ref_state_known(const char *state);
/* read, postal and cancelled are final: a late or out-of-order change never
 * overwrites them. */
int agency_ref_state_final(const char *state);

#endif
