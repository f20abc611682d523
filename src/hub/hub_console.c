/* hub_console.c -- see hub_console.h: the operators' console as a
 * console_site (console_page.c draws its frame, signs in and out), and
 * the connections it reads. */
#include "hub_console.h"

#include <stdio.h>
#include <stdlib.h>

#include "hub.h"
#include "log.h"

void hub_console_db_path(const char *dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/console.db", dir);
}

static void nav(buf *b, const console_user *u)
{
    (void)u;
    console_nav_item(b, "/console", "현황", "Status");
    console_nav_item(b, "/console/volumes", "처리량", "Volumes");
    console_nav_item(b, "/console/latency", "중계 지연", "Relay latency");
}

static int open_ro(hub_console *c, char *err, size_t errlen)
{
    char path[4200];

    if (c->h->store_pg) {
        c->ro = sql_connect_pg(c->h->store_dsn, err, errlen);
        return c->ro ? 0 : -1;
    }
    snprintf(path, sizeof path, "%s/hub.db", c->h->data_dir);
    if (sqlite3_open_v2(path, &c->ro_file, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(c->ro_file));
        return -1;
    }
    sqlite3_busy_timeout(c->ro_file, 1000);
    c->ro = sql_wrap_sqlite(c->ro_file);
    if (!c->ro) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

hub_console *hub_console_open(hub *h, char *err, size_t errlen)
{
    hub_console *c = calloc(1, sizeof *c);
    char path[4200];

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->h = h;
    pthread_mutex_init(&c->lock, NULL);
    hub_console_db_path(h->data_dir, path, sizeof path);
    if (!(c->auth = console_auth_open(path, "hub", err, errlen)) || open_ro(c, err, errlen) != 0) {
        hub_console_close(c);
        return NULL;
    }
    if (console_web_init(&c->web, c->auth, "hub", h->public_url) != 0) {
        snprintf(err, errlen, "[hub] public_url is not an http(s) URL");
        hub_console_close(c);
        return NULL;
    }
    c->site.web = &c->web;
    c->site.name = "herald hub";
    c->site.heading_ko = "운영 콘솔";
    c->site.heading_en = "operators' console";
    c->site.nav = nav;
    return c;
}

void hub_console_close(hub_console *c)
{
    if (!c)
        return;
    console_web_wipe(&c->web);
    console_auth_close(c->auth);
    sql_finalize(c->days);
    sql_finalize(c->state);
    sql_finalize(c->due);
    sql_finalize(c->latency);
    sql_close(c->ro);
    sqlite3_close(c->ro_file);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static hub_console *console_of(void *role, http_response *resp)
{
    hub_console *c = ((hub *)role)->console;

    if (!c)
        http_reply_not_found(resp);
    return c;
}

void hub_console_signin_page(void *role, const void *caller, const http_request *req,
                             http_response *resp)
{
    hub_console *c = console_of(role, resp);

    (void)caller;
    if (c)
        console_signin_page(&c->site, req, resp);
}

void hub_console_signin(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    hub_console *c = console_of(role, resp);

    (void)caller;
    if (c)
        console_signin_post(&c->site, req, resp);
}

void hub_console_signout(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    hub_console *c = console_of(role, resp);

    (void)caller;
    if (c)
        console_signout_post(&c->site, req, resp);
}
