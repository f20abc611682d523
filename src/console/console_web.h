/* console_web.h -- the HTTP side every console's pages share: the
 * session cookie, the form tokens and the origin check, and the headers
 * each page goes out with.
 *
 * A console's cookies are named after it (herald_agency_console, ...),
 * HttpOnly, SameSite=Strict, Path=/console, and Secure when the public
 * URL is https. Every POST must come from the console's own origin
 * (Origin, else Referer) and carry its form's token (csrf.h): bound to
 * the session once signed in, to a pre-session cookie on the sign-in
 * form. Anything else is answered 403 before the form is acted on.
 * Pages are sent with a CSP that allows no script and nothing from
 * elsewhere. */
#ifndef HERALD_CONSOLE_WEB_H
#define HERALD_CONSOLE_WEB_H

#include <stdint.h>

#include "buf.h"
#include "console_auth.h"
#include "csrf.h"
#include "form.h"
#include "http_server.h"

#define CONSOLE_SOURCE_MAX HTTP_SOURCE_MAX

typedef struct console_web {
    console_auth *auth;
    char console[16];     /* "agency" */
    char cookie[48];      /* the session cookie's name */
    char pre_cookie[48];  /* the sign-in form's cookie */
    char device_cookie[48]; /* the browser's, once it signed in (console_device.c) */
    char origin[CSRF_ORIGIN_MAX];
    int secure;           /* cookies get Secure */
    uint8_t csrf_key[CSRF_KEY_LEN];
} console_web;

/* Sets w up for the console named console behind public_url; 0, or -1
 * when the URL is not http(s). */
int console_web_init(console_web *w, console_auth *auth, const char *console,
                     const char *public_url);
void console_web_wipe(console_web *w);

/* The signed-in account of the request: 1, 0 when none, -1 when the
 * session could not be read (a database fault: not the user's doing). */
int console_web_user(console_web *w, const http_request *req, console_user *u);
/* The token the signed-in request's forms carry. */
void console_web_token(console_web *w, const http_request *req, char out[CSRF_TOKEN_LEN + 1]);
/* The sign-in form's token; sets the pre-session cookie when missing. */
void console_web_pre_token(console_web *w, const http_request *req, http_response *resp,
                           char out[CSRF_TOKEN_LEN + 1]);
/* Starts and ends the session cookie. */
void console_web_set_session(console_web *w, http_response *resp, const char *id);
void console_web_clear_session(console_web *w, const http_request *req, http_response *resp);
/* The device cookie's value (NULL: none), and a new one kept
 * CONSOLE_DEVICE_MS. */
const char *console_web_device(const console_web *w, const http_request *req);
void console_web_set_device(console_web *w, http_response *resp, const char *id);

/* Checks a POST: origin, then the form (parsed into f, which the caller
 * frees) and its token, bound to the session when signed_in, else to the
 * pre-session cookie. 1 to go on; 0 after answering 400 or 403. */
int console_web_post(console_web *w, const http_request *req, http_response *resp, form *f,
                     int signed_in);
/* The two halves of that check, for a form that is not urlencoded (an
 * upload): the origin, then the token the form carried. */
int console_web_origin(console_web *w, const http_request *req, http_response *resp);
int console_web_token_ok(console_web *w, const http_request *req, http_response *resp,
                         const char *token, int signed_in);
/* The peer's address, the source sign-in failures count against. */
void console_web_source(const http_request *req, char out[CONSOLE_SOURCE_MAX]);

/* Sends b as the page, with the console's headers. */
void console_web_reply(http_response *resp, int status, buf *b);
/* The console's own headers (CSP, no framing, nosniff, no-store,
 * referrer), for an answer made otherwise: a download. */
void console_web_headers(http_response *resp);
/* 303 to location. */
void console_web_redirect(http_response *resp, const char *location);
/* A page that says what went wrong, in Korean and English, with a link
 * back to back. */
void console_web_error(http_response *resp, int status, const char *ko, const char *en,
                       const char *back);

#endif
