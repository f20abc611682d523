/* signer_server.c -- the signer's socket: binding it for one client user,
 * and the loop that answers each connection's one request (see signer.h).
 * Single-threaded on purpose: heads come once a second, and one thread
 * keeps the seccomp list short. */
#include "signer.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sth_request.h"

/* A client has this long to send its request and take the answer. */
#define SIGNER_IO_TIMEOUT_MS 2000

static int fill_address(struct sockaddr_un *a, const char *path, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path) {
        snprintf(err, errlen, "%s: a socket path must be under %zu bytes", path,
                 sizeof a->sun_path);
        return -1;
    }
    memcpy(a->sun_path, path, strlen(path) + 1);
    return 0;
}

/* A socket file at path nobody answers on is removed. Returns 0 when the
 * path is free, -1 with why otherwise. */
static int clear_stale(const struct sockaddr_un *a, char *err, size_t errlen)
{
    struct stat st;
    int fd, live;

    if (lstat(a->sun_path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", a->sun_path);
        return -1;
    }
    /* Only a refused connection proves nobody listens: a socket this
     * process may not connect to (EACCES: another user's live signer) is
     * not stale. */
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    live = fd < 0 ? -1 : connect(fd, (const struct sockaddr *)a, sizeof *a) == 0 ? 1 : 0;
    int why = errno;
    if (fd >= 0)
        close(fd);
    if (live == 1) {
        snprintf(err, errlen, "%s: another signer is answering there", a->sun_path);
        return -1;
    }
    if (live < 0 || why != ECONNREFUSED) {
        snprintf(err, errlen, "%s: cannot tell whether a signer answers there (%s): not removed",
                 a->sun_path, strerror(why));
        return -1;
    }
    if (unlink(a->sun_path) != 0) {
        snprintf(err, errlen, "%s: cannot remove the stale socket: %s", a->sun_path,
                 strerror(errno));
        return -1;
    }
    log_info("removed the stale socket %s", a->sun_path);
    return 0;
}

int signer_listen(const char *path, uid_t owner, gid_t group, char *err, size_t errlen)
{
    struct sockaddr_un a;
    mode_t old;
    int fd, rc;

    if (fill_address(&a, path, err, errlen) != 0 || clear_stale(&a, err, errlen) != 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    old = umask(0177); /* created 0600: no moment at which others may connect */
    rc = bind(fd, (const struct sockaddr *)&a, sizeof a);
    umask(old);
    /* lchown: a link put in the socket's place must not hand its target
     * to the client's user. */
    if (rc != 0 || (owner != (uid_t)-1 && lchown(path, owner, group) != 0) ||
        listen(fd, 16) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* The peer's uid, from the kernel (SO_PEERCRED); -1 if unknown. */
static long peer_uid(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
        return -1;
    return (long)cred.uid;
}

static void set_timeouts(int fd)
{
    struct timeval tv = {SIGNER_IO_TIMEOUT_MS / 1000, (SIGNER_IO_TIMEOUT_MS % 1000) * 1000};

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* "tree size N signed" at most this often: the hub asks every second. */
#define SIGNED_LOG_EVERY_MS 60000

static void log_signed(signer *s, const sth *head)
{
    long long now = clock_mono_ms();

    if (s->logged_ms && now - s->logged_ms < SIGNED_LOG_EVERY_MS)
        return;
    s->logged_ms = now;
    log_info("tree size %llu signed (said at most once a minute)",
             (unsigned long long)head->tree_size);
}

/* Decides on one parsed request, records and signs when it may. */
static void decide(signer *s, const sth_request *req, sth_answer *ans)
{
    const sth *last = s->state.have_last ? &s->state.last : NULL;

    ans->status = sth_request_check(last, req, (uint64_t)clock_now_ms(), ans->reason,
                                    sizeof ans->reason);
    if (ans->status == STH_SIGNED && signer_state_record(&s->state, &req->head) != 0) {
        ans->status = STH_REFUSED;
        snprintf(ans->reason, sizeof ans->reason, "cannot record the head: not signed");
    }
    if (ans->status == STH_SIGNED) {
        if (!last)
            log_info("no head signed before: tree size %llu taken as the first",
                     (unsigned long long)req->head.tree_size);
        sth_sign(&req->head, s->sk, ans->sig);
        log_signed(s, &req->head);
    } else if (ans->status == STH_STALE) {
        /* routine after the hub restarted between a signature and storing
         * it: it proves again from the head named in the answer */
        log_info("tree size %llu: asked to prove it from tree size %llu, the last head signed",
                 (unsigned long long)req->head.tree_size,
                 (unsigned long long)s->state.last.tree_size);
    } else {
        log_warn("refused tree size %llu: %s", (unsigned long long)req->head.tree_size,
                 ans->reason);
    }
}

/* 1 when the client has closed its end: a hub that gave up waiting (the
 * signer was stopped or slow) is not there to store what would be
 * signed for it, and queued requests are each answered in turn. */
static int client_left(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    const struct timespec now = {0, 0};

    return ppoll(&p, 1, &now, NULL) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* One connection: one request in, one answer out. */
static void answer(signer *s, int fd)
{
    uint8_t in[STH_REQ_MAX_LEN + 1], out[STH_ANS_MAX_LEN];
    sth_request req;
    sth_answer ans;
    const char *why;
    ssize_t n;

    memset(&ans, 0, sizeof ans);
    n = recv(fd, in, sizeof in, MSG_TRUNC);
    if (n <= 0)
        return; /* gone, or silent past the timeout */
    why = sth_request_parse(&req, in, (size_t)n);
    if (why) {
        ans.status = STH_MALFORMED;
        snprintf(ans.reason, sizeof ans.reason, "malformed request: %s", why);
        log_warn("%s (%zd bytes)", ans.reason, n);
    } else if (client_left(fd)) {
        log_info("tree size %llu: the client left before it was decided: not signed",
                 (unsigned long long)req.head.tree_size);
        return;
    } else {
        decide(s, &req, &ans);
    }
    ans.has_last = s->state.have_last;
    ans.last = s->state.last;
    n = (ssize_t)sth_answer_encode(&ans, out);
    if (send(fd, out, (size_t)n, MSG_NOSIGNAL) != n)
        log_warn("the client left before its answer");
}

void signer_serve(signer *s, volatile sig_atomic_t *stop, const sigset_t *wait_mask)
{
    struct pollfd pfd = {.fd = s->listen_fd, .events = POLLIN};

    while (!*stop) {
        int fd;
        long uid;

        if (ppoll(&pfd, 1, NULL, wait_mask) < 0) {
            if (errno != EINTR)
                log_error("ppoll: %s", strerror(errno));
            continue;
        }
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                log_error("accept: %s", strerror(errno));
            continue;
        }
        uid = peer_uid(fd);
        if (uid != (long)s->client_uid) {
            log_warn("refused a connection from uid %ld: only uid %u may ask", uid,
                     (unsigned)s->client_uid);
        } else {
            set_timeouts(fd);
            answer(s, fd);
        }
        close(fd);
    }
}
