/* platform_members.h -- signing members up, verifying them and recording
 * their consent: the admin API's routes, and what the web pages share with
 * them. */
#ifndef HERALD_PLATFORM_MEMBERS_H
#define HERALD_PLATFORM_MEMBERS_H

#include <stddef.h>

#include "http_server.h"
#include "platform.h"

typedef struct signup {
    const char *name, *phone, *rrn, *pin; /* in: not copied, rrn wiped by the caller */
    int consent, preference;
    int verified;                           /* in: the back office has proofed the
                                             * person (the web sign-up has not) */
    int tell;                               /* in: queue the outcome's message
                                             * (platform_alert.h) to the phone it
                                             * concerns, in the same transaction */
    int capped;                             /* in: hash its PIN only in a
                                             * PIN-check slot (the web page's),
                                             * else SIGNUP_BUSY */
    long long member;                       /* out: the new member's id, or 0 */
    int taken;                              /* out: 1 the phone, 2 the person
                                             * already has an account; 3 a web
                                             * sign-up whose phone cannot be
                                             * sent its code today */
    int told;                               /* out, with tell: the outcome's
                                             * message was queued (0: that
                                             * phone had its messages today) */
    char error[160];                        /* in: "" (or a reason to skip the
                                             * item); out: set when member is 0 */
} signup;

typedef enum signup_outcome {
    SIGNUP_DONE,     /* each item says what became of it */
    SIGNUP_NO_IDSVC, /* idsvc did not answer: nothing stored */
    SIGNUP_FAILED,   /* a database error or no memory: nothing stored */
    SIGNUP_BUSY,     /* a capped item found every PIN-check slot taken:
                      * nothing stored */
} signup_outcome;
/* Signs up a batch: one idsvc call for all RRNs, one transaction. */
signup_outcome platform_members_signup(platform *p, signup *items, size_t n);
/* What platform_members_signup checks before it calls idsvc (the fields'
 * forms, a guessable PIN): 0, or -1 with s->error set. */
int platform_members_signup_check(signup *s);
/* Sets a member's consent and, once the member is verified, queues the
 * directory update; 0, or -1. preference PLATFORM_KEEP_PREFERENCE keeps
 * the member's as it is now (read in the same transaction: one read
 * before it may be stale). The caller holds p->lock inside a
 * transaction. */
#define PLATFORM_KEEP_PREFERENCE (-1)
int platform_members_set_consent_locked(platform *p, long long member, int consent,
                                        int preference);

/* Route handlers (role is the platform): POST /v1/members,
 * POST /v1/members/verify, POST /v1/consent. */
void platform_members_post(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void platform_members_verify(void *role, const void *caller, const http_request *req,
                             http_response *resp);
/* POST /v1/members/pin (admin): {"members":[{"phone":…, "ci":… or "rrn":…,
 * "pin":…}]}: a new PIN for each member whose person the back office
 * proofed (the CI must be the one they signed up as); their sessions end
 * and the failures counted against the phone are forgotten. All or
 * nothing, as verify. */
void platform_members_set_pin(void *role, const void *caller, const http_request *req,
                              http_response *resp);
void platform_members_consent(void *role, const void *caller, const http_request *req,
                              http_response *resp);

#endif
