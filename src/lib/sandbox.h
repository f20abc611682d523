/* sandbox.h -- a seccomp filter that lets a role make only the system
 * calls it needs (docs/design.md §7, "Privileges").
 *
 * Each role lists its calls in one file of its own (src/signer/
 * signer_syscalls.c, ...), names with the reason for each, so a reader can
 * see what the process can still do once an attacker runs code in it. Any
 * other call is not made: the process writes one line saying which call
 * (by number, see `ausyscall NUMBER` or /usr/include/asm/unistd_64.h) to
 * stderr and exits with status 159 (128 + SIGSYS). */
#ifndef HERALD_SANDBOX_H
#define HERALD_SANDBOX_H

#include <stddef.h>

typedef struct sandbox_list {
    const char *role;          /* named in the line a violation writes */
    const char *const *calls;  /* syscall names, as libseccomp spells them */
    size_t count;
    int open_read_only;        /* also openat/open with O_RDONLY and no O_CREAT */
} sandbox_list;

/* Installs the filter on every thread of the process (no new privileges
 * afterwards). Returns 0, or -1 with why (the role must then not run). */
int sandbox_apply(const sandbox_list *list, char *err, size_t errlen);

#endif
