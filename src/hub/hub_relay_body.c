/* hub_relay_body.c -- see hub_relay_body.h. */
#include "hub_relay_body.h"

#include <string.h>

#include "clock.h"

/* The call's "common" fields, taken from its first notice: a round
 * mostly carries one agency's mailing. */
static void common_json(buf *b, const hub_notice *first)
{
    char deadline[25];

    clock_rfc3339_ms(deadline, first->deadline);
    buf_puts(b, "\"common\":{\"agency\":");
    buf_json_string(b, first->agency);
    buf_puts(b, ",\"title\":");
    buf_json_string(b, first->title);
    buf_puts(b, ",\"deadline\":\"");
    buf_puts(b, deadline);
    buf_puts(b, "\"},");
}

/* One notice, without the fields it has in common with shared (NULL:
 * with all of them); a pre-notice says so, and until when the member may
 * consent. */
static void notice_json(buf *b, const hub_relay_item *it, const hub_notice *shared)
{
    const hub_notice *n = &it->n;
    char deadline[25];

    buf_puts(b, "{\"notice\":\"");
    buf_puts(b, n->id);
    buf_puts(b, "\",\"rk\":\"");
    buf_puts(b, n->rk);
    buf_puts(b, "\",\"doc_sha256\":\"");
    buf_puts(b, n->doc_sha256);
    buf_puts(b, "\",\"link\":");
    buf_json_string(b, n->link);
    if (!shared || strcmp(n->agency, shared->agency) != 0) {
        buf_puts(b, ",\"agency\":");
        buf_json_string(b, n->agency);
    }
    if (!shared || strcmp(n->title, shared->title) != 0) {
        buf_puts(b, ",\"title\":");
        buf_json_string(b, n->title);
    }
    if (!shared || n->deadline != shared->deadline) {
        clock_rfc3339_ms(deadline, n->deadline);
        buf_puts(b, ",\"deadline\":\"");
        buf_puts(b, deadline);
        buf_puts(b, "\"");
    }
    if (it->pre_notice) {
        clock_rfc3339_ms(deadline, it->consent_until);
        buf_puts(b, ",\"pre_notice\":true,\"consent_until\":\"");
        buf_puts(b, deadline);
        buf_puts(b, "\"");
    }
    if (n->urgent) /* the platform alerts it before bulk notices */
        buf_puts(b, ",\"urgent\":true");
    buf_puts(b, "}");
}

void hub_relay_body(buf *b, const hub_relay_item *items, const size_t *idx, size_t n,
                    int common)
{
    const hub_notice *shared = common ? &items[idx[0]].n : NULL;

    buf_puts(b, "{");
    if (shared)
        common_json(b, shared);
    buf_puts(b, "\"notices\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(b, ",");
        notice_json(b, &items[idx[i]], shared);
    }
    buf_puts(b, "]}");
}
