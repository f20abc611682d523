/* platform_syscalls.c -- every system call `herald platform` may make
 * once bound: its seccomp allow-list (sandbox.h). Serving the members'
 * pages and the API, its database, and calls to idsvc, the hub, the push
 * gateway and the SMSC (src/lib/service_syscalls.c, sqlite_syscalls.c,
 * client_syscalls.c): a platform needs nothing of its own beyond them. */
#include "platform.h"

const sandbox_list platform_syscalls = {
    .role = "platform",
    .also = {&service_syscalls, &sqlite_syscalls, &client_syscalls},
};
