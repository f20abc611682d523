/* demo_tls.h -- TLS between the demo's roles.
 *
 * idsvc, the hub and the platforms serve TLS 1.3 with keys and
 * self-signed certificates made here (the same code as `herald keygen
 * --tls`), and every caller pins the callee's key in its config. The
 * citizen-facing pages stay plain HTTP on loopback so a browser opens
 * them without a certificate warning: the platforms serve them on a
 * second, loopback-only web_listen, and the agency (its documents and its
 * back-office API, which no role calls) serves plain HTTP on loopback.
 * With --plain-http every role serves plain loopback HTTP, for comparing
 * the cost of TLS. */
#ifndef HERALD_DEMO_TLS_H
#define HERALD_DEMO_TLS_H

#include "buf.h"
#include "demo.h"

/* Makes the TLS pairs (in each role's folder, tls.key and tls.crt) and
 * pins them for the demo's own calls. Returns 0, or -1 with err. */
int demo_tls_setup(demo *d, char *err, size_t errlen);

/* "https://127.0.0.1:PORT", or http:// with --plain-http. */
void demo_tls_url(const demo *d, int port, char *out, size_t outlen);

/* Appends a peer's "url = ...\npin = ...\n" to ini (no pin with
 * --plain-http). pin is one of d's pins. */
void demo_tls_peer(const demo *d, buf *ini, int port, const char *pin);

/* Appends the role's [tls] section: its pair, or plain_http = loopback. */
void demo_tls_section(const demo *d, buf *ini, int serves_tls);

#endif
