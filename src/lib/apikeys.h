/* apikeys.h -- who may call a role: bearer API keys, kept only as hashes.
 *
 * A clients file lists one caller per line: "NAME SHA256HEX", '#' starts a
 * comment. The role never sees a key at rest, only its SHA-256, so a leaked
 * clients file lets nobody in. A presented key is hashed and compared in
 * constant time against every entry, so timing says nothing about which
 * entry nearly matched. */
#ifndef HERALD_APIKEYS_H
#define HERALD_APIKEYS_H

#include <stddef.h>
#include <stdint.h>

#define APIKEY_NAME_MAX 64
#define APIKEY_MAX_ENTRIES 10000
#define APIKEY_TOKEN_MAX 256

typedef struct apikey_entry {
    char name[APIKEY_NAME_MAX + 1];
    uint8_t hash[32];
} apikey_entry;

typedef struct apikeys {
    apikey_entry *entries;
    size_t count;
} apikeys;

/* Parses clients-file text. Returns 0, or -1 with "line N: reason" in err. */
int apikeys_parse(apikeys *keys, const char *text, size_t len, char *err, size_t errlen);
int apikeys_load(apikeys *keys, const char *path, char *err, size_t errlen);
void apikeys_free(apikeys *keys);

/* Checks an Authorization header value ("Bearer KEY"). Returns the caller's
 * entry, or NULL when the header is missing, malformed or unknown. */
const apikey_entry *apikeys_check(const apikeys *keys, const char *authorization);

struct http_request;
struct http_response;
/* apikeys_check on the request's Authorization header; when it fails,
 * answers 401 with WWW-Authenticate, logs the refusal (path only) and
 * returns NULL. */
const apikey_entry *apikeys_authorize(const apikeys *keys, const struct http_request *req,
                                      struct http_response *resp);

/* A fresh key (64 hex characters) and its clients-file hash. */
void apikeys_generate(char key[65], char hash_hex[65]);

/* 1 if name is 1-64 characters of [A-Za-z0-9._-]. */
int apikeys_name_ok(const char *name, size_t len);

#endif
