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

#define AGENCY_RUN_ID_LEN 16    /* hex characters */
#define AGENCY_REF_MAX 64       /* protocol.md: 1-64 of [A-Za-z0-9._:-] */
#define AGENCY_LINK_MAX 512
#define AGENCY_TITLE_MAX 200    /* bytes */

/* hex(SHA-256("herald-run-v1" 0 csv_sha 0 template_sha 0 title 0 deadline))
 * cut to AGENCY_RUN_ID_LEN characters. */
void agency_run_id(const uint8_t csv_sha[SHA256_LEN], const uint8_t template_sha[SHA256_LEN],
                   const char *title, const char *deadline,
                   char out[AGENCY_RUN_ID_LEN + 1]);

/* "<run id>-<line>"; out holds AGENCY_REF_MAX+1 bytes. */
void agency_reference(const char *run_id, long line, char out[AGENCY_REF_MAX + 1]);

/* 1 if s is 1-64 characters of [A-Za-z0-9._:-]. */
int agency_reference_ok(const char *s);

/* public_url (a trailing slash is ignored) + "/documents/" + reference.
 * Returns 0, or -1 when it would pass AGENCY_LINK_MAX bytes. */
int agency_link(const char *public_url, const char *reference,
                char out[AGENCY_LINK_MAX + 1]);

/* 1 if public_url is http:// or https:// followed by a host. */
int agency_public_url_ok(const char *public_url);

/* Accepts "YYYY-MM-DD" (a real date) or RFC 3339 UTC
 * "YYYY-MM-DDTHH:MM:SS[.sss]Z". Returns NULL, or why it is not one. */
const char *agency_deadline_check(const char *s);

/* Notice states the agency records. "stored" means kept here but not yet
 * accepted by the hub. */
int agency_state_known(const char *state);
/* read and postal are final: a late or out-of-order change never
 * overwrites them. */
int agency_state_final(const char *state);

#endif
