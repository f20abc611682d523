/* push_answer.h -- reading a push gateway's answer to one batch.
 *
 * The answer comes from outside: it may be cut, not JSON, or JSON that
 * does not fit the batch. Nothing of it is recorded unless every result
 * fits (one per alert, in order, the alert's id, a known status, an
 * accepted alert's message id well formed), since a half-read answer
 * would settle some alerts on a guess. No I/O. */
#ifndef HERALD_PUSH_ANSWER_H
#define HERALD_PUSH_ANSWER_H

#include <jansson.h>
#include <stddef.h>

/* One alert's result; the strings are borrowed from the answer's tree. */
typedef struct push_result {
    int accepted;
    const char *message_id; /* accepted: the reference its receipts name */
    const char *reason;     /* rejected: the gateway's reason, never NULL */
} push_result;

/* Reads body (len bytes) as the answer to the batch of n alerts whose
 * ids are ids, in order. Returns the parsed tree (the results' strings
 * live as long as it; json_decref it) with out[0..n-1] filled, or NULL
 * with what was wrong in why (the body's start shown, printable, when it
 * is not JSON). */
json_t *push_answer_read(const char *body, size_t len, const long long *ids, int n,
                         push_result *out, char *why, size_t whylen);

/* The start of a refusal's body (at most 120 bytes), made printable, in
 * out: what the gateway said, for the log, with each run of 8 or more
 * digits (a phone it may echo) masked but its first 3 and last 4. */
void push_answer_shown(const char *body, size_t len, char *out, size_t outlen);

#endif
