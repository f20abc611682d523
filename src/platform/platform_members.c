/* platform_members.c -- signing members up and recording their consent.
 *
 * A member is bound to a person through the CI: the RRN given at sign-up
 * goes to idsvc in one batch call and is wiped as soon as the CI is back;
 * only the CI and its rk are stored. Every consent change (sign-up with
 * consent, grant, withdrawal) is queued for the hub's directory in the same
 * transaction, so the hub learns of it even across a crash.
 *
 * Knowing an RRN proves nothing: anyone who knows a neighbour's could sign
 * up with their own phone and read the neighbour's notices. So a member
 * made on the public web page is "unverified": kept, able to sign in once
 * its phone is proved by the code sent to it (signup_code.h), but
 * reported to no directory and given no notices until the back office has
 * proofed the person (carrier or PASS authentication, a counter) and calls
 * POST /v1/members/verify (platform_proofing.c) with that person's CI or
 * RRN, which must be the one the member signed up as. The back office's own sign-ups are
 * verified at once, since it proofs before it calls.
 *
 * A verified member is in the hub's directory with or without consent:
 * without it, the hub may relay a notice as a consent pre-notice
 * (platform_relay.c), held until the member consents. Consenting hands
 * the member every such notice still inside its consent window: each
 * becomes visible, gets its alert, and the hub hears ConsentAcceptance
 * and ContentConsignment (platform_reports.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform_members.h"
#include "platform_members_internal.h"

#include "platform_alert.h"
#include "batch.h"
#include "buf.h"
#include "field.h"
#include "form.h"
#include "http_client.h"
#include "log.h"
#include "phone.h"
#include "pin.h"
#include "rrn.h"
#include "platform_reports.h"
#include "platform_signin.h"
#include "signup_code.h"

#define NAME_MAX_BYTES 64

/* The date of birth an RRN gives (YYYYMMDD), or 0 when it gives none. */
static int birth_of(const char *rrn_text)
{
    const char *why;
    rrn r;
    int birth = 0;

    if (rrn_text && rrn_parse(rrn_text, strlen(rrn_text), rrn_today(), 0, &r, &why) != RRN_INVALID)
        birth = r.year * 10000 + r.month * 100 + r.day;
    secure_wipe(&r, sizeof r);
    return birth;
}

const char *platform_members_pin_weakness(const char *pin, const char *phone, const char *rrn_text)
{
    const char *why = pin_guessable(pin);

    return why ? why : pin_echoes(pin, phone, birth_of(rrn_text));
}

void platform_members_pin_refused(char *error, size_t cap, const char *why)
{
    snprintf(error, cap, "pin is too easy to guess (%s): choose another", why);
}

/* Checks what can be checked locally; sets error and returns -1. */
static int validate(signup *s, char phone[PHONE_MAX_CHARS + 1])
{
    const char *weak;

    if (!s->name || !form_text_ok(s->name, NAME_MAX_BYTES))
        snprintf(s->error, sizeof s->error, "name must be 1-64 bytes of text");
    else if (field_text_has_rrn(s->name, strlen(s->name)))
        snprintf(s->error, sizeof s->error,
                 "name holds what may be a resident registration number: it goes in rrn only");
    else if (!s->phone || phone_normalize(s->phone, phone) != 0 || !phone_is_mobile(phone))
        snprintf(s->error, sizeof s->error,
                 "phone must be a mobile number: 01 and 8 or 9 more digits, hyphens allowed");
    else if (!s->rrn || !*s->rrn || strlen(s->rrn) > RRN_MAX_CHARS)
        snprintf(s->error, sizeof s->error, "rrn must be 13 digits (YYMMDD-SNNNNNN)");
    else if (!s->pin || !pin_ok(s->pin))
        snprintf(s->error, sizeof s->error, "pin must be 4-8 digits");
    else if ((weak = platform_members_pin_weakness(s->pin, phone, s->rrn)) != NULL)
        platform_members_pin_refused(s->error, sizeof s->error, weak);
    else if (s->preference < 1 || s->preference > 99)
        snprintf(s->error, sizeof s->error, "preference must be 1-99");
    else
        return 0;
    return -1;
}

int platform_members_signup_check(signup *s)
{
    char phone[PHONE_MAX_CHARS + 1];

    return validate(s, phone);
}

int platform_members_fetch_cis(platform *p, signup *items, size_t n, char (*cis)[CI_LEN + 1])
{
    json_t *rrns = json_array(), *body = json_object(), *reply = NULL, *results;
    http_client *c = http_client_new(p->idsvc_url, p->idsvc_key);
    char err[512] = ""; /* the client fills it only when the call failed */
    int status = 0, rc = -1;
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if (!items[i].error[0])
            json_array_append_new(rrns, json_string(items[i].rrn));
    json_object_set(body, "rrns", rrns);
    if (c)
        status = http_client_json(c, "POST", "/v1/ci", body, &reply, err, sizeof err);
    results = json_object_get(reply, "results");
    if (status != 200 || json_array_size(results) != json_array_size(rrns)) {
        if (status == 200)
            log_error("idsvc: an answer with %zu results for %zu RRNs", json_array_size(results),
                      json_array_size(rrns));
        else
            log_error("idsvc: %s", status ? err : "no answer");
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (items[i].error[0])
            continue;
        json_t *r = json_array_get(results, k++);
        const char *ci = json_string_value(json_object_get(r, "ci"));
        const char *e = json_string_value(json_object_get(r, "error"));
        if (ci && ci_is_well_formed(ci, strlen(ci)))
            memcpy(cis[i], ci, CI_LEN + 1);
        else
            snprintf(items[i].error, sizeof items[i].error, "rrn refused: %s",
                     e ? e : "no CI");
    }
    rc = 0;
done:
    json_array_foreach(rrns, i, results) batch_wipe_string(results);
    if (reply) {
        json_array_foreach(json_object_get(reply, "results"), i, results)
            batch_wipe_string(json_object_get(results, "ci"));
        json_decref(reply);
    }
    json_decref(rrns);
    json_decref(body);
    http_client_free(c);
    return rc;
}

/* Queues the message that says what became of s: to the new member (with
 * its code), to the member who has the phone, or to the phone the person
 * has on file. 1, 0 when that phone was told enough today, or -1 (the
 * caller's transaction fails). */
static int tell_outcome(platform *p, const signup *s, const member *m, const char *now,
                        const char *code)
{
    platform_signup_outcome o = s->member ? PLATFORM_SIGNUP_DONE
                                : s->taken == 1 ? PLATFORM_SIGNUP_PHONE_TAKEN
                                                : PLATFORM_SIGNUP_ALREADY_MEMBER;
    const char *to = m->phone;
    member holder;
    buf text;
    int rc;

    if (o == PLATFORM_SIGNUP_ALREADY_MEMBER) {
        if (platform_db_member_by_rk(p->db, m->rk, &holder) != 1)
            return -1;
        to = holder.phone;
    }
    buf_init(&text, 512);
    buf_set_secret(&text); /* the code */
    rc = platform_alert_queue_signup(p, o, code, to, now, &text);
    buf_free(&text);
    return rc;
}

/* A web sign-up's member waits for the code that proves its phone
 * (signup_code.h): made, hashed and given 30 minutes. */
static void await_code(member *m, long long now_ms, char code[SIGNUP_CODE_DIGITS + 1])
{
    signup_code_new(code);
    signup_code_hash(m->phone, code, m->confirm_hash);
    clock_rfc3339_ms(m->confirm_until, now_ms + SIGNUP_CODE_TTL_MS);
}

/* Web sign-ups whose code lapsed hold nothing any more, nor do the
 * messages that carried the codes. 0 or -1. */
static int prune_lapsed(platform *p, const char *now)
{
    long long n = platform_db_members_prune_unconfirmed(p->db, now);
    char lapsed[25];

    if (n > 0)
        log_info("signup: %lld web sign-up%s dropped, %s phone never proved in %lld min", n,
                 n == 1 ? "" : "s", n == 1 ? "its" : "their", SIGNUP_CODE_TTL_MS / 60000);
    clock_rfc3339_ms(lapsed, clock_now_ms() - SIGNUP_CODE_TTL_MS);
    return n < 0 || platform_db_signup_codes_wipe(p->db, lapsed) < 0 ? -1 : 0;
}

static int any_web(const signup *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].tell)
            return 1;
    return 0;
}

/* Stores item s as m, and tells its phone when s is a web sign-up (inside
 * a savepoint: a new member whose code cannot be sent today is undone,
 * with any sign-up it replaced). 0, or -1 on a database error. */
static int insert_one(platform *p, signup *s, member *m, const char *now, long long now_ms)
{
    char code[SIGNUP_CODE_DIGITS + 1] = "";
    const char *dup;
    long long id;
    int web = s->tell && !m->verified, told = 1;

    if (web) {
        await_code(m, now_ms, code);
        if (platform_db_savepoint_open(p->db) != 0)
            goto fail;
    }
    if ((id = platform_db_member_insert(p->db, m, now, &dup)) < 0)
        goto fail;
    if (id == 0) {
        s->taken = !strcmp(dup, "phone") ? 1 : 2;
        snprintf(s->error, sizeof s->error, "%s",
                 s->taken == 1 ? "phone already registered" : "this person is already a member");
    } else {
        s->member = id;
    }
    if (s->tell && (told = tell_outcome(p, s, m, now, id ? code : NULL)) < 0)
        goto fail;
    s->told = s->tell && told;
    secure_wipe(code, sizeof code);
    if (web && id && !told) {
        s->member = 0;
        s->taken = 3;
        snprintf(s->error, sizeof s->error, "the phone was sent its sign-up messages for today: "
                                            "nobody stored");
    }
    if (web && platform_db_savepoint(p->db, !(id && !told)) != 0)
        return -1;
    if (id && m->verified && platform_db_directory_queue(p->db, m->rk, m->consent,
                                                         m->preference) != 0)
        return -1;
    return 0;
fail:
    secure_wipe(code, sizeof code);
    return -1;
}

/* Inserts the batch in one transaction. */
/* 0, or -1 after a database error (nothing stored, each item told). */
static int insert_members(platform *p, signup *items, size_t n, member *ms)
{
    char now[25];
    long long now_ms = clock_now_ms();
    size_t i;

    clock_rfc3339_ms(now, now_ms);
    pthread_mutex_lock(&p->lock);
    if (platform_db_begin(p->db) != 0 || (any_web(items, n) && prune_lapsed(p, now) != 0))
        goto fail;
    for (i = 0; i < n; i++)
        if (!items[i].error[0] && insert_one(p, &items[i], &ms[i], now, now_ms) != 0)
            goto fail;
    if (platform_db_commit(p->db) != 0)
        goto fail;
    pthread_mutex_unlock(&p->lock);
    return 0;
fail:
    platform_db_rollback(p->db);
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < n; i++)
        if (!items[i].error[0] || items[i].member || items[i].taken) {
            items[i].member = 0;
            items[i].taken = 0;
            snprintf(items[i].error, sizeof items[i].error, "database error");
        }
    return -1;
}

signup_outcome platform_members_signup(platform *p, signup *items, size_t n)
{
    char (*cis)[CI_LEN + 1] = calloc(n ? n : 1, sizeof *cis);
    member *ms = calloc(n ? n : 1, sizeof *ms);
    size_t i, todo = 0;
    signup_outcome rc = SIGNUP_DONE;

    if (!cis || !ms) {
        for (i = 0; i < n; i++)
            snprintf(items[i].error, sizeof items[i].error, "out of memory");
        rc = SIGNUP_FAILED;
        goto done;
    }
    for (i = 0; i < n; i++) {
        items[i].member = 0;
        items[i].taken = 0;
        items[i].told = 0;
        if (!items[i].error[0] && validate(&items[i], ms[i].phone) == 0)
            todo++;
    }
    if (todo && platform_members_fetch_cis(p, items, n, cis) != 0) {
        for (i = 0; i < n; i++)
            if (!items[i].error[0])
                snprintf(items[i].error, sizeof items[i].error,
                         "identification service unavailable; try again");
        rc = SIGNUP_NO_IDSVC;
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (items[i].error[0])
            continue;
        snprintf(ms[i].name, sizeof ms[i].name, "%s", items[i].name);
        memcpy(ms[i].ci, cis[i], sizeof ms[i].ci);
        ci_rk(ms[i].ci, ms[i].rk);
        ms[i].consent = items[i].consent;
        ms[i].preference = items[i].preference;
        ms[i].verified = items[i].verified;
        if (items[i].capped && !platform_pin_slot_take(p)) {
            rc = SIGNUP_BUSY;
            goto done;
        }
        if (pwhash_str(ms[i].pin_hash, items[i].pin, strlen(items[i].pin), p->pin_cost) != 0)
            snprintf(items[i].error, sizeof items[i].error, "cannot hash PIN");
        if (items[i].capped)
            platform_pin_slot_give(p);
    }
    if (insert_members(p, items, n, ms) != 0)
        rc = SIGNUP_FAILED;
done:
    if (cis)
        secure_wipe(cis, n * sizeof *cis);
    free(cis);
    if (ms) /* PIN hashes and CIs */
        secure_wipe(ms, (n ? n : 1) * sizeof *ms);
    free(ms);
    return rc;
}

/* The notices a member's consent hands over are read this many at a
 * time (each round reveals or drops those it read). */
#define CONSENT_HANDOVER_MAX 256

typedef struct waiting {
    notice_row rows[CONSENT_HANDOVER_MAX];
    size_t n;
} waiting;

static void collect_waiting(void *ctx, const notice_row *n)
{
    waiting *w = ctx;

    if (w->n < CONSENT_HANDOVER_MAX)
        w->rows[w->n++] = *n;
}

/* Whether a held notice's consent window is still open at now_ms. Read
 * as a time, not compared as text: rows stored before the relay wrote
 * every window in one form may hold a date alone or another offset. */
static int window_open(const notice_row *row, long long now_ms)
{
    long long until;

    return field_deadline_parse(row->consent_until, strlen(row->consent_until), &until) == 0 &&
           until > now_ms;
}

/* The member consented: each notice held for them is theirs if its
 * consent window is still open, else forgotten (the hub has moved it
 * on). 0 or -1. */
static int hand_over_waiting(platform *p, const member *m)
{
    waiting *w = calloc(1, sizeof *w);
    char now[25];
    long long now_ms = clock_now_ms();
    buf text;
    int rc = 0;
    size_t handed = 0;

    if (!w)
        return -1;
    clock_rfc3339_ms(now, now_ms);
    buf_init(&text, 512);
next_round:
    w->n = 0;
    if (platform_db_inbox_pending(p->db, m->id, collect_waiting, w) != 0)
        rc = -1;
    for (size_t i = 0; i < w->n && rc == 0; i++) {
        notice_row *row = &w->rows[i];
        /* Its window closed, or cancelled while it waited: it is not
         * theirs, and goes (hidden, never reported). */
        if (!window_open(row, now_ms) || row->withdrawn_at[0]) {
            rc = platform_db_inbox_drop(p->db, row->notice) < 0 ? -1 : 0;
            continue;
        }
        if (platform_db_inbox_reveal(p->db, row->notice, now) != 1 ||
            platform_alert_queue(p, row, PLATFORM_ALERT_NEW, m->phone, now, &text) != 0 ||
            platform_db_consent_report(p->db, row->notice, now) != 0)
            rc = -1;
        else
            handed++;
    }
    if (rc == 0 && w->n == CONSENT_HANDOVER_MAX)
        goto next_round;
    if (rc == 0 && handed)
        log_info("consent: %zu waiting notices handed to member %lld", handed, m->id);
    buf_free(&text);
    free(w);
    return rc;
}

int platform_members_set_consent_locked(platform *p, long long member, int consent,
                                        int preference)
{
    struct member m;

    if (platform_db_member_by_id(p->db, member, &m) != 1)
        return -1;
    if (preference == PLATFORM_KEEP_PREFERENCE)
        preference = m.preference;
    if (platform_db_member_set_consent(p->db, member, consent, preference) != 0)
        return -1;
    if (!m.verified)
        return 0; /* reported when verified, with the consent of that day */
    if (consent && hand_over_waiting(p, &m) != 0)
        return -1;
    return platform_db_directory_queue(p->db, m.rk, consent, preference);
}

/* The batches the back office sends here (batch.h); verify's is in
 * platform_proofing.c. */
static const char *const member_secrets[] = {"rrn", "pin", NULL};
static const batch_spec members_batch = {
    .key = "members", .max_items = BATCH_MAX_ITEMS, .objects = 1, .secrets = member_secrets,
};
static const batch_spec changes_batch = {
    .key = "changes", .max_items = BATCH_MAX_ITEMS, .objects = 1,
};

int platform_members_read_batch(batch *b, const batch_spec *spec, const http_request *req,
                      http_response *resp)
{
    char err[192];
    int status = batch_read(b, spec, req->body, req->body_len, err, sizeof err);

    if (status)
        http_reply_error(resp, status, "%s", err);
    return status;
}

static int item_bool(json_t *o, const char *key, int def, int *out)
{
    json_t *v = json_object_get(o, key);

    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

static int item_pref(json_t *o, int *out)
{
    json_t *v = json_object_get(o, "preference");

    if (!v) {
        *out = 1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 99)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

static void reply_results(http_response *resp, const signup *items, size_t n)
{
    buf out;
    char *text;
    size_t len;

    batch_results_open(&out, n, 40);
    for (size_t i = 0; i < n; i++) {
        batch_results_next(&out, i);
        if (items[i].member)
            buf_printf(&out, "{\"member\":%lld}", items[i].member);
        else
            batch_results_error(&out, NULL, NULL, items[i].error);
    }
    batch_results_close(&out);
    text = buf_take(&out, &len);
    if (text)
        http_reply_body(resp, 200, "application/json", text, len);
    else
        http_reply_error(resp, 500, "out of memory");
}

void platform_members_post(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    platform *p = role;
    signup *items;
    size_t i, n, ok = 0;
    json_t *o;
    batch in;

    (void)caller;
    if (platform_members_read_batch(&in, &members_batch, req, resp) != 0)
        return;
    n = json_array_size(in.items);
    items = calloc(n ? n : 1, sizeof *items);
    if (!items) {
        batch_free(&in);
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    json_array_foreach(in.items, i, o) {
        signup *s = &items[i];
        s->name = json_string_value(json_object_get(o, "name"));
        s->phone = json_string_value(json_object_get(o, "phone"));
        s->rrn = json_string_value(json_object_get(o, "rrn"));
        s->pin = json_string_value(json_object_get(o, "pin"));
        s->verified = 1; /* the back office proofs identity before it calls */
        if (item_bool(o, "consent", 0, &s->consent) != 0 || item_pref(o, &s->preference) != 0)
            snprintf(s->error, sizeof s->error,
                     "consent must be true or false, preference a whole number 1-99");
    }
    signup_outcome rc = platform_members_signup(p, items, n);
    for (i = 0; i < n; i++)
        ok += items[i].member != 0;
    batch_free(&in); /* wipes the RRNs and PINs */
    if (rc == SIGNUP_NO_IDSVC) { /* nothing stored: the whole call again */
        http_reply_error(resp, 503, "idsvc did not answer: nobody was signed up; try again");
        http_add_header(resp, "Retry-After", "5");
    } else if (rc == SIGNUP_FAILED) {
        http_reply_error(resp, 500, "database error or out of memory: nobody was signed up");
    } else {
        reply_results(resp, items, n);
    }
    secure_wipe(items, n * sizeof *items);
    free(items);
    platform_reports_wake(p);
    log_info("POST /v1/members: %zu members, %zu signed up", n, ok);
}

/* {"phone":…, "consent":bool, "preference": optional}. -1 on a database
 * error: the call's transaction may hold part of this change (consent set,
 * its directory entry or consent reports not queued) and must go whole. */
static int change_consent(platform *p, json_t *o, buf *out)
{
    const char *phone_in = json_string_value(json_object_get(o, "phone"));
    char phone[PHONE_MAX_CHARS + 1];
    int consent, pref, found;
    member m;

    if (!phone_in || phone_normalize(phone_in, phone) != 0 ||
        !json_is_boolean(json_object_get(o, "consent")) ||
        item_bool(o, "consent", 0, &consent) != 0 || item_pref(o, &pref) != 0) {
        buf_puts(out, "{\"error\":\"expected {\\\"phone\\\":…, \\\"consent\\\":true|false}\"}");
        return 0;
    }
    found = platform_db_member_by_phone(p->db, phone, &m);
    if (found < 0)
        return -1;
    if (found == 0) {
        buf_puts(out, "{\"error\":\"no such member\"}");
        return 0;
    }
    if (json_object_get(o, "preference") == NULL)
        pref = m.preference;
    if (platform_members_set_consent_locked(p, m.id, consent, pref) != 0)
        return -1;
    buf_printf(out, "{\"member\":%lld,\"consent\":%s}", m.id, consent ? "true" : "false");
    return 0;
}

void platform_members_consent(void *role, const void *caller, const http_request *req,
                              http_response *resp)
{
    platform *p = role;
    size_t i, len;
    char *text;
    json_t *o;
    batch in;
    buf out;

    (void)caller;
    if (platform_members_read_batch(&in, &changes_batch, req, resp) != 0)
        return;
    batch_results_open(&out, json_array_size(in.items), 40);
    pthread_mutex_lock(&p->lock);
    int began = platform_db_begin(p->db) == 0;
    json_array_foreach(in.items, i, o) {
        if (!began)
            break;
        batch_results_next(&out, i);
        if (change_consent(p, o, &out) != 0) {
            platform_db_rollback(p->db); /* all or nothing, as verify */
            began = 0;
        }
    }
    if (began && platform_db_commit(p->db) != 0) {
        platform_db_rollback(p->db);
        began = 0;
    }
    pthread_mutex_unlock(&p->lock);
    batch_results_close(&out);
    log_info("POST /v1/consent: %zu changes", json_array_size(in.items));
    batch_free(&in);
    text = buf_take(&out, &len);
    if (!began) {
        free(text);
        http_reply_error(resp, 500, "database error: no consent was changed");
        return;
    }
    http_reply_body(resp, 200, "application/json", text, len);
    platform_reports_wake(p);
}
