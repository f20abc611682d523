/* platform_web_internal.h -- what the citizen pages' files share: the
 * answer's headers, the origin and form-token checks, the source an
 * attempt counts against, sessions, and the sign-in page
 * (platform_web.c), the first sign-in of a web sign-up
 * (platform_web_signup.c), and the inbox (platform_web_inbox.c). Not for other parts of the platform. */
#ifndef HERALD_PLATFORM_WEB_INTERNAL_H
#define HERALD_PLATFORM_WEB_INTERNAL_H

#include "buf.h"
#include "csrf.h"
#include "form.h"
#include "http_server.h"
#include "http_source.h"
#include "platform.h"
#include "platform_db.h"

#define WEB_PRE_COOKIE "herald_pre"
#define WEB_SOURCE_MAX HTTP_SOURCE_MAX

/* Sends b as the page, with the pages' security headers. */
void web_reply_page(http_response *resp, int status, buf *b);
void web_redirect(http_response *resp, const char *location);
/* A bilingual error page with a link back. */
void web_error_page(platform *p, http_response *resp, int status, const char *ko,
                    const char *en, const char *back);
/* The sign-in and sign-up forms' token, bound to the pre-session cookie
 * (set when the browser has none). */
void web_pre_token(platform *p, const http_request *req, http_response *resp,
                   char token[CSRF_TOKEN_LEN + 1]);
/* The source an attempt is counted against (http_source.h). */
void web_source_of(const http_request *req, char out[WEB_SOURCE_MAX]);
/* Every POST: from our own origin, or 403 answered and 0. */
int web_from_our_origin(platform *p, const http_request *req, http_response *resp);
/* The form's token for the cookie it is bound to, or 403 answered and 0. */
int web_token_ok(platform *p, const http_request *req, http_response *resp, const form *f,
                 csrf_binding kind, const char *bound);
/* A new session for member m as read when its PIN was checked, its
 * cookie set: 0, 1 when that member row is no longer so (nothing set),
 * or -1. */
int web_new_session(platform *p, http_response *resp, const member *m);
void web_retry_after(http_response *resp, long long wait_ms);
/* A fault of ours (the database), not of what was asked: 503 with
 * Retry-After, the page linking to back. */
void web_temporary_error(platform *p, http_response *resp, const char *back);
/* Signs member m in (a session, then the inbox), its PIN checked; a member
 * row changed meanwhile is answered as a wrong PIN. */
void web_sign_in(platform *p, const http_request *req, http_response *resp, const member *m);
/* 0, or -1 with a 400 page linking back. */
int web_parse_form(platform *p, const http_request *req, http_response *resp, form *f,
                   const char *back);
/* The sign-in page with a message. */
void web_login_page(platform *p, const http_request *req, http_response *resp, int status,
                    const char *ko, const char *en);

/* GET /inbox for member m, signed in (platform_web_inbox.c); token is
 * their forms' token. */
void web_inbox(platform *p, const member *m, const char *token, const http_request *req,
               http_response *resp);

/* The right PIN was given for member m, a web sign-up whose phone is not
 * yet proved: typed (maybe "") is the code the form carried. Answers the
 * request: signed in, the code asked for, or the sign-up dropped. */
void web_confirm_signup(platform *p, const http_request *req, http_response *resp,
                        const member *m, const char *typed);

#endif
