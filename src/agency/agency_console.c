/* agency_console.c -- see agency_console.h: the agency's console as a
 * console_site (its header and menu), whose frame, sign-in, sign-out and
 * role check are console_page.c's. */
#include "agency_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "clock.h"
#include "form.h"
#include "html_page.h"
#include "log.h"

void agency_console_bi(buf *b, const char *ko, const char *en)
{
    console_bi(b, ko, en);
}

static void nav(buf *b, const console_user *u)
{
    console_nav_item(b, "/console", "대시보드", "Dashboard");
    console_nav_item(b, "/console/notices", "알림 찾기", "Notices");
    if (u->role >= CONSOLE_SENDER)
        console_nav_item(b, "/console/send", "보내기", "Send");
    console_nav_item(b, "/console/letters", "우편", "Letters");
    console_nav_item(b, "/console/templates", "서식", "Templates");
}

agency_console *agency_console_open(const agency_cfg *cfg, struct agency_api *api,
                                    agency_db *db, char *err, size_t errlen)
{
    agency_console *c = calloc(1, sizeof *c);

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->cfg = cfg;
    c->api = api;
    c->db = db;
    if (!(c->auth = console_auth_open(cfg->db_path, "agency", err, errlen))) {
        free(c);
        return NULL;
    }
    if (console_web_init(&c->web, c->auth, "agency", cfg->public_url) != 0) {
        snprintf(err, errlen, "[agency] public_url is not an http(s) URL");
        console_auth_close(c->auth);
        free(c);
        return NULL;
    }
    c->site.web = &c->web;
    c->site.name = cfg->name;
    c->site.heading_ko = "전자문서 콘솔";
    c->site.heading_en = "console";
    c->site.nav = nav;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void agency_console_close(agency_console *c)
{
    if (!c)
        return;
    agency_console_drafts_free(c);
    pthread_mutex_destroy(&c->lock);
    console_web_wipe(&c->web);
    console_auth_close(c->auth);
    free(c);
}

agency_console *agency_console_of(void *role, http_response *resp)
{
    agency_console *c = ((agency_api *)role)->console;

    if (!c)
        http_reply_not_found(resp);
    return c;
}

int agency_console_require(agency_console *c, const http_request *req, http_response *resp,
                           console_role need, console_user *u)
{
    return console_require(&c->site, req, resp, need, u);
}

int agency_console_may_upload(agency_console *c, const http_request *req)
{
    console_user u;

    return c && console_web_user(&c->web, req, &u) == 1 && u.role >= CONSOLE_SENDER;
}

void agency_console_token_field(agency_console *c, const http_request *req, buf *b)
{
    console_token_field(&c->web, req, b);
}

void agency_console_begin(agency_console *c, const http_request *req, buf *b,
                          const console_user *u, const char *title_ko, const char *title_en)
{
    console_page_begin(&c->site, req, b, u, title_ko, title_en);
}

/* ---- sign-in and sign-out: console_page.c's ---- */

void agency_console_signin_page(void *role, const void *caller, const http_request *req,
                                http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);

    (void)caller;
    if (c)
        console_signin_page(&c->site, req, resp);
}

void agency_console_signin(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);

    (void)caller;
    if (c)
        console_signin_post(&c->site, req, resp);
}

void agency_console_signout(void *role, const void *caller, const http_request *req,
                            http_response *resp)
{
    agency_console *c = agency_console_of(role, resp);

    (void)caller;
    if (c)
        console_signout_post(&c->site, req, resp);
}
