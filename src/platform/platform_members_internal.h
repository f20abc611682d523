/* platform_members_internal.h -- what sign-up (platform_members.c) and the
 * back office's proofed calls (platform_proofing.c) share. Not for other
 * parts of the platform. */
#ifndef HERALD_PLATFORM_MEMBERS_INTERNAL_H
#define HERALD_PLATFORM_MEMBERS_INTERNAL_H

#include <stddef.h>

#include "batch.h"
#include "ci.h"
#include "http_server.h"
#include "platform.h"
#include "platform_members.h"

/* The longest RRN text taken: 13 digits and a hyphen. */
#define RRN_MAX_CHARS 14

/* One idsvc call for every RRN of items (those without an error); writes
 * each item's CI into cis (or its error). The request and reply text are
 * wiped by the HTTP client. 0, or -1 when idsvc did not answer. */
int platform_members_fetch_cis(platform *p, signup *items, size_t n, char (*cis)[CI_LEN + 1]);
/* batch_read, answering 400 or 413 itself; 0 when b is read. */
int platform_members_read_batch(batch *b, const batch_spec *spec, const http_request *req,
                                http_response *resp);
/* Why a new PIN is one others would try first (pin.h): a common one, or
 * one found in the member's phone number or the date of birth rrn_text
 * gives (NULL: none known); NULL if none. */
const char *platform_members_pin_weakness(const char *pin, const char *phone,
                                          const char *rrn_text);
/* The item's error for a new PIN weak for reason why. */
void platform_members_pin_refused(char *error, size_t cap, const char *why);

#endif
