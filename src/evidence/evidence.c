/* evidence.c -- see evidence.h. */
#include "evidence.h"

#include "log.h"

/* head is the comma, the quoted key and the colon: a leaf has eight
 * fields and the hub encodes ~4 leaves a notice. */
static void field(buf *out, const char *head, size_t head_len, const char *value)
{
    buf_append(out, head, head_len);
    if (value)
        buf_json_string(out, value);
    else
        buf_append(out, "null", 4);
}

#define FIELD(out, key, value) field(out, ",\"" key "\":", sizeof(",\"" key "\":") - 1, value)

void evidence_encode(buf *out, const evidence_rec *r)
{
    char at[25];

    clock_rfc3339_ms(at, r->at_ms);
    buf_append(out, "{\"v\":1", 6);
    FIELD(out, "event", r->event);
    FIELD(out, "notice", r->notice);
    FIELD(out, "at", at);
    FIELD(out, "agency", r->agency);
    FIELD(out, "actor", r->actor);
    FIELD(out, "rk", r->rk);
    FIELD(out, "doc_sha256", r->doc_sha256);
    FIELD(out, "reason", r->reason);
    if (r->channel)
        FIELD(out, "channel", r->channel);
    if (r->reference)
        FIELD(out, "reference", r->reference);
    if (r->batch)
        FIELD(out, "batch", r->batch);
    buf_append(out, "}", 1);
}

void evidence_encode_reminder(buf *out, const evidence_rec *r, int n)
{
    evidence_encode(out, r);
    if (out->broken || out->len == 0)
        return;
    out->len--; /* the closing brace */
    buf_printf(out, ",\"reminder\":%d}", n);
}

void evidence_encode_payment(buf *out, const evidence_rec *r, long long amount_krw,
                             const char *payment_code)
{
    evidence_encode(out, r);
    if (out->broken || out->len == 0)
        return;
    out->len--; /* the closing brace */
    buf_printf(out, ",\"amount_krw\":%lld", amount_krw);
    FIELD(out, "payment_code", payment_code);
    buf_append(out, "}", 1);
}
