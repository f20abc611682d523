/* platform_proofing.c -- what the back office does once it has proofed
 * a person (carrier or PASS authentication, a counter): verify the member
 * who signed up as that person (POST /v1/members/verify), or give them a
 * new PIN (POST /v1/members/pin). Either way the call names the person
 * proofed, by RRN (converted at idsvc, then wiped) or by CI, and the
 * member's CI must be that person's: proofing whoever holds a phone proves
 * nothing of the RRN typed at sign-up. Every item of a call is written in
 * one transaction, all or nothing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "phone.h"
#include "pin.h"
#include "platform_members.h"
#include "platform_members_internal.h"
#include "platform_reports.h"

static const char *const verify_secrets[] = {"rrn", "ci", "pin", NULL};
static const batch_spec verify_batch = {
    .key = "members", .max_items = BATCH_MAX_ITEMS, .objects = 1, .secrets = verify_secrets,
};

/* One item of a verify call: the member's phone, and the CI of the
 * person the back office proofed (given, or made from the RRN it read). */
typedef struct proofed {
    char phone[PHONE_MAX_CHARS + 1];
    char ci[CI_LEN + 1];
    char pin_hash[PWHASH_STR_MAX]; /* a PIN reset's new PIN, hashed */
    char error[160];
} proofed;

/* The member the item's phone names, when the person the back office
 * proofed is the one it signed up as: 1 with *m, 0 after writing the
 * item's error (what: "verified", "changed"), -1 on a database error. */
static int proofed_member(platform *p, const proofed *v, const char *what, buf *out, member *m)
{
    int found;

    if (v->error[0]) {
        buf_puts(out, "{\"error\":");
        buf_json_string(out, v->error);
        buf_puts(out, "}");
        return 0;
    }
    found = platform_db_member_by_phone(p->db, v->phone, m);
    if (found <= 0) {
        if (found == 0)
            buf_puts(out, "{\"error\":\"no such member\"}");
        return found;
    }
    /* Proofing whoever holds the phone proves nothing of the RRN typed at
     * sign-up: a stranger's phone and a neighbour's RRN would pass. */
    if (!ct_equal(m->ci, v->ci, CI_LEN)) {
        log_warn("members: member %lld is not the person the back office proofed; not %s",
                 m->id, what);
        buf_printf(out, "{\"error\":\"the person proofed is not the one this member signed up"
                        " as: not %s\"}", what);
        secure_wipe(m, sizeof *m);
        return 0;
    }
    return 1;
}

/* Verifies the member with that phone when the person proofed is the one
 * the member signed up as (their CIs agree), queueing the directory entry
 * held back since sign-up (when the member consents). Writes the item's
 * result; returns -1 on a database error, which fails the whole batch. */
static int verify_one(platform *p, const proofed *v, buf *out)
{
    member m;
    int rc = proofed_member(p, v, "verified", out, &m);

    if (rc <= 0)
        return rc;
    /* The back office proofed the person, not the phone: a sign-up that
     * named someone else's phone must not become theirs for good. */
    if (m.confirm_until[0]) {
        buf_puts(out, "{\"error\":\"the member has not yet given the sign-up code sent to"
                      " their phone: not verified\"}");
        secure_wipe(&m, sizeof m);
        return 0;
    }
    /* Verifying twice queues nothing twice. */
    if (!m.verified && (platform_db_member_verify(p->db, m.id) != 0 ||
                        platform_db_directory_queue(p->db, m.rk, m.consent, m.preference) != 0))
        rc = -1;
    else
        buf_printf(out, "{\"member\":%lld,\"verified\":true}", m.id);
    secure_wipe(&m, sizeof m);
    return rc < 0 ? -1 : 0;
}

/* A new PIN for a member who lost theirs (or whose PIN leaked): their
 * sessions end and the failures counted against the phone go. */
static int set_pin_one(platform *p, const proofed *v, buf *out)
{
    member m;
    int rc = proofed_member(p, v, "changed", out, &m);

    if (rc <= 0)
        return rc;
    rc = platform_db_member_set_pin(p->db, &m, v->pin_hash);
    if (rc == 0) {
        buf_printf(out, "{\"member\":%lld,\"pin\":\"changed\"}", m.id);
        log_info("members: member %lld has a new PIN from the back office; its sessions ended",
                 m.id);
    }
    secure_wipe(&m, sizeof m);
    return rc < 0 ? -1 : 0;
}

/* Reads each item's phone and person (a ci, or an rrn for idsvc, whose
 * answers go in one call) into v. 0, or -1 when idsvc did not answer. */
static int read_proofed(platform *p, json_t *items, proofed *v, signup *rr, size_t n,
                        char (*cis)[CI_LEN + 1])
{
    size_t i, nrrn = 0;
    json_t *o;

    json_array_foreach(items, i, o) {
        const char *phone = json_string_value(json_object_get(o, "phone"));
        const char *ci = json_string_value(json_object_get(o, "ci"));
        const char *rrn = json_string_value(json_object_get(o, "rrn"));
        snprintf(rr[i].error, sizeof rr[i].error, "not for idsvc");
        if (!phone || phone_normalize(phone, v[i].phone) != 0)
            snprintf(v[i].error, sizeof v[i].error, "phone must be 10-13 digits and hyphens");
        else if (ci && ci_is_well_formed(ci, strlen(ci)))
            memcpy(v[i].ci, ci, CI_LEN + 1);
        else if (!ci && rrn && *rrn && strlen(rrn) <= RRN_MAX_CHARS) {
            rr[i].rrn = rrn;
            rr[i].error[0] = '\0';
            nrrn++;
        } else
            snprintf(v[i].error, sizeof v[i].error, "each member needs the person the back office"
                                                    " proofed: their ci, or their rrn");
    }
    if (nrrn && platform_members_fetch_cis(p, rr, n, cis) != 0)
        return -1;
    for (i = 0; nrrn && i < n; i++)
        if (rr[i].rrn && rr[i].error[0])
            snprintf(v[i].error, sizeof v[i].error, "%s", rr[i].error);
        else if (rr[i].rrn)
            memcpy(v[i].ci, cis[i], CI_LEN + 1);
    return 0;
}

/* A call naming members and the person the back office proofed for each
 * (verify, or a new PIN): one idsvc call for the RRNs, then every item in
 * one transaction, all or nothing. */
typedef struct proofed_route {
    const char *name; /* for the log and the errors: "verify", "pin" */
    const char *done; /* what nothing was, on a failure: "verified", "changed" */
    int pins;         /* items carry a new "pin" */
    int (*one)(platform *p, const proofed *v, buf *out);
} proofed_route;

/* Hashes each item's new PIN before any lock is taken (the hash is slow
 * on purpose), or sets its error. */
static void hash_pins(platform *p, json_t *items, proofed *v)
{
    size_t i;
    json_t *o;

    json_array_foreach(items, i, o) {
        const char *pin = json_string_value(json_object_get(o, "pin")), *weak;
        if (v[i].error[0])
            continue;
        if (!pin || !pin_ok(pin))
            snprintf(v[i].error, sizeof v[i].error, "pin must be 4-8 digits");
        else if ((weak = platform_members_pin_weakness(pin, v[i].phone,
                                      json_string_value(json_object_get(o, "rrn")))) != NULL)
            platform_members_pin_refused(v[i].error, sizeof v[i].error, weak);
        else if (pwhash_str(v[i].pin_hash, pin, strlen(pin), p->pin_cost) != 0)
            snprintf(v[i].error, sizeof v[i].error, "cannot hash the PIN");
    }
}

static void proofed_call(platform *p, const proofed_route *r, const http_request *req,
                         http_response *resp)
{
    int rc = -1;
    size_t i, n, len;
    char *text, (*cis)[CI_LEN + 1];
    proofed *v;
    signup *rr;
    json_t *o;
    batch in;
    buf out;

    if (platform_members_read_batch(&in, &verify_batch, req, resp) != 0)
        return;
    n = json_array_size(in.items);
    v = calloc(n + 1, sizeof *v);
    rr = calloc(n + 1, sizeof *rr);
    cis = calloc(n + 1, sizeof *cis);
    if (!v || !rr || !cis) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    if (read_proofed(p, in.items, v, rr, n, cis) != 0) {
        http_reply_error(resp, 503, "idsvc did not answer: nothing was %s; try again", r->done);
        goto done;
    }
    if (r->pins)
        hash_pins(p, in.items, v);
    batch_results_open(&out, n, 40);
    pthread_mutex_lock(&p->lock);
    if (platform_db_begin(p->db) == 0) {
        rc = 0;
        for (i = 0; i < n && rc == 0; i++) {
            batch_results_next(&out, i);
            rc = r->one(p, &v[i], &out);
        }
        if (rc != 0 || platform_db_commit(p->db) != 0) {
            platform_db_rollback(p->db);
            rc = -1;
        }
    }
    pthread_mutex_unlock(&p->lock);
    batch_results_close(&out);
    log_info("POST /v1/members/%s: %zu members%s", r->name, n,
             rc ? ", not stored (database error)" : "");
    text = buf_take(&out, &len);
    if (rc != 0 || !text) {
        free(text);
        if (rc)
            http_reply_error(resp, 500, "database error: nothing was %s", r->done);
        else
            http_reply_error(resp, 500, "out of memory");
    } else {
        http_reply_body(resp, 200, "application/json", text, len);
        platform_reports_wake(p);
    }
done:
    json_array_foreach(in.items, i, o) {
        batch_wipe_string(json_object_get(o, "rrn"));
        batch_wipe_string(json_object_get(o, "ci"));
        batch_wipe_string(json_object_get(o, "pin"));
    }
    if (v)
        secure_wipe(v, (n + 1) * sizeof *v);
    if (cis)
        secure_wipe(cis, (n + 1) * sizeof *cis);
    free(v);
    free(rr);
    free(cis);
    batch_free(&in);
}

void platform_members_verify(void *role, const void *caller, const http_request *req,
                             http_response *resp)
{
    static const proofed_route verify = {"verify", "verified", 0, verify_one};

    (void)caller;
    proofed_call(role, &verify, req, resp);
}

void platform_members_set_pin(void *role, const void *caller, const http_request *req,
                              http_response *resp)
{
    static const proofed_route pin = {"pin", "changed", 1, set_pin_one};

    (void)caller;
    proofed_call(role, &pin, req, resp);
}
