/* platform_relay.h -- POST /v1/relay, the hub handing notices to this
 * platform (a route handler: role is the platform). */
#ifndef HERALD_PLATFORM_RELAY_H
#define HERALD_PLATFORM_RELAY_H

#include "http_server.h"

void platform_relay_post(void *role, const void *caller, const http_request *req,
                         http_response *resp);

#endif
