/* platform_remind.h -- POST /v1/remind, the hub asking this platform to
 * remind members of unread notices (a route handler: role is the
 * platform). */
#ifndef HERALD_PLATFORM_REMIND_H
#define HERALD_PLATFORM_REMIND_H

#include "http_server.h"

void platform_remind_post(void *role, const void *caller, const http_request *req,
                          http_response *resp);

#endif
