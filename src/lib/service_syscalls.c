/* service_syscalls.c -- the system calls every HTTP role (hub, idsvc,
 * platform, agency serve) may make once bound and no longer root: what
 * serving HTTP with libmicrohttpd and GnuTLS on a pool of threads takes.
 * The base of each role's seccomp allow-list (sandbox.h); the roles that
 * keep databases or call peers add sqlite_syscalls.c and
 * client_syscalls.c, and each its own few.
 *
 * Not here, so impossible in idsvc, which uses this list alone: opening a
 * file to write, making a socket, connecting. Nor in any role: executing
 * a program, starting a process (clone is allowed for threads only),
 * ptrace, changing ids, a file's owner by path or its mode, mounting,
 * loading a module or a BPF program, changing SIGSYS's handler or the
 * filter itself. */
#include "sandbox.h"

static const char *const calls[] = {
    /* threads: pthread_create (clone, prctl to name a thread and
     * rt_sigaction are in sandbox.c, on their arguments), their locks,
     * and their end */
    "futex",
    "set_robust_list",
    "rseq",
    "sched_yield",
    "sched_getaffinity", /* how many CPUs */
    "rt_sigprocmask",    /* a new thread starts with signals blocked */
    "rt_sigtimedwait",   /* the main thread's wait for SIGTERM or SIGINT */
    "rt_sigreturn",
    "restart_syscall",
    "gettid",
    "getpid",
    "tgkill",            /* abort(): a failed assertion still ends in SIGABRT */
    "exit",
    "exit_group",
    /* memory: malloc, thread stacks and their guard pages, libsodium's
     * locked pages for keys */
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "mlock",
    "munlock",
    "sysinfo",           /* glibc's qsort asks how much memory there is */
    /* the clock and sleeps */
    "clock_gettime",
    "gettimeofday",
    "clock_nanosleep",
    "nanosleep",
    /* randomness: tokens, ids, TLS; OpenSSL opens /dev/urandom too */
    "getrandom",
    /* files, read-only (openat is in sandbox.c: O_RDONLY, no O_CREAT):
     * OpenSSL's configuration, the test clock HERALD_CLOCK_FILE */
    "read",
    "pread64",
    "lseek",
    "close",
    "fstat",
    "newfstatat",
    "statx",
    "fcntl",             /* O_NONBLOCK on sockets; SQLite's locks */
    /* the log, on stderr */
    "write",
    "writev",
    /* serving: libmicrohttpd's epoll loop and its threads' wake-ups */
    "accept4",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "eventfd2",
    "pipe2",
    "poll",
    "ppoll",
    "recvfrom",
    "recvmsg",
    "sendto",
    "sendmsg",
    "shutdown",          /* a connection closed to make room (http_guard.c) */
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "prlimit64",         /* the open files limit, raised as the server starts */
#if defined(__SANITIZE_ADDRESS__)
    /* ASan builds (tests only): the sanitizer's own bookkeeping, and the
     * leak check at exit, which stops the world from a helper task
     * (its clone is in sandbox.c) that lists the threads in
     * /proc/self/task and ptraces each. */
    "sigaltstack",
    "getdents",    /* the sanitizer's own, not getdents64 */
    "prctl",       /* PR_SET_PTRACER, PR_SET_PDEATHSIG */
    "ptrace",
    "wait4",
    "kill",
    "getppid",
#endif
};

const sandbox_list service_syscalls = {
    .role = "service", .calls = calls, .count = sizeof calls / sizeof calls[0],
    .open_read_only = 1, .threads = 1,
};
