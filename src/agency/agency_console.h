/* agency_console.h -- the agency's web console at /console on `agency
 * serve`, for the agency's staff (docs/design.md, "The agency's
 * console"): sign-in with a password and a TOTP code, a dashboard of what
 * the notices became, notice search with timeline, certificate and
 * cancel, and sending a recipient file after a preview.
 *
 * Accounts, sessions and the form checks are src/console's, shared with
 * the other roles' consoles; these files are the agency's pages:
 * agency_console.c the sign-in and the frame, agency_console_dash.c the
 * dashboard, agency_console_notices.c the search and a notice,
 * agency_console_send.c the upload, preview and send,
 * agency_console_papers.c the paper letters and the templates. */
#ifndef HERALD_AGENCY_CONSOLE_H
#define HERALD_AGENCY_CONSOLE_H

#include <pthread.h>

#include "agency_config.h"
#include "agency_db.h"
#include "buf.h"
#include "console_auth.h"
#include "console_page.h"
#include "console_web.h"
#include "field.h"
#include "http_server.h"

struct agency_api;

/* A console form's body; an upload's, checked by the gate before any of
 * it is read. */
#define CONSOLE_FORM_MAX 8192
#define CONSOLE_UPLOAD_MAX (4u << 20)
/* Uploads waiting to be sent after their preview, and for how long. */
#define CONSOLE_DRAFTS 8
#define CONSOLE_DRAFT_MS (30LL * 60 * 1000)

typedef struct console_draft {
    char id[33];                       /* "" when free */
    char user[CONSOLE_NAME_MAX + 1];
    char tpl[80], title[FIELD_TITLE_MAX + 1], deadline[40];
    char *csv;                         /* holds RRNs: wiped when freed */
    size_t len;
    long long made_ms;
} console_draft;

typedef struct agency_console {
    const agency_cfg *cfg;
    struct agency_api *api; /* the server's: the hub calls and the intake */
    agency_db *db; /* the request handlers' connection */
    console_auth *auth;
    console_web web;
    console_site site; /* the frame and sign-in, console_page.c's */
    pthread_mutex_t lock; /* guards drafts */
    console_draft drafts[CONSOLE_DRAFTS];
} agency_console;

/* Opens the console's tables in the agency's database. NULL with the
 * reason in err. */
agency_console *agency_console_open(const agency_cfg *cfg, struct agency_api *api,
                                    agency_db *db, char *err, size_t errlen);
void agency_console_close(agency_console *c);

/* The route handlers (role is the agency_api). */
/* 1 when the request comes with the session of someone who may send: the
 * server's gate lets only them upload more than a form's bytes, so that
 * nobody signed out makes it buffer megabytes. */
int agency_console_may_upload(agency_console *c, const http_request *req);

void agency_console_home(void *role, const void *caller, const http_request *req,
                         http_response *resp);
void agency_console_signin_page(void *role, const void *caller, const http_request *req,
                                http_response *resp);
void agency_console_signin(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void agency_console_signout(void *role, const void *caller, const http_request *req,
                            http_response *resp);
void agency_console_search(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void agency_console_notice(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void agency_console_certificate(void *role, const void *caller, const http_request *req,
                                http_response *resp);
void agency_console_cancel(void *role, const void *caller, const http_request *req,
                           http_response *resp);
void agency_console_send_page(void *role, const void *caller, const http_request *req,
                              http_response *resp);
void agency_console_preview(void *role, const void *caller, const http_request *req,
                            http_response *resp);
void agency_console_send(void *role, const void *caller, const http_request *req,
                         http_response *resp);
void agency_console_job(void *role, const void *caller, const http_request *req,
                        http_response *resp);
void agency_console_letters(void *role, const void *caller, const http_request *req,
                            http_response *resp);
void agency_console_letters_file(void *role, const void *caller, const http_request *req,
                                 http_response *resp);
void agency_console_templates(void *role, const void *caller, const http_request *req,
                              http_response *resp);
void agency_console_template(void *role, const void *caller, const http_request *req,
                             http_response *resp);

/* ---- shared by the console's files ---- */

/* The console of a handler's role; NULL answers 404. */
agency_console *agency_console_of(void *role, http_response *resp);
/* The signed-in account with at least role need: 1; else 0 after
 * answering (a GET goes to the sign-in page, a POST gets 403, a role too
 * low 403). */
int agency_console_require(agency_console *c, const http_request *req, http_response *resp,
                           console_role need, console_user *u);
/* Opens a page: the document, the header with the navigation and the
 * account, and the <main> with its <h1>. */
void agency_console_begin(agency_console *c, const http_request *req, buf *b,
                          const console_user *u, const char *title_ko, const char *title_en);
/* The hidden form token of a signed-in page's forms. */
void agency_console_token_field(agency_console *c, const http_request *req, buf *b);
/* A job's figures, refused rows and notices (agency_console_notices.c). */
void agency_console_job_section(agency_console *c, buf *b, const char *job);
/* The template ids in the templates folder, sorted, malloc'd; and a
 * rendered document as the text a letter prints (letter_text.h), on one
 * line, escaped (agency_console_send.c). */
#define CONSOLE_TEMPLATES_MAX 100
size_t agency_console_template_ids(const agency_console *c, char *ids[CONSOLE_TEMPLATES_MAX]);
void agency_console_as_text(buf *b, const char *html, size_t len);
/* Frees the drafts (agency_console_send.c). */
void agency_console_drafts_free(agency_console *c);
/* Wipes the drafts older than CONSOLE_DRAFT_MS at now: agency serve's
 * feed thread calls it every poll, so that an upload never sent does not
 * keep its RRNs in memory until the next upload. NULL is allowed. */
void agency_console_drafts_expire(agency_console *c, long long now);

/* Writes "한국어 <span lang=en>English</span>". */
void agency_console_bi(buf *b, const char *ko, const char *en);

#endif
