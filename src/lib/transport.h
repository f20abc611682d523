/* transport.h -- how a role serves and calls: TLS 1.3 with pinned keys,
 * or plain HTTP on loopback only when its configuration says so.
 *
 * A role's config has a [tls] section: `cert` and `key` (PEM files, made
 * by `herald keygen --tls`) to serve TLS on its listen address, and
 * `plain_http = loopback` to allow plain HTTP, which is then accepted only
 * on loopback addresses, for serving and for calling. Each peer's section
 * names its URL and, for https, the peer's `pin`. A role refuses to start
 * on anything else, saying which setting to change, so that no deployment
 * speaks plain HTTP across a network by omission. */
#ifndef HERALD_TRANSPORT_H
#define HERALD_TRANSPORT_H

#include <stddef.h>

#include "config.h"
#include "tls_pin.h"

struct http_server;

typedef struct transport {
    char *cert_pem, *key_pem; /* this role's certificate and key; NULL: none */
    char pin[TLS_PIN_LEN];     /* the certificate's pin, for the log */
    int plain_loopback;        /* plain_http = loopback */
    /* The settings' names, for messages: "[tls] cert and key" and
     * "[tls] plain_http = loopback", or the command-line options. */
    const char *tls_setting, *plain_setting;
} transport;

/* Reads cfg's [tls] (all of it optional). Returns 0, or -1 with err. */
int transport_from_config(transport *t, const config *cfg, char *err, size_t errlen);

/* The same from files named on a command line (either may be NULL). */
int transport_from_files(transport *t, const char *cert, const char *key, int plain_loopback,
                         char *err, size_t errlen);

/* Before serving on listen ("HOST:PORT"): with a certificate, has server s
 * serve TLS 1.3 with it (s may be NULL to check only); without one,
 * refuses unless plain HTTP is allowed and listen is a loopback address.
 * what names the setting in messages ("[hub] listen", "--listen").
 * Returns 0, or -1 with err. */
int transport_serve(const transport *t, struct http_server *s, const char *listen,
                    const char *what, char *err, size_t errlen);

/* A peer's url from [section] of cfg: https needs the section's pin (which
 * is registered for http_client), http needs plain HTTP allowed and a
 * loopback host. Returns 0, or -1 with err. */
int transport_peer(const transport *t, const config *cfg, const char *section, const char *url,
                   char *err, size_t errlen);

/* 1 when host (a numeric address or "localhost") is loopback. */
int transport_is_loopback(const char *host);

/* One line for the start-up log: "TLS 1.3 (pin sha256//...)" or "plain
 * HTTP (loopback only)". */
const char *transport_describe(const transport *t, char *out, size_t outlen);

void transport_free(transport *t);

#endif
