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

/* With [store] kind = postgres, libpq's connections (made at start, and
 * again after the server went away) take sockets, connect, poll, send
 * and receive, their options and the peer's address: all in the lists
 * above already, as is reading /etc/passwd for the user's name when the
 * dsn names none. Only this is libpq's alone: */
static const char *const pg_calls[] = {
    /* GSSAPI (Kerberos), which libpq asks before a TCP connection whether
     * this user holds credentials: it looks for a keytab by uid */
    "getuid",
};

const sandbox_list hub_pg_syscalls = {
    .role = "hub", .calls = pg_calls, .count = sizeof pg_calls / sizeof pg_calls[0],
    .also = {&hub_syscalls},
};
