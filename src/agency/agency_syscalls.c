/* agency_syscalls.c -- every system call `herald agency serve` may make
 * once bound: its seccomp allow-list (sandbox.h). Serving documents, the
 * API and the console, its databases, calls to idsvc, the hub and the
 * callback URL (src/lib/service_syscalls.c, sqlite_syscalls.c,
 * client_syscalls.c), and what only the agency does. (Letters are
 * printed by `agency letters`, a command of its own, not by serve.) */
#include "agency_server.h"

static const char *const calls[] = {
    /* templates: listed from their folder, written through a temporary
     * file made 0640 then renamed over the old one
     * (agency_api_templates.c) */
    "getdents64",
    "fchmod",
    "rename",
    "access",     /* whether a template (201 or 200) or test.db exists */
};

const sandbox_list agency_syscalls = {
    .role = "agency", .calls = calls, .count = sizeof calls / sizeof calls[0],
    .also = {&service_syscalls, &sqlite_syscalls, &client_syscalls},
};
