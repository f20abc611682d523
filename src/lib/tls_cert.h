/* tls_cert.h -- a role's TLS key and self-signed certificate (GnuTLS).
 *
 * Roles pin each other's public keys (tls_pin.h), so a certificate needs
 * no authority: `herald keygen --tls` and the demo make an ECDSA P-256 key
 * and a certificate signed by that key, and print the key's pin for the
 * peers' configs. The same code reads a certificate's pin back, for the
 * log line a role writes when it starts serving TLS. */
#ifndef HERALD_TLS_CERT_H
#define HERALD_TLS_CERT_H

#include <stddef.h>

#include "tls_pin.h"

/* Writes a new key to key_path (PEM, mode 0600, never overwriting) and a
 * certificate to cert_path (PEM, mode 0644) for name (its CN), valid for
 * days, naming each of hosts (IP addresses or DNS names, may be 0 of them)
 * as a subjectAltName. The key's pin goes to pin. Returns 0, or -1 with
 * a message in err. */
int tls_cert_create(const char *key_path, const char *cert_path, const char *name,
                    const char *const *hosts, size_t nhosts, int days,
                    char pin[TLS_PIN_LEN], char *err, size_t errlen);

/* The pin of the public key of the first certificate in pem. Returns 0,
 * or -1 with err when pem holds no certificate GnuTLS can read. */
int tls_cert_pin(const char *pem, size_t len, char pin[TLS_PIN_LEN], char *err, size_t errlen);

/* Reads a PEM file (at most 64 KiB) into a new NUL-terminated string; a
 * secret one (a key) must not be readable by group or others. Returns
 * NULL with err. */
char *tls_read_pem(const char *path, int secret, char *err, size_t errlen);

#endif
