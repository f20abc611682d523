/* agency_api_templates.c -- the back office's templates over HTTP: PUT,
 * GET and a preview of one row, besides the files an operator puts in
 * [agency] templates by hand.
 *
 * A template is compiled before it is written, so a file that would fail
 * every send never lands; it is written to a temporary file and renamed,
 * so a send reading it meanwhile sees the old one or the new one, never
 * half. The preview renders with template_render and the send pipeline's
 * field rules (title, deadline, reference, then the row's columns), so
 * the caller sees the document a recipient would get. A test key may read
 * and preview but not write: the templates folder is the live one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agency_api.h"
#include "agency_problem.h"
#include "rrn.h"
#include "agency_ref.h"
#include "apikeys.h"
#include "clock.h"
#include "http_route.h"
#include "json_wipe.h"
#include "log.h"
#include "letter_text.h"
#include "template.h"

#define TEMPLATES_LISTED_MAX 1000

/* The {id} of /v1/templates/{id}[/preview] into id, or 0 after a 400. */
static int template_id(const http_request *req, char id[API_TEMPLATE_ID_MAX + 1],
                       http_response *resp)
{
    const char *p = req->path + strlen("/v1/templates/");
    size_t n = strcspn(p, "/");

    if (!api_template_id_ok(p, n)) {
        agency_problem(resp, 400, "id", 0, "a template id is " API_TEMPLATE_ID_RULE);
        return 0;
    }
    memcpy(id, p, n);
    id[n] = '\0';
    return 1;
}

/* The template's fields as a JSON array. */
static json_t *fields_json(const template *t)
{
    size_t n;
    const char *const *f = template_fields(t, &n);
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(f[i]));
    return a;
}

/* ---- PUT /v1/templates/{id} ---- */

/* Writes text as dir/id.html through a temporary file. 0, or -1 with
 * errno's reason logged. */
static int write_template(const char *dir, const char *id, const char *text, size_t len)
{
    char tmp[AGENCY_PATH_MAX + 100], path[AGENCY_PATH_MAX + 80];
    int fd, rc = -1;

    snprintf(path, sizeof path, "%s/%s.html", dir, id);
    snprintf(tmp, sizeof tmp, "%s/.%s.html.XXXXXX", dir, id);
    if ((fd = mkstemp(tmp)) < 0) {
        log_error("cannot write template %s: %s", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, 0640) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
        rc = 0;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) == 0)
        return 0;
    log_error("cannot write template %s: %s", path, strerror(errno));
    unlink(tmp);
    return -1;
}

void agency_api_put_template(void *role, const void *caller, const http_request *req,
                             http_response *resp)
{
    agency_api *api = role;
    char id[API_TEMPLATE_ID_MAX + 1], err[256], path[AGENCY_PATH_MAX + 80];
    template *t;
    int existed;

    (void)caller;
    if (!template_id(req, id, resp))
        return;
    if (api->test) {
        agency_problem(resp, 403, NULL, 0, "a test key may read and preview templates, not "
                       "write them: use a live key");
        return;
    }
    if (id[0] == '.') {
        /* Hidden: no list would show it, and temporary files start so. */
        agency_problem(resp, 400, "id", 0, "a template id must not start with '.'");
        return;
    }
    if (!req->body_len) {
        agency_problem(resp, 400, "body", 0, "the template is empty");
        return;
    }
    if (req->body_len > TEMPLATE_MAX_BYTES) {
        agency_problem(resp, 413, NULL, 0, "a template is at most %u bytes", TEMPLATE_MAX_BYTES);
        return;
    }
    if (!(t = template_compile(req->body ? req->body : "", req->body_len, err, sizeof err))) {
        agency_problem(resp, 400, "body", 0, "the template does not compile: %s", err);
        return;
    }
    if (letter_template_problem(t, err, sizeof err) != 0) {
        template_free(t);
        agency_problem(resp, 400, "body", 0, "the template is refused: %s", err);
        return;
    }
    snprintf(path, sizeof path, "%s/%s.html", api->cfg->templates_dir, id);
    existed = access(path, F_OK) == 0;
    if (write_template(api->cfg->templates_dir, id, req->body ? req->body : "",
                       req->body_len) != 0) {
        template_free(t);
        agency_problem(resp, 503, NULL, 0, "cannot write the template: try again");
        return;
    }
    log_info("template %s %s over the API (%zu bytes)", id, existed ? "replaced" : "added",
             req->body_len);
    http_reply_json(resp, existed ? 200 : 201,
                    json_pack("{ssso}", "id", id, "fields", fields_json(t)));
    template_free(t);
}

/* ---- GET /v1/templates and /v1/templates/{id} ---- */

/* The template's text, or NULL after answering (404, 413-like 500). */
static char *read_template(const agency_api *api, const char *id, size_t *len,
                           http_response *resp)
{
    char path[AGENCY_PATH_MAX + 80];
    char *text;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s.html", api->cfg->templates_dir, id);
    if (!(f = fopen(path, "rb"))) {
        agency_problem(resp, 404, NULL, 0, "no such template");
        return NULL;
    }
    text = malloc(TEMPLATE_MAX_BYTES + 1);
    *len = text ? fread(text, 1, TEMPLATE_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (!text || *len > TEMPLATE_MAX_BYTES) {
        free(text);
        agency_problem(resp, 503, NULL, 0, "the template is over %u bytes or memory ran out",
                       TEMPLATE_MAX_BYTES);
        return NULL;
    }
    return text;
}

void agency_api_get_template(void *role, const void *caller, const http_request *req,
                             http_response *resp)
{
    char id[API_TEMPLATE_ID_MAX + 1];
    size_t len;
    char *text;

    (void)caller;
    if (!template_id(req, id, resp) || !(text = read_template(role, id, &len, resp)))
        return;
    http_reply_body(resp, 200, "text/html; charset=utf-8", text, len);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Up to TEMPLATES_LISTED_MAX ids of the folder, sorted, malloc'd. */
static size_t list_ids(const char *dir, char **ids)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (!d)
        return 0;
    while (n < TEMPLATES_LISTED_MAX && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".html") &&
            api_template_id_ok(e->d_name, len - 5) && e->d_name[0] != '.' &&
            (ids[n] = strndup(e->d_name, len - 5)))
            n++;
    }
    closedir(d);
    qsort(ids, n, sizeof *ids, cmp_str);
    return n;
}

/* {"id","fields"} of one template, or {"id","error"} when it does not
 * compile (a file put there by hand). */
static json_t *template_entry(const agency_api *api, const char *id)
{
    char err[256];
    template *t = agency_intake_template(api->cfg, id, err, sizeof err);
    json_t *o = t ? json_pack("{ssso}", "id", id, "fields", fields_json(t))
                  : json_pack("{ssss}", "id", id, "error", err);

    template_free(t);
    return o;
}

void agency_api_list_templates(void *role, const void *caller, const http_request *req,
                               http_response *resp)
{
    const agency_api *api = role;
    char **ids = calloc(TEMPLATES_LISTED_MAX, sizeof *ids);
    json_t *list = json_array();
    size_t n;

    (void)caller, (void)req;
    if (!ids || !list) {
        free(ids);
        json_decref(list);
        agency_problem(resp, 503, NULL, 0, "out of memory");
        return;
    }
    n = list_ids(api->cfg->templates_dir, ids);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, template_entry(api, ids[i]));
        free(ids[i]);
    }
    free(ids);
    http_reply_json(resp, 200, json_pack("{so}", "templates", list));
}

/* ---- POST /v1/templates/{id}/preview ---- */

/* One row as the send pipeline's lookup has it (agency_send_batch.c):
 * title, deadline and the agency's reference first, then the columns
 * name, address and the personalisation. Never an RRN. */
typedef struct preview_row {
    json_t *body, *personalisation;
    char reference[FIELD_REFERENCE_MAX + 1];
    int has_reference;
} preview_row;

/* A field of the body itself rather than of its personalisation. */
static int is_top_field(const char *name)
{
    return !strcmp(name, "name") || !strcmp(name, "address") || !strcmp(name, "title") ||
           !strcmp(name, "deadline") || !strcmp(name, "reference");
}

static const char *preview_lookup(void *ctx, const char *name)
{
    const preview_row *p = ctx;

    if (!strcmp(name, "reference"))
        return p->has_reference ? p->reference : NULL;
    if (is_top_field(name))
        return json_string_value(json_object_get(p->body, name));
    if (!strcmp(name, "rrn"))
        return NULL;
    return json_string_value(json_object_get(p->personalisation, name));
}

/* Checks the body: NULL, or the field that is wrong and why in *why. */
static const char *preview_check(preview_row *p, const char **why)
{
    static const char *const text[] = {"name", "address", "title", "deadline", "reference"};
    static const size_t max[] = {API_NAME_MAX, API_ADDRESS_MAX, FIELD_TITLE_MAX,
                                 API_DEADLINE_MAX, FIELD_REFERENCE_MAX};
    const char *k;
    json_t *v;

    if (json_object_get(p->body, "rrn"))
        return *why = "a preview takes no RRN: leave the rrn field out", "rrn";
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        v = json_object_get(p->body, text[i]);
        if (v && (!json_is_string(v) || json_string_length(v) > max[i] ||
                  strlen(json_string_value(v)) != json_string_length(v)))
            return *why = "must be a string of its field's length, without NUL", text[i];
    }
    p->personalisation = json_object_get(p->body, "personalisation");
    if (p->personalisation && !json_is_object(p->personalisation))
        return *why = "personalisation must be an object of strings", "personalisation";
    json_object_foreach(p->personalisation, k, v)
        if (!json_is_string(v) || json_string_length(v) > API_VALUE_MAX ||
            strlen(json_string_value(v)) != json_string_length(v))
            return *why = "personalisation values are strings of at most 4096 bytes",
                   "personalisation";
    v = json_object_get(p->body, "reference");
    if (v && !field_reference_ok(json_string_value(v), json_string_length(v)))
        return *why = FIELD_RULE_REFERENCE, "reference";
    if (v && rrn_find(json_string_value(v), json_string_length(v), 0) >= 0)
        return *why = "reference must not hold a resident registration number", "reference";
    if (v) {
        /* the shape a new notice's reference takes (agency_ref.h) */
        agency_ref_api_at(json_string_value(v), clock_now_ms(), p->reference);
        p->has_reference = 1;
    }
    return NULL;
}

static void render_preview(const agency_api *api, const char *id, preview_row *p,
                           http_response *resp)
{
    char err[256], field[API_FIELD_MAX + 1];
    const char *at;
    template *t = agency_intake_template(api->cfg, id, err, sizeof err);
    buf doc;
    size_t len;
    char *text;

    if (!t) { /* one that is there but refused says why */
        int missing = !strncmp(err, "no template", 11);
        agency_problem(resp, missing ? 404 : 422, missing ? NULL : "template", 0, "%s", err);
        return;
    }
    buf_init(&doc, 4096);
    buf_set_secret(&doc);
    if (template_render_at(t, preview_lookup, p, &doc, err, sizeof err, &at) != 0) {
        if (at) /* a name in t: taken before t goes */
            api_field_name(field, at, strlen(at));
        buf_free(&doc);
        template_free(t);
        if (!at) /* out of memory: not the caller's fault */
            agency_problem(resp, 503, NULL, 0, "cannot render the document: %s", err);
        else
            agency_problem(resp, 400, field, 0, "cannot render the document: %s", err);
        return;
    }
    template_free(t);
    text = buf_take(&doc, &len);
    if (!text) {
        agency_problem(resp, 503, NULL, 0, "out of memory");
        return;
    }
    http_reply_body(resp, 200, "text/html; charset=utf-8", text, len);
}

void agency_api_preview_template(void *role, const void *caller, const http_request *req,
                                 http_response *resp)
{
    char id[API_TEMPLATE_ID_MAX + 1];
    preview_row p = {0};
    const char *field, *why;

    (void)caller;
    if (!template_id(req, id, resp))
        return;
    p.body = json_load_body(req->body ? req->body : "", req->body_len, NULL);
    if (!json_is_object(p.body)) {
        json_decref(p.body);
        agency_problem(resp, 400, "", 0, "the body must be a JSON object: {\"name\", "
                       "\"address\", \"personalisation\": {...}}");
        return;
    }
    if ((field = preview_check(&p, &why)) != NULL)
        agency_problem(resp, 400, field, 0, "%s: %s", field, why);
    else
        render_preview(role, id, &p, resp);
    json_decref(p.body);
}
