/* hub_evidence_api.c -- the evidence log's HTTP endpoints (protocol.md, "hub").
 *
 * Tree heads, consistency proofs, the log key and the verify page are
 * public: transparency only works if anyone can watch the log without an
 * account. Certificates are not: they name a notice's recipient key, so
 * only the agency that sent it and a platform it was relayed to get one.
 * Which route is which, and who may call it, is hub_api.c's table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "certificate.h"
#include "certificate_pdf.h"
#include "legal_effect.h"
#include "form.h"
#include "hub.h"
#include "hub_api.h"
#include "hub_evidence_api.h"
#include "log.h"
#include "notice_id.h"
#include "verify_page.h"

static void reply_buf(http_response *resp, buf *out, const char *type)
{
    size_t len;
    char *text = buf_take(out, &len);

    if (!text)
        http_reply_error(resp, 500, "out of memory");
    else
        http_reply_body(resp, 200, type, text, len);
}

static int no_key(hub *h, http_response *resp)
{
    if (hub_evidence_log_has_key(h->log))
        return 0;
    http_reply_error(resp, 503,
                     "this hub has no log key ([hub] signer or log_key): it signs no tree "
                     "heads and issues no certificates");
    return 1;
}

/* ---- GET /v1/log/sth and /v1/log/key ---- */

void hub_evidence_api_sth(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    hub *h = role;
    sth head;
    uint8_t sig[STH_SIG_LEN];
    char *json;

    (void)caller;
    (void)req;
    if (no_key(h, resp))
        return;
    if (hub_evidence_log_latest(h->log, &head, sig) != 0) {
        http_reply_error(resp, 503, "no tree head signed yet: try again in a second");
        return;
    }
    json = sth_json_encode(&head, sig);
    if (!json)
        http_reply_error(resp, 500, "out of memory");
    else
        http_reply_body(resp, 200, "application/json", json, strlen(json));
}

void hub_evidence_api_key(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    hub *h = role;
    uint8_t pk[ED25519_PUBLIC_LEN];
    char b64[BASE64_LEN(ED25519_PUBLIC_LEN) + 1];
    buf out;

    (void)caller;
    (void)req;
    if (no_key(h, resp))
        return;
    hub_evidence_log_public_key(h->log, pk);
    base64_encode(b64, pk, sizeof pk);
    buf_init(&out, 80);
    buf_printf(&out, "{\"log_key\":\"%s\"}", b64);
    reply_buf(resp, &out, "application/json");
}

/* ---- GET /v1/log/consistency?first=M&second=N ---- */

/* A tree size: 1-19 decimal digits, nothing else. */
static int tree_size_param(const http_request *req, const char *name, uint64_t *out)
{
    const char *v = http_query(req, name);
    size_t n = v ? strlen(v) : 0;

    if (n == 0 || n > 19 || strspn(v, "0123456789") != n)
        return -1;
    *out = strtoull(v, NULL, 10);
    return 0;
}

void hub_evidence_api_consistency(void *role, const void *caller, const http_request *req,
                                  http_response *resp)
{
    hub *h = role;
    uint8_t proof[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
    char b64[BASE64_LEN(MERKLE_HASH_LEN) + 1];
    uint64_t m, n;
    size_t len;
    buf out;
    int rc;

    (void)caller;
    if (no_key(h, resp))
        return;
    if (tree_size_param(req, "first", &m) != 0 || tree_size_param(req, "second", &n) != 0) {
        http_reply_error(resp, 400, "first and second must be tree sizes (whole numbers)");
        return;
    }
    rc = hub_evidence_log_consistency(h->log, m, n, proof, &len);
    if (rc == -3) { /* as GET /v1/log/sth answers then */
        http_reply_error(resp, 503, "no tree head signed yet: try again in a second");
        return;
    }
    if (rc == -2) {
        http_reply_error(resp, 400, "need first <= second <= the latest signed tree size");
        return;
    }
    if (rc != 0) {
        http_reply_error(resp, 500, "cannot read the evidence log");
        return;
    }
    buf_init(&out, 128 + len * 48);
    buf_printf(&out, "{\"first\":%llu,\"second\":%llu,\"proof\":[", (unsigned long long)m,
               (unsigned long long)n);
    for (size_t i = 0; i < len; i++) {
        base64_encode(b64, proof[i], MERKLE_HASH_LEN);
        buf_printf(&out, "%s\"%s\"", i ? "," : "", b64);
    }
    buf_puts(&out, "]}");
    reply_buf(resp, &out, "application/json");
}

/* ---- GET|POST /verify ---- */

/* The certificate in a POST: a form field, or the JSON itself. NULL after
 * answering 400 or 413. A form's value lives in f until form_free. */
static const char *pasted_certificate(const http_request *req, http_response *resp,
                                      form *f, size_t *len)
{
    const char *type = http_header(req, "Content-Type");
    const char *why = NULL, *cert;

    if (req->body_len > HUB_EVIDENCE_API_VERIFY_MAX_BODY) {
        http_reply_error(resp, 413, "at most %u bytes", HUB_EVIDENCE_API_VERIFY_MAX_BODY);
        return NULL;
    }
    if (type && !strncmp(type, "application/json", 16)) {
        *len = req->body_len;
        return req->body;
    }
    if (form_parse_max(f, req->body, req->body_len, HUB_EVIDENCE_API_VERIFY_MAX_BODY, &why) != 0) {
        http_reply_error(resp, 400, "%s", why);
        return NULL;
    }
    cert = form_get(f, "certificate");
    if (!cert) {
        form_free(f);
        http_reply_error(resp, 400, "the form needs a certificate field");
        return NULL;
    }
    *len = strlen(cert);
    return cert;
}

void hub_evidence_api_verify(void *role, const void *caller, const http_request *req,
                             http_response *resp)
{
    hub *h = role;
    uint8_t pk[ED25519_PUBLIC_LEN];
    char b64[BASE64_LEN(ED25519_PUBLIC_LEN) + 1], why[512];
    const char *cert = NULL;
    cert_result *res = NULL;
    size_t len = 0;
    form f = {0};
    buf out;
    int checked = !strcmp(req->method, "POST"), valid = 0;

    (void)caller;
    if (no_key(h, resp))
        return;
    hub_evidence_log_public_key(h->log, pk);
    base64_encode(b64, pk, sizeof pk);
    if (checked) {
        cert = pasted_certificate(req, resp, &f, &len);
        res = malloc(sizeof *res);
        if (!cert || !res) {
            if (cert)
                http_reply_error(resp, 500, "out of memory");
            goto done;
        }
        valid = certificate_verify(cert, len, pk, res, why, sizeof why) == 0;
    }
    buf_init(&out, 8192 + len * 2);
    verify_page_render(&out, b64, cert, checked, res, valid ? NULL : why);
    reply_buf(resp, &out, "text/html; charset=utf-8");
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    if (checked)
        log_info("POST /verify: %s", valid ? "valid" : "invalid");
done:
    free(res);
    form_free(&f);
}

/* ---- GET /v1/notices/{id}/certificate[.pdf] ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    char *data = NULL;

    if (!fp)
        return NULL;
    if (fstat(fileno(fp), &st) == 0 && st.st_size > 0 && st.st_size < (64 << 20) &&
        (data = malloc((size_t)st.st_size)) != NULL &&
        fread(data, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
        free(data);
        data = NULL;
    }
    if (data)
        *len = (size_t)st.st_size;
    fclose(fp);
    return data;
}

/* Renders json as a PDF, after checking it as any verifier would: a page
 * people trust must never show what the log does not prove. */
static void reply_pdf(hub *h, const char *json, const effect_rule *rule, http_response *resp)
{
    uint8_t pk[ED25519_PUBLIC_LEN];
    char why[512], path[4200], url[600];
    cert_result *res = malloc(sizeof *res);
    char *pdf = NULL;
    size_t len = 0;
    int fd;

    hub_evidence_log_public_key(h->log, pk);
    snprintf(path, sizeof path, "%s/certificate-XXXXXX", h->data_dir);
    snprintf(url, sizeof url, "%s/verify", h->public_url);
    if (!res || certificate_verify(json, strlen(json), pk, res, why, sizeof why) != 0) {
        log_error("certificate does not verify against our own key: %s",
                  res ? why : "out of memory");
        http_reply_error(resp, 500, "the certificate could not be checked");
        free(res);
        return;
    }
    fd = mkstemp(path);
    if (fd < 0) {
        log_error("%s: %s", path, strerror(errno));
        http_reply_error(resp, 500, "cannot render the PDF");
        free(res);
        return;
    }
    close(fd);
    if (certificate_pdf_write(res, url, rule, path, why, sizeof why) == 0)
        pdf = read_file(path, &len);
    else
        log_error("certificate PDF: %s", why);
    unlink(path);
    free(res);
    if (!pdf)
        http_reply_error(resp, 500, "cannot render the PDF");
    else
        http_reply_body(resp, 200, "application/pdf", pdf, len);
}

/* A certificate waiting for a head, worded by what the signer does: one
 * that refuses this log's heads (another key, a forked log) will not
 * sign them by itself, and an operator must act; one that does not
 * answer may be back in seconds. */
static void no_head_yet(hub *h, http_response *resp)
{
    int state = hub_evidence_log_signer_state(h->log);

    if (state == HUB_SIGNER_REFUSING) {
        http_reply_error(resp, 503, "no signed tree head covers this notice yet: the log's "
                         "signer refuses this log's heads (the hub's operators are told in "
                         "its log)");
        return;
    }
    http_add_header(resp, "Retry-After", "5");
    http_reply_error(resp, 503, "no signed tree head covers this notice yet (%s): try again",
                     state == HUB_SIGNER_DOWN ? "the log's signer does not answer"
                                              : "the log's head is being signed");
}
/* The certificate of the notice in the path, as JSON or as a PDF. */
static void certificate_get(hub *h, const hub_caller *who, int pdf, const http_request *req,
                            http_response *resp)
{
    const char *id = req->path + strlen("/v1/notices/");
    const char *end = strchr(id, '/');
    char notice[NOTICE_ID_LEN + 1], why[256];
    const char *rule_text = http_query(req, "effect_rule");
    effect_rule rule;
    char *json;
    int status;

    if (!end || (size_t)(end - id) != NOTICE_ID_LEN) {
        http_reply_error(resp, 404, "unknown notice");
        return;
    }
    memcpy(notice, id, NOTICE_ID_LEN);
    notice[NOTICE_ID_LEN] = '\0';
    if (!notice_id_is_well_formed(notice, NOTICE_ID_LEN)) {
        http_reply_error(resp, 404, "unknown notice");
        return;
    }
    if (no_key(h, resp))
        return;
    /* The PDF shows when the notice takes effect: under the agency's rule
     * when it names it, else under the documented default. */
    if (pdf && effect_rule_parse(rule_text ? rule_text : EFFECT_RULE_DEFAULT, &rule, why,
                                 sizeof why) != 0) {
        http_reply_error(resp, 400, "effect_rule: %s", why);
        return;
    }
    status = hub_db_may_see(h->db, notice, who->role, who->name);
    if (status != 200) {
        /* Someone else's notice answers as one that does not exist. */
        if (status == 403 || status == 404)
            http_reply_error(resp, 404, "unknown notice");
        else
            http_reply_error(resp, 500, "database error");
        return;
    }
    json = hub_evidence_log_certificate(h->log, notice, &status);
    if (!json && status == 503) {
        no_head_yet(h, resp);
        return;
    }
    if (!json) {
        http_reply_error(resp, status == 404 ? 404 : 500, "%s",
                         status == 404 ? "the notice has no evidence yet"
                                       : "cannot build the certificate");
        return;
    }
    if (pdf)
        reply_pdf(h, json, &rule, resp);
    else
        http_reply_body(resp, 200, "application/json", json, strlen(json));
    if (pdf)
        free(json);
}

void hub_evidence_api_certificate(void *role, const void *caller, const http_request *req,
                                  http_response *resp)
{
    certificate_get(role, caller, 0, req, resp);
}

void hub_evidence_api_certificate_pdf(void *role, const void *caller, const http_request *req,
                                      http_response *resp)
{
    certificate_get(role, caller, 1, req, resp);
}
