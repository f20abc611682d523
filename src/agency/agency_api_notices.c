/* agency_api_notices.c -- the back-office API of `agency serve`: notices
 * posted one by one or in bulk, read back by the caller's reference, bulk
 * jobs, and certificates proxied from the hub (docs/protocol.md, "## agency").
 *
 * Thin shells: input is checked in agency_api_input.c, notices go through
 * the send pipeline in agency_intake.c, and every error is a problem
 * (agency_problem.h). The caller's reference is the caller's name for a
 * notice; the agency's own is derived from it (agency_ref_api), so the
 * same reference twice is the same notice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agency_api.h"
#include "agency_api_input.h"
#include "agency_effect.h"
#include "agency_problem.h"
#include "agency_ref.h"
#include "clock.h"
#include "crypto.h"
#include "http_route.h"
#include "log.h"

static int content_is(const http_request *req, const char *type)
{
    const char *ct = http_header(req, "Content-Type");
    size_t n = strlen(type);

    return ct && !strncasecmp(ct, type, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void reply_json(http_response *resp, int status, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    json_decref(o);
    if (!text) {
        agency_problem(resp, 503, NULL, 0, "out of memory");
        return;
    }
    http_reply_body(resp, status, "application/json", text, strlen(text));
}

/* The path's {name} segment, checked as a reference. 0, or -1 after
 * answering 404 (an unknown and a malformed reference look alike). */
static int path_reference(const http_request *req, const char *prefix, char *out, size_t cap)
{
    const char *p = req->path + strlen(prefix);
    size_t n = strcspn(p, "/");

    if (!n || n >= cap || !field_reference_ok(p, n))
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static void not_found(http_response *resp, const char *what)
{
    agency_problem(resp, 404, NULL, 0, "no such %s", what);
}

typedef struct effect_ctx {
    const effect_rule *rule;
    long long now;
    json_t *effect;
} effect_ctx;

static int effect_of_row(void *ctx, const agency_outcome *row)
{
    effect_ctx *e = ctx;

    e->effect = agency_effect_json(e->rule, row, e->now);
    return 1;
}

/* "effect": when the notice (agency reference ref) takes legal effect,
 * computed now from the evidence times the agency holds; null when no
 * term of the rule applies yet. */
static void add_effect(agency_api *api, json_t *o, const char *ref)
{
    effect_ctx e = {&api->cfg->effect, clock_now_ms(), NULL};

    agency_db_outcomes(api->db, ref, 0, 0, effect_of_row, &e);
    json_object_set_new(o, "effect", e.effect ? e.effect : json_null());
}

/* A notice refused after its caller stopped waiting (answered 202, or
 * scheduled): its state "refused" and the problem its post would have
 * had. -1 when there is none. */
static int answer_refused(agency_api *api, const char *caller_ref, http_response *resp)
{
    intake_result why;
    long long at_ms;
    char at[32];
    json_t *problem;

    if (!agency_intake_refused(api->intake, caller_ref, &why, &at_ms))
        return -1;
    clock_rfc3339_ms(at, at_ms);
    problem = json_pack("{siss}", "status", why.status, "detail", why.detail);
    if (problem && why.field[0])
        json_object_set_new(problem, "field", json_string(why.field));
    reply_json(resp, 200, json_pack("{sssssssO*}", "reference", caller_ref, "state", "refused",
                                    "at", at, "refusal", problem));
    json_decref(problem);
    return 0;
}

/* ---- POST /v1/notices ---- */

static void answer_input_error(http_response *resp, int rc, const api_errors *errs)
{
    if (rc == API_IN_TOO_MANY)
        agency_problem(resp, 413, "notices", 0, "at most %d rows in one bulk (and, in "
                       "JSON, the values and objects so many rows can hold)",
                       API_BULK_MAX_ROWS);
    else if (rc == API_IN_NO_MEMORY)
        agency_problem(resp, 503, NULL, 0, "out of memory: try again");
    else
        agency_problem_errors(resp, 400, errs);
}

/* The notice as GET shows it, answered with status, once the hub has
 * given it an id: a notice stored but not yet answered for (the same
 * reference posted twice at once) goes through the worker, which finds
 * it made. -1 when there is none yet. */
static int answer_notice(agency_api *api, const char *caller_ref, int status,
                         http_response *resp)
{
    char ref[FIELD_REFERENCE_MAX + 1];
    json_t *o;
    int found = agency_db_api_notice(api->db, caller_ref, &o, ref);

    if (found <= 0 || !json_is_string(json_object_get(o, "notice"))) {
        json_decref(o);
        return -1;
    }
    add_effect(api, o, ref);
    reply_json(resp, status, o);
    return 0;
}

void agency_api_post_notice(void *role, const void *caller, const http_request *req,
                            http_response *resp)
{
    agency_api *api = role;
    api_rows rs;
    api_errors errs = {0};
    char caller_ref[FIELD_REFERENCE_MAX + 1];
    int rc;

    if (!content_is(req, "application/json")) {
        agency_problem(resp, 415, NULL, 0, "send the notice as application/json");
        return;
    }
    rc = api_input_notice(req->body, req->body_len, clock_now_ms(), &rs, &errs);
    if (rc != API_IN_OK) {
        answer_input_error(resp, rc, &errs);
        api_errors_free(&errs);
        api_rows_free(&rs);
        return;
    }
    snprintf(caller_ref, sizeof caller_ref, "%s", rs.rows[0].ref);
    /* The same reference again: the notice it made, without touching the
     * RRN or the hub. */
    if (answer_notice(api, caller_ref, 200, resp) == 0) {
        api_rows_free(&rs);
        return;
    }
    agency_api_notice_wait(api, req, &rs, ((const apikey_entry *)caller)->name, caller_ref,
                           resp);
    api_rows_free(&rs);
}

void agency_api_notice_answer(agency_api *api, const char *who, const char *caller_ref,
                              const intake_result *res, http_response *resp)
{
    if ((res->status == 201 || res->status == 200) &&
        answer_notice(api, caller_ref, res->status, resp) == 0) {
        log_info("POST /v1/notices by %s: %s", who, res->status == 201 ? "accepted" : "existing");
        return;
    }
    if (res->status == 202 || res->status == 201 || res->status == 200) {
        json_t *o = json_pack("{ssss}", "reference", caller_ref, "state",
                              res->status == 202 ? res->detail : "accepted");
        reply_json(resp, 202, o);
        return;
    }
    agency_problem(resp, res->status, res->field, 0, "%s", res->detail);
}

/* ---- POST /v1/notices/bulk ---- */

static void job_id(char out[API_JOB_ID_MAX])
{
    uint8_t raw[12];
    char hex[25];

    random_bytes(raw, sizeof raw);
    hex_encode(hex, raw, sizeof raw);
    snprintf(out, API_JOB_ID_MAX, "job-%s", hex);
}

static int parse_bulk(const http_request *req, api_rows *rs, api_errors *errs)
{
    long long now = clock_now_ms();

    if (content_is(req, "application/json"))
        return api_input_bulk_json(req->body, req->body_len, now, rs, errs);
    api_common c = {http_query(req, "template"), http_query(req, "title"),
                    http_query(req, "deadline"), http_query(req, "scheduled_for"),
                    http_query(req, "urgent")};
    return api_input_bulk_csv(req->body, req->body_len, &c, now, rs, errs);
}

/* Records the job and its refused rows; 0 or -1. */
static int create_job(agency_api *api, const char *id, const api_rows *rs,
                      const api_errors *errs)
{
    long *rows = malloc((errs->n + 1) * sizeof *rows);
    const char **fields = malloc((errs->n + 1) * sizeof *fields);
    const char **details = malloc((errs->n + 1) * sizeof *details);
    char at[25];
    int rc = -1;

    clock_rfc3339_ms(at, clock_now_ms());
    if (rows && fields && details &&
        agency_db_api_job_create(api->db, id, (long)(rs->nrows + errs->n), at) == 0) {
        for (size_t i = 0; i < errs->n; i++) {
            rows[i] = errs->v[i].row;
            fields[i] = errs->v[i].field;
            details[i] = errs->v[i].detail;
            agency_problem_mask(errs->v[i].detail);
        }
        rc = agency_db_api_job_errors(api->db, id, rows, fields, details, errs->n);
        if (rc == 0 && !rs->nrows)
            rc = agency_db_api_job_update(api->db, id, "done", (long)errs->n, 0, 0,
                                          (long)errs->n, at);
    }
    free(rows);
    free(fields);
    free(details);
    return rc;
}

int agency_api_start_bulk(agency_api *api, api_rows *rs, const api_errors *errs,
                          char id[API_JOB_ID_MAX], const char **why)
{
    long refused = (long)errs->n;

    if (!api->intake) {
        *why = AGENCY_INTAKE_NONE;
        return 503;
    }
    job_id(id);
    if (create_job(api, id, rs, errs) != 0) {
        *why = "cannot record the job: try again";
        return 503;
    }
    if (rs->nrows && agency_intake_bulk(api->intake, id, rs, refused) != 0) {
        char at[25];
        clock_rfc3339_ms(at, clock_now_ms());
        agency_db_api_job_update(api->db, id, "refused", refused, 0, 0, refused, at);
        *why = "the server holds too many rows: try again later";
        return 503;
    }
    return 202;
}

void agency_api_post_bulk(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    agency_api *api = role;
    api_rows rs;
    api_errors errs = {0};
    char id[API_JOB_ID_MAX], location[64], terr[256];
    const char *why = NULL;
    int rc;

    if (!content_is(req, "application/json") && !content_is(req, "text/csv")) {
        agency_problem(resp, 415, NULL, 0, "send the rows as application/json or text/csv");
        return;
    }
    rc = parse_bulk(req, &rs, &errs);
    if (rc != API_IN_OK) {
        answer_input_error(resp, rc, &errs);
        goto done;
    }
    /* A template that is not there, or does not compile, would refuse
     * every row later, after idsvc and rendering: refused now, whole. */
    template *t = agency_intake_template(api->cfg, rs.tpl, terr, sizeof terr);
    if (!t) {
        agency_problem(resp, 400, "template", 0, "%s", terr);
        goto done;
    }
    template_free(t);
    long total = (long)(rs.nrows + errs.n), refused = (long)errs.n;
    if (agency_api_start_bulk(api, &rs, &errs, id, &why) != 202) {
        agency_problem(resp, 503, NULL, 0, "%s", why);
        goto done;
    }
    log_info("POST /v1/notices/bulk by %s: job %s, %ld rows, %ld refused at once",
             ((const apikey_entry *)caller)->name, id, total, refused);
    snprintf(location, sizeof location, "/v1/jobs/%s", id);
    http_add_header(resp, "Location", location);
    reply_json(resp, 202, json_pack("{sssisiss}", "job", id, "rows", (json_int_t)total,
                                    "refused", (json_int_t)refused, "status", location));
done:
    api_errors_free(&errs);
    api_rows_free(&rs);
}

/* ---- GET /v1/notices/{reference} ---- */

/* The notice as found here, with the hub's evidence added (or not). */
static void notice_with_evidence(void *ctx, json_t *o, http_response *resp)
{
    (void)ctx;
    reply_json(resp, 200, o);
}

void agency_api_get_notice(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    agency_api *api = role;
    char caller_ref[FIELD_REFERENCE_MAX + 1], ref[FIELD_REFERENCE_MAX + 1];
    const char *waiting;
    json_t *o;
    int found;

    (void)caller;
    if (path_reference(req, "/v1/notices/", caller_ref, sizeof caller_ref) != 0) {
        not_found(resp, "notice");
        return;
    }
    found = agency_db_api_notice(api->db, caller_ref, &o, ref);
    if (found < 0) {
        agency_problem(resp, 503, NULL, 0, "database error");
        return;
    }
    if (found) {
        /* stored while its batch is at the hub: on its way, as a GET
         * before it was stored said (and so is an interrupted one posted again) */
        const char *state = json_string_value(json_object_get(o, "state"));
        if (state && (!strcmp(state, "stored") || !strcmp(state, "interrupted")) &&
            (waiting = agency_intake_waiting(api->intake, caller_ref)) != NULL)
            json_object_set_new(o, "state", json_string(waiting));
        add_effect(api, o, ref);
        agency_api_with_evidence(api, req, o, notice_with_evidence, NULL, resp);
        return;
    }
    if ((waiting = agency_intake_waiting(api->intake, caller_ref)) != NULL) {
        reply_json(resp, 200, json_pack("{ssss}", "reference", caller_ref, "state", waiting));
        return;
    }
    if (answer_refused(api, caller_ref, resp) == 0)
        return;
    not_found(resp, "notice");
}

/* ---- GET /v1/notices/{reference}/certificate ---- */

static int wants_pdf(const http_request *req)
{
    const char *accept = http_header(req, "Accept");

    return accept && strstr(accept, "application/pdf") != NULL;
}

void agency_api_get_certificate(void *role, const void *caller, const http_request *req,
                                http_response *resp)
{
    agency_api *api = role;
    char caller_ref[FIELD_REFERENCE_MAX + 1], ref[FIELD_REFERENCE_MAX + 1];
    const char *notice;
    json_t *o;

    (void)caller;
    if (path_reference(req, "/v1/notices/", caller_ref, sizeof caller_ref) != 0 ||
        agency_db_api_notice(api->db, caller_ref, &o, ref) != 1) {
        not_found(resp, "notice");
        return;
    }
    notice = json_string_value(json_object_get(o, "notice"));
    if (!notice) {
        agency_problem(resp, 409, NULL, 0, "the hub has not accepted this notice yet");
    } else if (api->test) {
        agency_problem(resp, 409, NULL, 0, "a test notice never reaches the hub: it has no "
                       "certificate");
    } else {
        agency_api_certificate(api, req, notice, wants_pdf(req), NULL, NULL, resp);
    }
    json_decref(o);
}

/* ---- GET /v1/jobs/{id} ---- */

void agency_api_get_job(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    agency_api *api = role;
    char id[48];
    json_t *o;

    (void)caller;
    if (path_reference(req, "/v1/jobs/", id, sizeof id) != 0) {
        not_found(resp, "job");
        return;
    }
    int found = agency_db_api_job_get(api->db, id, SIZE_MAX, &o);
    if (found < 0)
        agency_problem(resp, 503, NULL, 0, "database error");
    else if (!found)
        not_found(resp, "job");
    else
        reply_json(resp, 200, o);
}
