/* console_page.h -- the pages every role's console shares: the frame
 * (header, navigation, account and sign-out button), the sign-in form
 * and its POST, the sign-out, and the check each page makes of who is
 * signed in (docs/design.md, "The consoles").
 *
 * A console describes itself once in a console_site (its console_web,
 * the name in its header and its menu); the agency's and the hub's pages
 * are then only their own content. */
#ifndef HERALD_CONSOLE_PAGE_H
#define HERALD_CONSOLE_PAGE_H

#include "buf.h"
#include "console_auth.h"
#include "console_web.h"
#include "http_server.h"

typedef struct console_site {
    console_web *web;
    const char *name;       /* who runs it: the agency's name, "herald hub" */
    const char *heading_ko; /* after the name in the header: "전자문서 콘솔" */
    const char *heading_en; /* "console" */
    /* Writes the menu's items (console_nav_item) for u. */
    void (*nav)(buf *b, const console_user *u);
} console_site;

/* The attributes of a table's scrolling box on a narrow screen: a
 * keyboard can reach it and a screen reader names it. */
#define SCROLL_REGION(name) "tabindex=\"0\" role=\"region\" aria-label=\"" name "\""

/* Writes "한국어 <span lang=en>English</span>", both escaped. */
void console_bi(buf *b, const char *ko, const char *en);
/* One <li> of the menu. */
void console_nav_item(buf *b, const char *href, const char *ko, const char *en);
/* The hidden form token of a signed-in page's forms. */
void console_token_field(console_web *w, const http_request *req, buf *b);
/* Opens a page: the document, the header (with the menu, the account
 * and its sign-out button when u is not NULL), and the <main> with its
 * <h1>. */
void console_page_begin(const console_site *s, const http_request *req, buf *b,
                        const console_user *u, const char *title_ko, const char *title_en);

/* The signed-in account with at least role need: 1; else 0 after
 * answering (a GET goes to the sign-in page, a POST gets 403, a role too
 * low 403). */
int console_require(const console_site *s, const http_request *req, http_response *resp,
                    console_role need, console_user *u);

/* GET /console/signin, POST /console/signin and POST /console/signout. */
void console_signin_page(const console_site *s, const http_request *req, http_response *resp);
void console_signin_post(const console_site *s, const http_request *req, http_response *resp);
void console_signout_post(const console_site *s, const http_request *req, http_response *resp);

#endif
