/* sandbox.h -- a seccomp filter that lets a role make only the system
 * calls it needs (docs/design.md §7, "Privileges").
 *
 * Each role lists its calls in one file of its own (src/signer/
 * signer_syscalls.c, src/hub/hub_syscalls.c, ...), names with the reason
 * for each, so a reader can see what the process can still do once an
 * attacker runs code in it; the HTTP roles share a base list
 * (src/lib/service_syscalls.c). Any other call is not made: the process
 * writes one line saying which call (by number, see `ausyscall NUMBER` or
 * /usr/include/asm/unistd_64.h) to stderr and exits with status 159
 * (128 + SIGSYS). */
#ifndef HERALD_SANDBOX_H
#define HERALD_SANDBOX_H

#include <stddef.h>

typedef struct sandbox_list {
    const char *role;          /* named in the line a violation writes */
    const char *const *calls;  /* syscall names, as libseccomp spells them */
    size_t count;
    int open_read_only;        /* also openat/open with O_RDONLY and no O_CREAT */
    int threads;               /* clone for threads only (CLONE_THREAD), never a
                                * new process; clone3, whose flags a filter
                                * cannot see, fails with ENOSYS so that glibc
                                * uses clone; prctl PR_SET_NAME only;
                                * rt_sigaction for any signal but SIGSYS */
    int sockets;               /* socket and socketpair for AF_UNIX, AF_INET,
                                * AF_INET6 and AF_NETLINK only */
    const struct sandbox_list *also[3]; /* lists whose calls are allowed too */
} sandbox_list;

/* The lists the HTTP roles (hub, idsvc, platform, agency serve) build
 * theirs from: what serving HTTP takes, which every one of them does
 * (service_syscalls.c); keeping SQLite databases (sqlite_syscalls.c);
 * calling peers over HTTP or SMPP (client_syscalls.c). */
extern const sandbox_list service_syscalls, sqlite_syscalls, client_syscalls;

/* A role's seccomp setting: NULL or "on" sets *on to 1, "off" to 0;
 * anything else is -1 (the caller says where it came from). Off is for
 * the time it takes to add a call a new library version makes to a
 * role's list (docs/operations.md). */
int sandbox_setting(const char *value, int *on);

/* How many names list and the lists it names hold (each name is in one
 * list only), without the calls allowed on their arguments. */
size_t sandbox_count(const sandbox_list *list);

/* Installs the filter on every thread of the process (no new privileges
 * afterwards). Returns 0, or -1 with why (the role must then not run). */
int sandbox_apply(const sandbox_list *list, char *err, size_t errlen);

#endif
