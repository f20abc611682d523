/* platform_withdraw.h -- POST /v1/withdraw, the hub telling this platform
 * that the sending agency cancelled notices it holds (a route handler:
 * role is the platform). */
#ifndef HERALD_PLATFORM_WITHDRAW_H
#define HERALD_PLATFORM_WITHDRAW_H

#include "http_server.h"

void platform_withdraw_post(void *role, const void *caller, const http_request *req,
                            http_response *resp);

#endif
