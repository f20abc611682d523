/* hub_syscalls.c -- every system call `herald hub` may make once bound:
 * its seccomp allow-list (sandbox.h). Serving, its databases and calls
 * to the platforms and the signer (src/lib/service_syscalls.c,
 * sqlite_syscalls.c, client_syscalls.c), and what only the hub does: */
#include "hub.h"

static const char *const calls[] = {
    /* the evidence log's leaf file: one hub per file (hub_leaf_file.c) */
    "flock",
    /* the certificate PDF (cairo, pango): fontconfig looks its
     * configuration and fonts up, and maps them */
    "access",
    "getdents64",
    "fstatfs",
    "fadvise64",
};

const sandbox_list hub_syscalls = {
    .role = "hub", .calls = calls, .count = sizeof calls / sizeof calls[0],
    .also = {&service_syscalls, &sqlite_syscalls, &client_syscalls},
};
