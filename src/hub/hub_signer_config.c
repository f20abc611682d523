/* hub_signer_config.c -- see hub_signer_config.h. */
#include "hub_signer_config.h"

#include <stdio.h>
#include <string.h>

#include "keyfile.h"

int hub_signer_config_read(const config *cfg, hub_signer_config *out, char *err, size_t errlen)
{
    const char *sock = config_get(cfg, "hub", "signer");
    const char *pub = config_get(cfg, "hub", "log_pub");
    char path[4096];

    if (!sock)
        return 0;
    if (config_get(cfg, "hub", "log_key")) {
        snprintf(err, errlen, "%s: [hub] signer and log_key are both set: the signer holds "
                 "the key, the hub must not", cfg->path);
        return -1;
    }
    if (!pub) {
        snprintf(err, errlen, "%s: [hub] signer needs log_pub (the log's public key, "
                 "herald keygen --ed25519 wrote it beside the key)", cfg->path);
        return -1;
    }
    config_path(cfg, sock, path, sizeof path);
    if (strlen(path) >= sizeof out->socket) {
        snprintf(err, errlen, "%s: [hub] signer: a socket path must be under %zu bytes",
                 cfg->path, sizeof out->socket);
        return -1;
    }
    snprintf(out->socket, sizeof out->socket, "%s", path);
    config_path(cfg, pub, path, sizeof path);
    return keyfile_read(path, 0, out->pk, sizeof out->pk, err, errlen) != 0 ? -1 : 1;
}
