/* procs.c -- see procs.h. */
#include "procs.h"
#include "tls_pin.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self_exe(void)
{
    static char path[4096];

    if (!path[0]) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
    }
    return path;
}

/* In the child: wire up stdin, stdout and stderr, undo what the parent
 * set for itself, and exec program (NULL: this binary) with args. Never
 * returns. */
static void exec_child(const char *program, const char *log_path, int out_fd,
                       char *const args[])
{
    int err = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600) : 2;
    int devnull = open("/dev/null", O_RDWR);

    dup2(devnull, 0);
    dup2(out_fd >= 0 ? out_fd : devnull, 1);
    if (err >= 0)
        dup2(err, 2);
    /* Undo the parent's blocked signals so SIGTERM works in the child. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* A demo killed outright (SIGKILL, a crash) cannot stop its children
     * itself: the kernel sends them SIGTERM instead, so no peer or role
     * is left holding a port. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (program)
        execvp(program, args);
    else
        execv(self_exe(), args);
    _exit(127);
}

/* In the child: exec this binary as `herald ARGV...`. Never returns. */
static void exec_self(const char *log_path, int out_fd, char *const argv[])
{
    int n = 0;
    char *args[64];

    args[n++] = "herald";
    for (int i = 0; argv[i] && n < 63; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    exec_child(NULL, log_path, out_fd, args);
}

static void add(procs *ps, const char *name, const char *log_path, pid_t pid)
{
    proc *p = &ps->list[ps->count++];

    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->log, sizeof p->log, "%s", log_path);
    p->pid = pid;
}

int procs_start(procs *ps, const char *name, const char *log_path, char *const argv[],
                char *err, size_t errlen)
{
    pid_t pid;

    if (ps->count == PROCS_MAX) {
        snprintf(err, errlen, "too many processes");
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        exec_self(log_path, -1, argv);
    add(ps, name, log_path, pid);
    return 0;
}

int procs_start_program(procs *ps, const char *name, const char *log_path,
                        const char *out_path, char *const argv[], char *err, size_t errlen)
{
    int out;
    pid_t pid;

    if (ps->count == PROCS_MAX) {
        snprintf(err, errlen, "too many processes");
        return -1;
    }
    out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) {
        snprintf(err, errlen, "%s: %s", out_path, strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(out);
        return -1;
    }
    if (pid == 0)
        exec_child(argv[0], log_path, out, argv);
    close(out);
    add(ps, name, log_path, pid);
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p, (void)ud;
    return size * n;
}

static long get_status(const char *url)
{
    CURL *c = curl_easy_init();
    long status = 0;

    if (!c)
        return 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    char pin[TLS_PIN_LEN];
    if (tls_pin_for(url, pin)) { /* a role serving TLS: its pinned key, not a CA */
        curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, pin);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

static proc *find(procs *ps, const char *name)
{
    for (int i = 0; i < ps->count; i++)
        if (!strcmp(ps->list[i].name, name))
            return &ps->list[i];
    return NULL;
}

int procs_alive(procs *ps, const char *name)
{
    proc *p = find(ps, name);
    int status;

    if (!p || p->pid <= 0)
        return 0;
    if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
        p->pid = 0;
        return 0;
    }
    return 1;
}

int procs_wait_ready(procs *ps, const char *name, const char *url, int timeout_ms,
                     char *err, size_t errlen)
{
    proc *p = find(ps, name);
    struct timespec pause = {0, 50 * 1000000L};

    for (int waited = 0; waited < timeout_ms; waited += 50) {
        int status;
        if (get_status(url) > 0) /* any HTTP answer: it is serving */
            return 0;
        if (p && waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = 0;
            snprintf(err, errlen, "%s exited during start-up; see %s", name, p->log);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    snprintf(err, errlen, "%s did not answer %s within %d ms; see %s", name, url,
             timeout_ms, p ? p->log : "its log");
    return -1;
}

void procs_stop_all(procs *ps)
{
    for (int i = ps->count - 1; i >= 0; i--)
        if (ps->list[i].pid > 0)
            kill(ps->list[i].pid, SIGTERM);
    for (int i = ps->count - 1; i >= 0; i--) {
        proc *p = &ps->list[i];
        int status;
        for (int t = 0; p->pid > 0 && t < 200; t++) {
            if (waitpid(p->pid, &status, WNOHANG) == p->pid)
                p->pid = 0;
            else
                usleep(50000);
        }
        if (p->pid > 0) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            p->pid = 0;
        }
    }
    ps->count = 0;
}

/* The number after "key:" in /proc/PID/file (a "key: value" list), or -1. */
static long long proc_value(const proc *p, const char *file, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    long long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/%s", (int)p->pid, file);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, klen) && line[klen] == ':' &&
            sscanf(line + klen + 1, "%lld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

long procs_peak_rss_kib(const proc *p)
{
    return (long)proc_value(p, "status", "VmHWM");
}

double procs_cpu_seconds(const proc *p)
{
    char path[64], line[1024];
    unsigned long utime, stime;
    double secs = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    /* Fields 14 and 15 follow the command name, which may hold spaces:
     * count from its closing parenthesis. */
    if (fgets(line, sizeof line, f)) {
        const char *rest = strrchr(line, ')');
        if (rest && sscanf(rest + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                           &utime, &stime) == 2)
            secs = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    }
    fclose(f);
    return secs;
}

long long procs_write_bytes(const proc *p)
{
    return proc_value(p, "io", "write_bytes");
}

/* Ports the kernel hands out on its own (connect, bind to port 0) come
 * from the ephemeral range. A port taken from there is free only until a
 * connection's local end lands on it, which a busy machine does between
 * the pick and the role's bind. So ports are drawn at random from the
 * EPHEMERAL_GAP below that range, which only explicit binds use, and
 * taken if they bind; the kernel's pick is the last resort. */
#define EPHEMERAL_GAP 8192

static int bind_loopback(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)port)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), got = -1;

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        got = ntohs(a.sin_port);
    close(fd);
    return got;
}

static int ephemeral_low(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    int low = 32768;

    if (f) {
        if (fscanf(f, "%d", &low) != 1)
            low = 32768;
        fclose(f);
    }
    return low;
}

int procs_free_port(void)
{
    static unsigned seed;
    int high = ephemeral_low() - 1, low = high - EPHEMERAL_GAP + 1;

    if (!seed)
        seed = (unsigned)time(NULL) ^ (unsigned)getpid() << 16;
    if (low < 1024)
        low = 1024;
    for (int tries = 0; high > low && tries < 64; tries++) {
        int port = low + (int)(rand_r(&seed) % (unsigned)(high - low + 1));
        if (bind_loopback(port) == port)
            return port;
    }
    return bind_loopback(0);
}

/* procs_run and procs_run_program: program NULL runs this binary. */
static int run_to_end(const char *program, const char *log_path, char *const argv[],
                      char *last_line, size_t len, FILE *echo)
{
    int fds[2], status;
    pid_t pid;
    FILE *out;
    char line[4096];

    if (pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        if (program)
            exec_child(program, log_path, fds[1], argv);
        exec_self(log_path, fds[1], argv);
    }
    close(fds[1]);
    out = fdopen(fds[0], "r");
    if (last_line && len)
        last_line[0] = '\0';
    while (out && fgets(line, sizeof line, out)) {
        if (echo)
            fputs(line, echo);
        if (last_line && line[0] != '\n')
            snprintf(last_line, len, "%.*s", (int)strcspn(line, "\n"), line);
    }
    if (out)
        fclose(out);
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int procs_run(const char *log_path, char *const argv[], char *last_line, size_t len)
{
    return run_to_end(NULL, log_path, argv, last_line, len, NULL);
}

int procs_run_echo(const char *log_path, char *const argv[], FILE *echo)
{
    return run_to_end(NULL, log_path, argv, NULL, 0, echo);
}

int procs_run_program(const char *log_path, char *const argv[])
{
    return run_to_end(argv[0], log_path, argv, NULL, 0, NULL);
}
