/* platform_pages.h -- the citizen pages as HTML text, without I/O.
 *
 * Server-rendered, no JavaScript, one narrow column that fits a 360px
 * phone screen, Korean first with English beneath. Every value that came
 * from outside (titles, agency names, member names, messages) goes through
 * buf_html; nothing here touches the network or the database, so the
 * escaping is unit-tested. */
#ifndef HERALD_PLATFORM_PAGES_H
#define HERALD_PLATFORM_PAGES_H

#include "buf.h"
#include "platform_db.h"

/* A page's frame. title_ko / title_en are our own constant text. */
void platform_pages_begin(buf *b, const char *platform, const char *title_ko, const char *title_en);
void platform_pages_end(buf *b);

/* A notice box: ko and en are our own text; detail (may be NULL) is
 * escaped. */
void platform_pages_message(buf *b, const char *ko, const char *en, const char *detail);

/* Every form carries csrf, the token of the page's cookie (csrf.h). */
void platform_pages_login(buf *b, const char *platform, const char *csrf, const char *msg_ko,
                          const char *msg_en);
/* The sign-in form again, the sign-up code required with the PIN. */
void platform_pages_login_code(buf *b, const char *platform, const char *csrf,
                               const char *msg_ko, const char *msg_en);
void platform_pages_signup(buf *b, const char *platform, const char *csrf, const char *msg_ko,
                           const char *msg_en, const char *detail);
/* The one answer to every accepted sign-up, whoever asked (no oracle):
 * the outcome goes to a phone; then the sign-in form. */
void platform_pages_signup_received(buf *b, const char *platform, const char *csrf);

/* The inbox: a header with the member's name and consent, then rows. */
void platform_pages_inbox_begin(buf *b, const char *platform, const member *m,
                                const char *csrf);
void platform_pages_inbox_row(buf *b, const notice_row *n);
/* older: not the newest page; newer: on such a page, the first row
 * shown (linked as /inbox?after=received,notice); next: the last row
 * shown, when an older page follows it (/inbox?before=received,notice). */
void platform_pages_inbox_end(buf *b, int rows, int older, const notice_row *newer,
                              const notice_row *next, const char *csrf);

/* A notice's details and the PIN prompt to open it. */
void platform_pages_notice(buf *b, const char *platform, const notice_row *n, const char *csrf,
                           const char *msg_ko, const char *msg_en);

/* A whole error page with a link back. */
void platform_pages_error(buf *b, const char *platform, const char *ko, const char *en,
                          const char *back);

#endif
