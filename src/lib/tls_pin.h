/* tls_pin.h -- which public key each herald peer must present.
 *
 * Roles trust each other by pinned public keys, not by certificate
 * authorities: a peer's section in a config names its https URL and the
 * SHA-256 of its SubjectPublicKeyInfo ("sha256//BASE64", the form libcurl's
 * CURLOPT_PINNEDPUBLICKEY takes and `herald keygen --tls` prints). The
 * pins are registered here by origin when a config is read, before any
 * thread starts, and http_client_new looks its base URL's pin up, so no
 * call site carries pins around. */
#ifndef HERALD_TLS_PIN_H
#define HERALD_TLS_PIN_H

#include <stddef.h>

/* "sha256//" and 44 characters of base64, plus the NUL. */
#define TLS_PIN_LEN 53
#define TLS_PIN_MAX_PEERS 64

/* 1 when pin is "sha256//" followed by the base64 of 32 bytes. */
int tls_pin_valid(const char *pin);

/* Pins url's origin (scheme://host:port) to pin. Returns 0, or -1 when
 * the pin is malformed, the URL has no origin, or the table is full. A
 * second pin for the same origin replaces the first. */
int tls_pin_set(const char *url, const char *pin);

/* Copies the pin of url's origin into out (TLS_PIN_LEN bytes) and returns
 * 1, or returns 0 when none was set. */
int tls_pin_for(const char *url, char out[TLS_PIN_LEN]);

#endif
