/* sandbox.c -- see sandbox.h. */
#include "sandbox.h"

#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
    for (size_t i = 0; i < list->count; i++) {
        int nr = seccomp_syscall_resolve_name(list->calls[i]);
        if (nr == __NR_SCMP_ERROR || seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0) != 0) {
            snprintf(err, errlen, "seccomp: unknown system call '%s'", list->calls[i]);
            goto done;
        }
    }
    if (list->open_read_only && allow_read_only_opens(f) != 0) {
        snprintf(err, errlen, "seccomp: cannot allow read-only opens");
        goto done;
    }
    if (seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1) != 0 || seccomp_load(f) != 0) {
        snprintf(err, errlen, "seccomp: the kernel refused the filter");
        goto done;
    }
    rc = 0;
done:
    seccomp_release(f);
    return rc;
}
