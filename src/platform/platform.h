/* platform.h -- what the platform's modules share: its settings, its
 * database, and the reporter that tells the hub what happened.
 *
 * `herald platform` is a certified electronic document intermediary (a
 * messenger or a carrier): it signs members up (binding each to a CI
 * through idsvc), keeps their consent, takes relayed notices from the hub
 * into inboxes, tells members, and lets them open a notice by issuing a
 * view token for the agency. The modules are split along those seams:
 *   platform.c          command line, configuration, request routing
 *   platform_db.c       schema and every SQL statement
 *   platform_members.c  sign-up, verification and consent (admin API and
 *                       web share it)
 *   platform_relay.c    POST /v1/relay from the hub
 *   platform_reports.c  the background thread reporting to the hub
 *   platform_web.c      citizen pages: sessions, login, inbox, opening
 *   platform_pages.c    HTML rendering, no I/O */
#ifndef HERALD_PLATFORM_H
#define HERALD_PLATFORM_H

#include <pthread.h>
#include <stdint.h>

#include "apikeys.h"
#include "crypto.h"
#include "http_server.h"
#include "platform_db.h"

#define PLATFORM_MAX_BATCH 10000
#define PLATFORM_MAX_BODY (16u << 20)
/* The citizen pages' forms: a name, a phone, an RRN, a PIN. */
#define PLATFORM_PAGE_MAX_BODY (64u << 10)

typedef struct platform {
    char name[APIKEY_NAME_MAX + 1];
    char public_url[512];
    int secure_cookie;              /* public_url is https */
    uint8_t *view_sk;               /* Ed25519 secret, in secure memory */
    apikeys clients;
    pwhash_cost pin_cost;
    char dummy_pin_hash[PWHASH_STR_MAX]; /* checked for unknown phones, so
                                          * timing does not tell who is a member */
    long view_token_ttl_s;
    long session_ttl_s;
    char idsvc_url[512], hub_url[512];
    char *idsvc_key, *hub_key;      /* API keys, in secure memory */

    /* One connection, one lock: SQLite serialises writers anyway, and the
     * lock keeps each batch's transaction and its prepared statements
     * from interleaving with another thread's. Never held across a
     * network call or a PIN hash. */
    pthread_mutex_t lock;
    platform_db *db;

    /* The reporter thread. */
    pthread_t reporter;
    pthread_mutex_t rep_lock;
    pthread_cond_t rep_wake;
    int rep_pending, rep_stopping, rep_running;
    long report_interval_ms;
} platform;

/* platform_members.c */
typedef struct signup {
    const char *name, *phone, *rrn, *pin; /* in: not copied, rrn wiped by the caller */
    int consent, preference;
    int verified;                           /* in: the back office has proofed the
                                             * person (the web sign-up has not) */
    long long member;                       /* out: the new member's id, or 0 */
    char error[160];                        /* in: "" (or a reason to skip the
                                             * item); out: set when member is 0 */
} signup;
/* Signs up a batch: one idsvc call for all RRNs, one transaction. */
void platform_signup(platform *p, signup *items, size_t n);
/* Sets a member's consent and, once the member is verified, queues the
 * directory update; 0, or -1. */
int platform_set_consent_locked(platform *p, long long member, int consent, int preference);
void platform_api_members(platform *p, const http_request *req, http_response *resp);
void platform_api_verify(platform *p, const http_request *req, http_response *resp);
void platform_api_consent(platform *p, const http_request *req, http_response *resp);

/* platform_relay.c */
void platform_api_relay(platform *p, const http_request *req, http_response *resp);

/* platform_reports.c */
int platform_reporter_start(platform *p);
void platform_reporter_wake(platform *p);
void platform_reporter_stop(platform *p);

/* platform_web.c: returns 1 if the path is a citizen page it answered. */
int platform_web(platform *p, const http_request *req, http_response *resp);

/* Shared by the JSON handlers: parses req's body and returns the array
 * under key, answering 400/413 itself and returning NULL on failure. The
 * caller owns *root. platform_batch also wants every item an object. */
json_t *platform_list(const http_request *req, http_response *resp, const char *key,
                      json_t **root);
json_t *platform_batch(const http_request *req, http_response *resp, const char *key,
                       json_t **root);

#endif
