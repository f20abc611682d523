/* hub_signer_client.c -- see hub_signer_client.h. */
#include "hub_signer_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* Each step may wait only what is left of the request's time: a timeout
 * per call would let connect, send and receive take it three times. */
static int limit_to(int fd, long long deadline_ms)
{
    long long left = deadline_ms - clock_mono_ms();
    struct timeval tv;

    if (left <= 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    tv.tv_sec = (time_t)(left / 1000);
    tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        return -1;
    return 0;
}

static const char *failure(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS || e == ETIMEDOUT
               ? "no answer in time"
               : strerror(e);
}

static int connect_to(const char *path, long long deadline_ms, char *err, size_t errlen)
{
    struct sockaddr_un a;
    int fd;

    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(err, errlen, "%s: socket path too long", path);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    if (limit_to(fd, deadline_ms) != 0 ||
        connect(fd, (const struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(err, errlen, "%s: %s", path, failure(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int hub_signer_ask(const char *path, const sth_request *req, long long deadline_ms,
                   sth_answer *ans, char *err, size_t errlen)
{
    uint8_t out[STH_REQ_MAX_LEN], in[STH_ANS_MAX_LEN + 1];
    size_t len = sth_request_encode(req, out);
    const char *why;
    ssize_t n;
    int fd;

    if (len == 0) {
        snprintf(err, errlen, "a proof of more than %d hashes", MERKLE_MAX_PATH);
        return -1;
    }
    fd = connect_to(path, deadline_ms, err, errlen);
    if (fd < 0)
        return -1;
    if (limit_to(fd, deadline_ms) != 0 || send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len) {
        snprintf(err, errlen, "%s: cannot send: %s", path, failure(errno));
        close(fd);
        return -1;
    }
    n = limit_to(fd, deadline_ms) != 0 ? -1 : recv(fd, in, sizeof in, MSG_TRUNC);
    if (n <= 0) {
        snprintf(err, errlen, "%s: %s", path,
                 n == 0 ? "closed without an answer" : failure(errno));
        close(fd);
        return -1;
    }
    close(fd);
    why = sth_answer_parse(ans, in, (size_t)n);
    if (why) {
        snprintf(err, errlen, "%s: the answer is %s", path, why);
        return -1;
    }
    return 0;
}
