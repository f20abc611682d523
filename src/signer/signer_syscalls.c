/* signer_syscalls.c -- every system call `herald signer` may make once it
 * serves (its seccomp allow-list, applied by src/lib/sandbox.c). Anything
 * else stops the process with a line naming the call's number.
 *
 * Not here, so impossible after start: opening files (except read-only
 * when the test clock HERALD_CLOCK_FILE is set, which is read at every
 * clock call), creating sockets, connecting, executing, forking, ptrace,
 * changing ids or signal handlers, unlinking or renaming. */
#include "signer.h"

static const char *const calls[] = {
    /* the socket: one connection at a time */
    "ppoll",        /* waiting for one, the stop signals let in meanwhile */
    "accept4",      /* a client */
    "getsockopt",   /* SO_PEERCRED: the client's uid */
    "setsockopt",   /* SO_RCVTIMEO, SO_SNDTIMEO: a silent client is dropped */
    "recvfrom",     /* the request (recv) */
    "sendto",       /* the answer (send) */
    "close",
    /* the state file: the last head signed, synced before answering */
    "pwrite64",
    "fdatasync",
    /* the clock: the head's time against ours (usually in the vDSO) */
    "clock_gettime",
    "gettimeofday",
    /* the log: one line on stderr per event */
    "write",
    "newfstatat",   /* stdio's first look at stderr */
    /* the test clock's file, when HERALD_CLOCK_FILE is set (opened read-only) */
    "read",
    /* memory (glibc's malloc) */
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "madvise",
    /* glibc's and libsodium's once-only initialisation wakes waiters */
    "futex",
    /* leaving: SIGTERM's handler returns, then the process exits */
    "rt_sigreturn",
    "exit_group",
    "exit",
    "restart_syscall",
#if defined(__SANITIZE_ADDRESS__)
    /* ASan builds (tests only): the sanitizer's own bookkeeping. Its leak
     * check runs before the filter (signer_main.c), not at exit. */
    "mprotect",
    "sigaltstack",
    "rt_sigprocmask",
    "getpid",
    "gettid",
    "sched_yield",
#endif
};

const sandbox_list signer_syscalls = {.role = "signer", .calls = calls,
                                      .count = sizeof calls / sizeof calls[0]};
