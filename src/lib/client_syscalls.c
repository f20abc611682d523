/* client_syscalls.c -- the system calls a role that calls its peers
 * (hub, platform, agency serve) makes on top of serving
 * (service_syscalls.c): libcurl with GnuTLS to other roles over HTTP,
 * the platform's SMPP session, the hub's signer socket, and the resolver
 * when a peer is named rather than numbered. Part of each such role's
 * seccomp allow-list (sandbox.h). */
#include "sandbox.h"

static const char *const calls[] = {
    /* socket and socketpair are in sandbox.c: AF_INET, AF_INET6, AF_UNIX
     * (the signer, libcurl's resolver thread, nscd) and AF_NETLINK (the
     * resolver's look at the addresses this host has) only */
    "connect",
    "bind",       /* the resolver's netlink socket */
    "sendmmsg",   /* the resolver's A and AAAA queries at once */
    "ioctl",      /* the resolver: FIONREAD on its socket */
    "uname",      /* the resolver: this host's name */
};

const sandbox_list client_syscalls = {
    .role = "client", .calls = calls, .count = sizeof calls / sizeof calls[0],
    .sockets = 1,
};
