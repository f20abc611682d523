/* platform_web_inbox.c -- a signed-in member's inbox: their notices,
 * newest first, INBOX_LIMIT a page. A fuller inbox links to the next
 * older page by the last notice shown (received time and id), a keyset
 * rather than an offset, so that notices arriving meanwhile neither push
 * one onto the next page twice nor hide one between pages. */
#include <pthread.h>
#include <string.h>

#include "buf.h"
#include "platform.h"
#include "platform_db.h"
#include "platform_pages.h"
#include "platform_web_internal.h"

#define INBOX_LIMIT 200

typedef struct inbox_ctx {
    buf *b;
    int rows;
    notice_row last; /* the last one shown: the next page starts after it */
} inbox_ctx;

/* Shows INBOX_LIMIT rows; one more read says an older page exists. */
static void inbox_row(void *ctx, const notice_row *n)
{
    inbox_ctx *c = ctx;

    if (++c->rows > INBOX_LIMIT)
        return;
    platform_pages_inbox_row(c->b, n);
    c->last = *n;
}

/* An older page's "before" (received,notice, as platform_pages_inbox_end
 * writes it) into after: 0, or -1 when it is not one. */
static int inbox_cursor(const char *v, notice_row *after)
{
    const char *comma = v ? strchr(v, ',') : NULL;
    size_t tlen = comma ? (size_t)(comma - v) : 0, nlen = comma ? strlen(comma + 1) : 0;

    if (!comma || tlen == 0 || tlen >= sizeof after->received || nlen == 0 ||
        nlen >= sizeof after->notice || strspn(v, "0123456789-T:.Z") != tlen ||
        strspn(comma + 1, "0123456789abcdefABCDEF-") != nlen)
        return -1;
    memcpy(after->received, v, tlen);
    after->received[tlen] = '\0';
    memcpy(after->notice, comma + 1, nlen + 1);
    return 0;
}

void web_inbox(platform *p, const member *m, const char *token, const http_request *req,
               http_response *resp)
{
    const char *before = http_query(req, "before");
    notice_row after;
    inbox_ctx c;
    buf b;
    int rc;

    if (before && inbox_cursor(before, &after) != 0) {
        web_error_page(p, resp, 400, "잘못된 고지함 주소입니다.",
                       "Not a place in the inbox: the link was changed or cut.", "/inbox");
        return;
    }
    buf_init(&b, 8192);
    c.b = &b;
    c.rows = 0;
    platform_pages_inbox_begin(&b, p->name, m, token);
    pthread_mutex_lock(&p->lock);
    rc = platform_db_inbox_list(p->db, m->id, INBOX_LIMIT + 1, before ? &after : NULL,
                                inbox_row, &c);
    pthread_mutex_unlock(&p->lock);
    platform_pages_inbox_end(&b, c.rows > INBOX_LIMIT ? INBOX_LIMIT : c.rows, before != NULL,
                             c.rows > INBOX_LIMIT ? &c.last : NULL, token);
    if (rc != 0) {
        buf_free(&b);
        web_temporary_error(p, resp, "/inbox");
        return;
    }
    web_reply_page(resp, 200, &b);
}
