/* http_client.h -- role-to-role calls: JSON over HTTP with a bearer key.
 *
 * One client per calling thread keeps its connection alive between batch
 * calls (libcurl's connection cache), so a stream of batches does not pay
 * a TCP handshake each. Responses are size-limited like requests are. */
#ifndef HERALD_HTTP_CLIENT_H
#define HERALD_HTTP_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <jansson.h>

#include "buf.h"

typedef struct http_client http_client;

/* base_url like "http://127.0.0.1:7001" (no trailing slash needed);
 * bearer_key may be NULL. */
http_client *http_client_new(const char *base_url, const char *bearer_key);
void http_client_free(http_client *c);

/* How long a whole http_client_call may take before it counts as no
 * answer (120 s unless set; ms <= 0 restores that). */
void http_client_set_timeout_ms(http_client *c, long ms);
/* Calls end, failed, within about a second of CLOCK_MONOTONIC passing
 * *at_ms (milliseconds; 0: never): a stopping server's calls to a peer
 * that does not answer, after a grace that lets calls to one that does
 * finish. at_ms must outlive c; NULL: calls run their course. */
void http_client_abort_at(http_client *c, const atomic_llong *at_ms);

/* The longest reply a call takes (64 MiB unless set; 0 restores that): a
 * caller that knows how long a genuine answer can be caps it, so that a
 * peer's answer cannot make a JSON tree of gigabytes. A longer reply
 * fails the call. */
void http_client_set_reply_max(http_client *c, size_t bytes);

/* Sends body (may be NULL for GET) to base_url + path (an empty path:
 * base_url exactly as given, with its final '/' if it had one). Returns the HTTP
 * status (0 when no answer came: connection refused, timeout) and, when
 * the answer parsed as JSON, a new reference in *reply. err gets a short
 * description of any failure. */
int http_client_call(http_client *c, const char *method, const char *path,
                     const char *body, size_t body_len, json_t **reply,
                     char *err, size_t errlen);

/* The Retry-After of the last http_client_call's or http_client_post_raw's
 * 429 or 503 answer, in seconds (at most a day; an HTTP date is turned
 * into seconds from now), or -1 when it had none. */
long http_client_retry_after_s(const http_client *c);

/* 1 when the last call got no answer because the peer's key is not the
 * one pinned for it (tls_pin.h): a configuration error or an impostor,
 * which retrying does not mend. */
int http_client_pin_refused(const http_client *c);

/* Same, with a JSON body (not stolen). */
int http_client_json(http_client *c, const char *method, const char *path,
                     json_t *body, json_t **reply, char *err, size_t errlen);

/* A POST to a peer outside herald (a messenger's push gateway): extra
 * header lines ("Name: value", several separated by '\n'; may be NULL), a timeout of its own,
 * and the answer's bytes appended to reply (up to 64 MiB) for the caller
 * to parse, so that a bad answer can be told from none; reply NULL reads
 * the answer and lets it go, whatever its size (only the status counts). Returns the HTTP
 * status, or 0 when no answer came: then *unsent is 1 when the request
 * cannot have reached the peer (no connection made, nothing written), 0
 * when it may have (a timeout or a reset after sending), which makes the
 * outcome unknown. */
int http_client_post_raw(http_client *c, const char *path, const char *header,
                         const char *body, size_t body_len, long timeout_ms, buf *reply,
                         int *unsent, char *err, size_t errlen);

/* A GET whose answer is not JSON (a PDF): extra header lines as for
 * http_client_post_raw, the answer's bytes appended to reply. Returns the
 * HTTP status, 0 when no answer came (err says why). */
int http_client_get_raw(http_client *c, const char *path, const char *header, buf *reply,
                        char *err, size_t errlen);

/* Reads a one-line bearer key file (mode 0600) into key (65+ bytes). */
int http_client_read_key(const char *path, char *key, size_t keylen,
                         char *err, size_t errlen);

#endif
