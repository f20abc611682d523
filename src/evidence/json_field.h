/* json_field.h -- reading the evidence JSON a verifier is handed.
 *
 * Certificates, tree heads and consistency proofs arrive from anyone (a
 * court, a citizen, the hub's public endpoints) and are read by the same
 * few rules: a size limit before parsing, an object at the top, integers
 * that are not negative, base64 that decodes to exactly the length the
 * format fixes. Reasons are written for a person and never quote the input. */
#ifndef HERALD_JSON_FIELD_H
#define HERALD_JSON_FIELD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the reason into why; returns -1 so a caller can return it. */
int json_field_fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses at most max bytes that must hold a JSON object; NULL with why. */
json_t *json_field_load(const char *json, size_t len, size_t max, char *why, size_t whylen);
/* A base64 string member decoding to exactly n bytes: 0, or -1. */
int json_field_b64(json_t *o, const char *name, uint8_t *out, size_t n);
/* A non-negative integer member: 0, or -1. */
int json_field_u64(json_t *o, const char *name, uint64_t *out);

#endif
