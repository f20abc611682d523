/* sandbox.c -- see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The line a violation writes, ready before the filter: the handler may
 * only use calls every list allows (write, exit_group). */
static char violation_prefix[96];
static size_t violation_prefix_len;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
    char line[160], digits[16];
    size_t n = violation_prefix_len, d = 0;
    unsigned nr = info ? (unsigned)info->si_syscall : 0;

    (void)sig;
    (void)ctx;
    memcpy(line, violation_prefix, n);
    do
        digits[d++] = (char)('0' + nr % 10);
    while ((nr /= 10) && d < sizeof digits);
    while (d)
        line[n++] = digits[--d];
    static const char tail[] = " is not allowed: stopping\n";
    memcpy(line + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    if (write(2, line, n) < 0) {
        /* nothing more to say */
    }
    syscall(SYS_exit_group, 128 + SIGSYS);
}

static int trap_violations(const char *role)
{
    struct sigaction sa;

    violation_prefix_len = (size_t)snprintf(violation_prefix, sizeof violation_prefix,
                                            "%s: seccomp: system call ", role);
    if (violation_prefix_len >= sizeof violation_prefix)
        violation_prefix_len = sizeof violation_prefix - 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGSYS, &sa, NULL);
}

static int allow_read_only_opens(scmp_filter_ctx f)
{
    /* O_RDONLY is 0: the access mode bits must be zero, and no O_CREAT. */
    const scmp_datum_t mask = O_ACCMODE | O_CREAT | O_TRUNC;

    if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, mask, 0)) != 0)
        return -1;
    return seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
                            SCMP_A1(SCMP_CMP_MASKED_EQ, mask, 0));
}

/* A thread shares the process's memory, files and signal handlers, and
 * CLONE_THREAD needs all three: clone without them would be a new
 * process, which none of the roles ever starts. A thread may name itself
 * (prctl PR_SET_NAME), and prctl does nothing else. Signal handlers:
 * glibc installs its threads' own at the first pthread_create, libcurl
 * sets SIGPIPE's around each transfer; none may touch SIGSYS's, so a
 * disallowed call is always reported. */
static int allow_threads_only(scmp_filter_ctx f)
{
    const scmp_datum_t need = CLONE_THREAD | CLONE_VM | CLONE_SIGHAND;

    if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                         SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME)) != 0 ||
        seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
                         SCMP_A0(SCMP_CMP_NE, SIGSYS)) != 0)
        return -1;

    if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, need, need)) != 0)
        return -1;
#if defined(__SANITIZE_ADDRESS__)
    /* ASan builds (tests only): the leak check at exit stops the world
     * from a helper sharing the memory, untraced, that ptraces every
     * thread; still no new process with memory of its own (fork). */
    const scmp_datum_t lsan = CLONE_VM | CLONE_UNTRACED;
    if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, lsan, lsan)) != 0)
        return -1;
#endif
    return seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

/* Sockets of the families the roles use: no packet sockets, no raw
 * IP, no Bluetooth, no vsock... */
static int allow_sockets(scmp_filter_ctx f)
{
    static const int domains[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};

    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i])) != 0 ||
            seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i])) != 0)
            return -1;
    return 0;
}

/* One list's calls and its special rules into f, then those of the
 * lists it names. */
static int add_list(scmp_filter_ctx f, const sandbox_list *list, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof list->also / sizeof list->also[0]; i++)
        if (list->also[i] && add_list(f, list->also[i], err, errlen) != 0)
            return -1;
    for (size_t i = 0; i < list->count; i++) {
        int nr = seccomp_syscall_resolve_name(list->calls[i]);
        if (nr == __NR_SCMP_ERROR || seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0) != 0) {
            snprintf(err, errlen, "seccomp: unknown system call '%s'", list->calls[i]);
            return -1;
        }
    }
    if ((list->open_read_only && allow_read_only_opens(f) != 0) ||
        (list->threads && allow_threads_only(f) != 0) ||
        (list->sockets && allow_sockets(f) != 0)) {
        snprintf(err, errlen, "seccomp: cannot add the rules on arguments of %s's list",
                 list->role);
        return -1;
    }
    return 0;
}

size_t sandbox_count(const sandbox_list *list)
{
    size_t n = list->count;

    for (size_t i = 0; i < sizeof list->also / sizeof list->also[0]; i++)
        if (list->also[i])
            n += sandbox_count(list->also[i]);
    return n;
}

int sandbox_setting(const char *value, int *on)
{
    if (!value || !strcmp(value, "on"))
        *on = 1;
    else if (!strcmp(value, "off"))
        *on = 0;
    else
        return -1;
    return 0;
}

int sandbox_apply(const sandbox_list *list, char *err, size_t errlen)
{
    scmp_filter_ctx f;
    int rc = -1;

    if (trap_violations(list->role) != 0) {
        snprintf(err, errlen, "seccomp: cannot catch SIGSYS");
        return -1;
    }
    f = seccomp_init(SCMP_ACT_TRAP);
    if (!f) {
        snprintf(err, errlen, "seccomp: cannot make a filter");
        return -1;
    }
    if (add_list(f, list, err, errlen) != 0)
        goto done;
    if (seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1) != 0 || seccomp_load(f) != 0) {
        snprintf(err, errlen, "seccomp: the kernel refused the filter");
        goto done;
    }
    rc = 0;
done:
    seccomp_release(f);
    return rc;
}
