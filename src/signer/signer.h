/* signer.h -- `herald signer`: the process that holds the evidence log's
 * Ed25519 key and signs tree heads for the hub, and nothing else
 * (docs/design.md §4, "The signer").
 *
 * signer_main.c reads the options, the key and the state as root (when
 * started so), binds the socket, gives up root and installs the seccomp
 * filter (signer_syscalls.c); signer_server.c then answers one request
 * per connection until SIGTERM or SIGINT. */
#ifndef HERALD_SIGNER_H
#define HERALD_SIGNER_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "crypto.h"
#include "sandbox.h"
#include "signer_state.h"

typedef struct signer {
    int listen_fd;
    uid_t client_uid;      /* the only peer uid answered */
    uint8_t *sk;           /* secure memory */
    uint8_t pk[ED25519_PUBLIC_LEN];
    signer_state state;
    long long logged_ms;   /* the last "signed" line, on the monotonic clock */
} signer;

/* Binds a SOCK_SEQPACKET socket at path, mode 0600, owned by owner
 * (unless (uid_t)-1): only that user (and root) may connect. A socket
 * left by a dead signer is removed; one a live signer answers on, or a
 * file that is not a socket, is refused. Returns the fd, or -1 with why. */
int signer_listen(const char *path, uid_t owner, gid_t group, char *err, size_t errlen);

/* Answers requests until a shutdown signal sets *stop. */
/* Answers until *stop is set by a stop signal, which must be blocked
 * but in wait_mask. */
void signer_serve(signer *s, volatile sig_atomic_t *stop, const sigset_t *wait_mask);

/* The calls signer_serve makes (signer_syscalls.c). */
extern const sandbox_list signer_syscalls;

#endif
