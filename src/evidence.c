/* evidence.c -- see evidence.h. */
#include "evidence.h"

#include "log.h"

static void field(buf *out, const char *key, const char *value)
{
    buf_puts(out, ",\"");
    buf_puts(out, key);
    buf_puts(out, "\":");
    if (value)
        buf_json_string(out, value);
    else
        buf_puts(out, "null");
}

void evidence_encode(buf *out, const evidence_rec *r)
{
    char at[25];

    time_rfc3339_ms(at, r->at_ms);
    buf_puts(out, "{\"v\":1");
    field(out, "event", r->event);
    field(out, "notice", r->notice);
    field(out, "at", at);
    field(out, "agency", r->agency);
    field(out, "actor", r->actor);
    field(out, "rk", r->rk);
    field(out, "doc_sha256", r->doc_sha256);
    field(out, "reason", r->reason);
    buf_puts(out, "}");
}
