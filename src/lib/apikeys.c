/* apikeys.c -- see apikeys.h. */
#include "apikeys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "http_server.h"
#include "log.h"

#define CLIENTS_FILE_MAX (4 << 20)

int apikeys_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > APIKEY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static const char *word_end(const char *p, const char *end)
{
    while (p < end && *p != ' ' && *p != '\t' && *p != '#')
        p++;
    return p;
}

/* Parses one line; 0 = entry, 1 = blank or comment, -1 = error. */
static int parse_line(const char *p, const char *end, apikey_entry *e, const char **why)
{
    const char *name, *name_end, *hash, *hash_end;

    p = skip_space(p, end);
    if (p == end || *p == '#')
        return 1;
    name = p;
    name_end = word_end(p, end);
    hash = skip_space(name_end, end);
    hash_end = word_end(hash, end);
    if (!apikeys_name_ok(name, (size_t)(name_end - name))) {
        *why = "name must be 1-64 characters of letters, digits, '.', '_' or '-'";
        return -1;
    }
    if (hex_decode(e->hash, sizeof e->hash, hash, (size_t)(hash_end - hash)) != 32) {
        *why = "expected NAME followed by the 64-hex-digit SHA-256 of the key";
        return -1;
    }
    p = skip_space(hash_end, end);
    if (p != end && *p != '#') {
        *why = "unexpected text after the hash";
        return -1;
    }
    memcpy(e->name, name, (size_t)(name_end - name));
    e->name[name_end - name] = '\0';
    return 0;
}

int apikeys_parse(apikeys *keys, const char *text, size_t len, char *err, size_t errlen)
{
    const char *p = text, *end = text + len;
    size_t lineno = 0;

    keys->entries = NULL;
    keys->count = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *why = NULL;
        apikey_entry e;
        int r;

        lineno++;
        if (le > p && le[-1] == '\r')
            le--;
        r = parse_line(p, le, &e, &why);
        if (r < 0) {
            snprintf(err, errlen, "line %zu: %s", lineno, why);
            apikeys_free(keys);
            return -1;
        }
        if (r == 0) {
            if (keys->count == APIKEY_MAX_ENTRIES) {
                snprintf(err, errlen, "line %zu: more than %d clients", lineno,
                         APIKEY_MAX_ENTRIES);
                apikeys_free(keys);
                return -1;
            }
            apikey_entry *n = realloc(keys->entries, (keys->count + 1) * sizeof *n);
            if (!n) {
                snprintf(err, errlen, "out of memory");
                apikeys_free(keys);
                return -1;
            }
            keys->entries = n;
            keys->entries[keys->count++] = e;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int apikeys_load(apikeys *keys, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    char inner[200];
    int r;

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    buf = malloc(CLIENTS_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n = fread(buf, 1, CLIENTS_FILE_MAX + 1, f);
    fclose(f);
    if (n > CLIENTS_FILE_MAX) {
        free(buf);
        snprintf(err, errlen, "%s: larger than %d bytes", path, CLIENTS_FILE_MAX);
        return -1;
    }
    r = apikeys_parse(keys, buf, n, inner, sizeof inner);
    free(buf);
    if (r != 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    return r;
}

void apikeys_free(apikeys *keys)
{
    free(keys->entries);
    keys->entries = NULL;
    keys->count = 0;
}

const apikey_entry *apikeys_check(const apikeys *keys, const char *authorization)
{
    static const char scheme[] = "Bearer ";
    const apikey_entry *found = NULL;
    uint8_t h[32];
    size_t n;

    if (!authorization || strncmp(authorization, scheme, sizeof scheme - 1) != 0)
        return NULL;
    authorization += sizeof scheme - 1;
    n = strlen(authorization);
    if (n == 0 || n > APIKEY_TOKEN_MAX)
        return NULL;
    sha256(authorization, n, h);
    /* No early exit: every entry is compared. */
    for (size_t i = 0; i < keys->count; i++)
        if (ct_equal(h, keys->entries[i].hash, sizeof h) && !found)
            found = &keys->entries[i];
    return found;
}

const apikey_entry *apikeys_authorize(const apikeys *keys, const http_request *req,
                                      http_response *resp)
{
    const apikey_entry *e = apikeys_check(keys, http_header(req, "Authorization"));

    if (!e) {
        http_reply_error(resp, 401, "missing or unknown API key");
        http_add_header(resp, "WWW-Authenticate", "Bearer");
        log_warn("%s %s refused: missing or unknown API key", req->method, req->path);
    }
    return e;
}

void apikeys_generate(char key[65], char hash_hex[65])
{
    uint8_t raw[32], h[32];

    random_bytes(raw, sizeof raw);
    hex_encode(key, raw, sizeof raw);
    sha256(key, 64, h);
    hex_encode(hash_hex, h, sizeof h);
    secure_wipe(raw, sizeof raw);
}
