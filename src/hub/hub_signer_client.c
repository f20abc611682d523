/* hub_signer_client.c -- see hub_signer_client.h. */
#include "hub_signer_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a;
    struct timeval tv = {HUB_SIGNER_TIMEOUT_MS / 1000, (HUB_SIGNER_TIMEOUT_MS % 1000) * 1000};
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
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        connect(fd, (const struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int hub_signer_ask(const char *path, const sth_request *req, sth_answer *ans, char *err,
                   size_t errlen)
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
    fd = connect_to(path, err, errlen);
    if (fd < 0)
        return -1;
    if (send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len) {
        snprintf(err, errlen, "%s: cannot send: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    n = recv(fd, in, sizeof in, MSG_TRUNC);
    close(fd);
    if (n <= 0) {
        snprintf(err, errlen, "%s: %s", path, n == 0 ? "closed without an answer"
                 : errno == EAGAIN ? "no answer in time" : strerror(errno));
        return -1;
    }
    why = sth_answer_parse(ans, in, (size_t)n);
    if (why) {
        snprintf(err, errlen, "%s: the answer is %s", path, why);
        return -1;
    }
    return 0;
}
