/* view_token.c -- see view_token.h. */
#include "view_token.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "apikeys.h"
#include "ci.h"
#include "crypto.h"
#include "notice_id.h"

#define PAYLOAD_MAX 600

int view_token_issue(view_token *t, const uint8_t secret_key[64], char *out)
{
    uint8_t nonce[VIEW_TOKEN_NONCE_HEX / 2], sig[ED25519_SIG_LEN];
    char payload[PAYLOAD_MAX];
    size_t plen, off;
    int n;

    if (!apikeys_name_ok(t->platform, strlen(t->platform)) ||
        !notice_id_is_well_formed(t->notice, strlen(t->notice)) ||
        !ci_rk_ok(t->rk, strlen(t->rk)))
        return -1;
    random_bytes(nonce, sizeof nonce);
    hex_encode(t->nonce, nonce, sizeof nonce);
    n = snprintf(payload, sizeof payload,
                 "{\"v\":1,\"iss\":\"%s\",\"notice\":\"%s\",\"rk\":\"%s\",\"exp\":%lld,\"nonce\":\"%s\"}",
                 t->platform, t->notice, t->rk, t->exp_ms, t->nonce);
    if (n < 0 || (size_t)n >= sizeof payload)
        return -1;
    plen = (size_t)n;
    ed25519_sign(sig, payload, plen, secret_key);
    if (base64url_encode(out, VIEW_TOKEN_MAX + 1, (const uint8_t *)payload, plen) != 0)
        return -1;
    off = strlen(out);
    out[off++] = '.';
    return base64url_encode(out + off, VIEW_TOKEN_MAX + 1 - off, sig, sizeof sig);
}

static const char *copy_field(json_t *o, const char *name, char *dst, size_t dstlen)
{
    json_t *v = json_object_get(o, name);

    if (!json_is_string(v) || json_string_length(v) >= dstlen)
        return "token payload is malformed";
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return NULL;
}

static const char *parse_payload(const uint8_t *p, size_t len, view_token *t)
{
    json_error_t jerr;
    json_t *o = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *v, *exp;
    const char *why = NULL;

    if (!json_is_object(o)) {
        json_decref(o);
        return "token payload is not JSON";
    }
    v = json_object_get(o, "v");
    exp = json_object_get(o, "exp");
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        why = "unknown token version";
    else if (!json_is_integer(exp))
        why = "token payload is malformed";
    if (!why)
        why = copy_field(o, "iss", t->platform, sizeof t->platform);
    if (!why)
        why = copy_field(o, "notice", t->notice, sizeof t->notice);
    if (!why)
        why = copy_field(o, "rk", t->rk, sizeof t->rk);
    if (!why)
        why = copy_field(o, "nonce", t->nonce, sizeof t->nonce);
    if (!why)
        t->exp_ms = json_integer_value(exp);
    json_decref(o);
    return why;
}

int view_token_verify(const char *token, size_t len, long long now_ms,
                      view_key_lookup lookup, void *ctx, view_token *out,
                      const char **why)
{
    uint8_t payload[PAYLOAD_MAX], sig[ED25519_SIG_LEN + 1];
    const char *dot = len <= VIEW_TOKEN_MAX ? memchr(token, '.', len) : NULL;
    const uint8_t *pk;
    long plen;
    view_token t;

    if (!dot) {
        *why = "not a view token";
        return -1;
    }
    plen = base64url_decode(payload, sizeof payload, token, (size_t)(dot - token));
    if (plen <= 0 ||
        base64url_decode(sig, sizeof sig, dot + 1, len - (size_t)(dot - token) - 1) != ED25519_SIG_LEN) {
        *why = "not a view token";
        return -1;
    }
    if ((*why = parse_payload(payload, (size_t)plen, &t)) != NULL)
        return -1;
    pk = lookup(ctx, t.platform);
    if (!pk) {
        *why = "token issued by an unknown platform";
        return -1;
    }
    if (!ed25519_verify(sig, payload, (size_t)plen, pk)) {
        *why = "token signature is not valid";
        return -1;
    }
    if (!notice_id_is_well_formed(t.notice, strlen(t.notice)) ||
        !ci_rk_ok(t.rk, strlen(t.rk)) ||
        strlen(t.nonce) != VIEW_TOKEN_NONCE_HEX) {
        *why = "token payload is malformed";
        return -1;
    }
    *out = t;
    if (t.exp_ms <= now_ms) {
        *why = "token has expired";
        return VIEW_TOKEN_REFUSED;
    }
    if (t.exp_ms - now_ms > VIEW_TOKEN_MAX_TTL_MS) {
        *why = "token claims a longer life than any platform may give";
        return VIEW_TOKEN_REFUSED;
    }
    *why = NULL;
    return 0;
}
