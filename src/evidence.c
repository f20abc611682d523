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
    /* A batch's leaves share one time: format it once per thread and
     * change (gmtime and strftime cost more than the rest of the leaf). */
    static _Thread_local long long at_ms = -1;
    static _Thread_local char at[25];

    if (r->at_ms != at_ms || at_ms < 0) {
        time_rfc3339_ms(at, r->at_ms);
        at_ms = r->at_ms;
    }
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
