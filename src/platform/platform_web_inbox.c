/* platform_web_inbox.c -- a signed-in member's inbox: their notices,
 * newest first, INBOX_LIMIT a page. A fuller inbox links to the next
 * older page by the last notice shown (received time and id), and an
 * older page to the next newer one by its first: a keyset rather than an
 * offset, so that notices arriving meanwhile neither push one onto the
 * next page twice nor hide one between pages. */
#include <pthread.h>
#include <stdlib.h>
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
    notice_row first; /* the first one shown: a newer page ends before it */
    notice_row last;  /* the last one shown: the next page starts after it */
} inbox_ctx;

/* Shows INBOX_LIMIT rows; one more read says an older page exists. */
static void inbox_row(void *ctx, const notice_row *n)
{
    inbox_ctx *c = ctx;

    if (++c->rows > INBOX_LIMIT)
        return;
    platform_pages_inbox_row(c->b, n);
    if (c->rows == 1)
        c->first = *n;
    c->last = *n;
}

/* The rows newer than a place, oldest first, one more than a page. */
typedef struct newer_ctx {
    notice_row *rows;
    int n;
} newer_ctx;

static void newer_row(void *ctx, const notice_row *n)
{
    newer_ctx *c = ctx;

    if (c->n <= INBOX_LIMIT)
        c->rows[c->n++] = *n;
}

/* A page's "before" or "after" (received,notice, as
 * platform_pages_inbox_end writes it) into after: 0, or -1 when it is not
 * one. */
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

/* The page of INBOX_LIMIT rows just newer than the place at, shown
 * newest first: 1, or 0 when fewer are newer (the newest page is that
 * page), -1 on a database error. */
static int newer_page(platform *p, const member *m, const char *token, const notice_row *at,
                      buf *b)
{
    newer_ctx c = {malloc((INBOX_LIMIT + 1) * sizeof *c.rows), 0};
    int rc = -1;

    if (!c.rows)
        return -1;
    pthread_mutex_lock(&p->lock);
    if (platform_db_inbox_list_newer(p->db, m->id, INBOX_LIMIT + 1, at, newer_row, &c) == 0)
        rc = c.n > INBOX_LIMIT;
    pthread_mutex_unlock(&p->lock);
    if (rc == 1) {
        platform_pages_inbox_begin(b, p->name, m, token);
        for (int i = INBOX_LIMIT - 1; i >= 0; i--)
            platform_pages_inbox_row(b, &c.rows[i]);
        platform_pages_inbox_end(b, INBOX_LIMIT, 1, &c.rows[INBOX_LIMIT - 1], &c.rows[0],
                                 token);
    }
    free(c.rows);
    return rc;
}

/* The page of notices older than at, or the newest page (at NULL). */
static int older_page(platform *p, const member *m, const char *token, const notice_row *at,
                      buf *b)
{
    inbox_ctx c = {.b = b};
    int rc;

    platform_pages_inbox_begin(b, p->name, m, token);
    pthread_mutex_lock(&p->lock);
    rc = platform_db_inbox_list(p->db, m->id, INBOX_LIMIT + 1, at, inbox_row, &c);
    pthread_mutex_unlock(&p->lock);
    platform_pages_inbox_end(b, c.rows > INBOX_LIMIT ? INBOX_LIMIT : c.rows, at != NULL,
                             c.rows > 0 ? &c.first : NULL,
                             c.rows > INBOX_LIMIT ? &c.last : NULL, token);
    return rc;
}

void web_inbox(platform *p, const member *m, const char *token, const http_request *req,
               http_response *resp)
{
    const char *before = http_query(req, "before"), *after = http_query(req, "after");
    const char *place = before ? before : after;
    notice_row at;
    buf b;
    int rc = 0;

    if ((before && after) || (place && inbox_cursor(place, &at) != 0)) {
        web_error_page(p, resp, 400, "잘못된 고지함 주소입니다.",
                       "Not a place in the inbox: the link was changed or cut.", "/inbox");
        return;
    }
    buf_init(&b, 8192);
    if (after)
        rc = newer_page(p, m, token, &at, &b);
    if (rc == 0)
        rc = older_page(p, m, token, before ? &at : NULL, &b);
    if (rc < 0) {
        buf_free(&b);
        web_temporary_error(p, resp, "/inbox");
        return;
    }
    web_reply_page(resp, 200, &b);
}
