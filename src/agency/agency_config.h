/* agency_config.h -- the agency.ini every part of `herald agency` reads.
 *
 * The agency gateway runs inside a sending institution: it turns a
 * recipient file into stored documents and notices at the hub (send),
 * serves each document once to the citizen who holds a platform's view
 * token (serve), and lists the notices that must go out on paper (postal).
 * All of them read the same agency.ini, loaded here once. */
#ifndef HERALD_AGENCY_CONFIG_H
#define HERALD_AGENCY_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "apikeys.h"
#include "crypto.h"
#include "http_limits.h"
#include "legal_effect.h"
#include "transport.h"

#define AGENCY_PATH_MAX 4096
#define AGENCY_MAX_PLATFORMS 64
#define AGENCY_KEY_MAX 256

/* A platform whose view tokens this agency accepts: its public key is
 * pinned in the config, never fetched. */
typedef struct agency_platform {
    char name[65];
    uint8_t view_pub[ED25519_PUBLIC_LEN];
    char channel[8]; /* the platform's alert channel (sms, push), "" unknown */
} agency_platform;

typedef struct agency_cfg {
    config ini;
    const char *name;       /* this agency's name at the hub */
    char dir[AGENCY_PATH_MAX];
    char db_path[AGENCY_PATH_MAX];
    char test_db_path[AGENCY_PATH_MAX]; /* DIR/test.db: a test key's notices */
    const char *listen;     /* may be NULL */
    const char *public_url; /* base of document links, no trailing slash */
    const char *idsvc_url, *hub_url;
    transport tls; /* [tls]: how `agency serve` serves; idsvc's and the hub's pins */
    char idsvc_key[AGENCY_KEY_MAX], hub_key[AGENCY_KEY_MAX];
    long poll_ms, report_ms, threads;
    http_limits http; /* [http]: connections held and how long */
    /* Documents and their personalisation are deleted this many days
     * after the notice's final state (read, postal, cancelled). */
    long retention_days;
    /* Shown on the page of a purged document: how to reach the agency. */
    const char *contact;
    /* The back-office API: its callers' key hashes ([agency] api_clients,
     * default DIR/api.clients, written by `agency key add`), the templates
     * a notice names by id ([agency] templates, default DIR/templates,
     * one ID.html each), and where status changes are posted ([callback]
     * url, else DIR/callback.url from `agency callback set`; may be
     * empty) with the key in DIR/callback.key. */
    char api_clients[AGENCY_PATH_MAX], templates_dir[AGENCY_PATH_MAX];
    /* Test keys' hashes ([agency] api_test_clients, default
     * DIR/api-test.clients, written by `agency key add --test`). */
    char api_test_clients[AGENCY_PATH_MAX];
    char callback_url[AGENCY_PATH_MAX], callback_key_path[AGENCY_PATH_MAX];
    agency_platform platforms[AGENCY_MAX_PLATFORMS];
    size_t nplatforms;
    /* [agency] effect_rule: when a notice takes legal effect (legal_effect.h) */
    effect_rule effect;
    /* [agency] postal_cost_usd, mobile_cost_usd: a letter's and a mobile
     * notice's unit cost, for `agency report` */
    double postal_cost_usd, mobile_cost_usd;
} agency_cfg;

/* What a subcommand needs from the config; what it does not need may be
 * absent. */
enum {
    AGENCY_NEED_IDSVC = 1,
    AGENCY_NEED_HUB = 2,
    AGENCY_NEED_PLATFORMS = 4,
    AGENCY_WANT_IDSVC = 8, /* [idsvc] when the file has it (serve's API) */
};

/* Loads and checks path; creates the data dir (0700). Returns 0, or -1
 * with a message naming the file and key in err. */
int agency_config_load(agency_cfg *c, const char *path, int need,
                       char *err, size_t errlen);
/* Wipes the API keys and frees the config. */
void agency_config_free(agency_cfg *c);

#endif
