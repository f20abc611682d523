/* platform_web.h -- the citizen pages, as route handlers (role is the
 * platform; caller is unused: the pages need no API key, and those of a
 * signed-in member find the member from the session cookie). */
#ifndef HERALD_PLATFORM_WEB_H
#define HERALD_PLATFORM_WEB_H

#include "http_server.h"

#define PLATFORM_WEB_PAGE(name)                                                            \
    void name(void *role, const void *caller, const http_request *req, http_response *resp)

PLATFORM_WEB_PAGE(platform_web_home);        /* GET / : the sign-in form */
PLATFORM_WEB_PAGE(platform_web_login);       /* POST /login */
PLATFORM_WEB_PAGE(platform_web_signup_form); /* GET /signup */
PLATFORM_WEB_PAGE(platform_web_signup);      /* POST /signup */
PLATFORM_WEB_PAGE(platform_web_logout);      /* POST /logout */
/* A signed-in member's pages; without a session, a redirect to /. */
PLATFORM_WEB_PAGE(platform_web_inbox);       /* GET /inbox */
PLATFORM_WEB_PAGE(platform_web_consent);     /* POST /consent */
PLATFORM_WEB_PAGE(platform_web_notice);      /* GET /notices/{id} */
PLATFORM_WEB_PAGE(platform_web_open);        /* POST /notices/{id}/open */

#endif
