/* certificate.c -- see certificate.h. */
#include "certificate.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "merkle.h"

static int fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Decodes a base64 string field into exactly n bytes. */
static int b64_field(json_t *o, const char *name, uint8_t *out, size_t n)
{
    json_t *v = json_object_get(o, name);

    return json_is_string(v) &&
                   base64_decode(out, n, json_string_value(v), json_string_length(v)) == (long)n
               ? 0
               : -1;
}

static int u64_field(json_t *o, const char *name, uint64_t *out)
{
    json_t *v = json_object_get(o, name);

    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int sth_from_json(json_t *o, const uint8_t key[ED25519_PUBLIC_LEN], sth *out,
                         char *why, size_t whylen)
{
    uint8_t sig[STH_SIG_LEN];

    if (!json_is_object(o) || u64_field(o, "tree_size", &out->tree_size) != 0 ||
        u64_field(o, "timestamp", &out->timestamp_ms) != 0 ||
        b64_field(o, "root_hash", out->root_hash, sizeof out->root_hash) != 0 ||
        b64_field(o, "signature", sig, sizeof sig) != 0)
        return fail(why, whylen, "tree head is malformed: needs tree_size, timestamp, "
                    "root_hash and signature");
    if (!sth_verify(out, sig, key))
        return fail(why, whylen, "tree head signature does not verify with the pinned log key");
    return 0;
}

static json_t *load(const char *json, size_t len, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *root;

    if (len > CERT_MAX_BYTES) {
        fail(why, whylen, "larger than %u bytes", CERT_MAX_BYTES);
        return NULL;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        fail(why, whylen, "not a JSON object (line %d column %d)", jerr.line, jerr.column);
        json_decref(root);
        return NULL;
    }
    return root;
}

int sth_json_verify(const char *json, size_t len, const uint8_t log_key[ED25519_PUBLIC_LEN],
                    sth *out, char *why, size_t whylen)
{
    json_t *root = load(json, len, why, whylen);
    int r;

    if (!root)
        return -1;
    r = sth_from_json(root, log_key, out, why, whylen);
    json_decref(root);
    return r;
}

static void copy_string(json_t *o, const char *name, char *dst, size_t dstlen)
{
    json_t *v = json_object_get(o, name);

    snprintf(dst, dstlen, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* The leaf's own claims: it must name this notice and carry an event and a
 * time; the timeline is filled from it. */
static int check_leaf(const uint8_t *leaf, size_t len, const char *notice, cert_event *ev,
                      char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *o = json_loadb((const char *)leaf, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *n = json_object_get(o, "notice");
    int r = 0;

    if (!json_is_object(o) || !json_is_string(json_object_get(o, "event")) ||
        !json_is_string(json_object_get(o, "at")))
        r = fail(why, whylen, "leaf %llu is not an evidence record",
                 (unsigned long long)ev->leaf_index);
    else if (!json_is_string(n) || strcmp(json_string_value(n), notice) != 0)
        r = fail(why, whylen, "leaf %llu names another notice",
                 (unsigned long long)ev->leaf_index);
    if (r == 0) {
        copy_string(o, "event", ev->event, sizeof ev->event);
        copy_string(o, "at", ev->at, sizeof ev->at);
        copy_string(o, "actor", ev->actor, sizeof ev->actor);
        copy_string(o, "reason", ev->reason, sizeof ev->reason);
    }
    json_decref(o);
    return r;
}

static int check_entry(json_t *e, const sth *head, const char *notice, cert_event *ev,
                       char *why, size_t whylen)
{
    uint8_t *leaf = NULL;
    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN];
    json_t *lv = json_object_get(e, "leaf"), *pv = json_object_get(e, "audit_path"), *p;
    size_t i, n;
    long leaflen;

    if (!json_is_object(e) || u64_field(e, "leaf_index", &ev->leaf_index) != 0 ||
        !json_is_string(lv) || !json_is_array(pv))
        return fail(why, whylen, "an entry is malformed: needs leaf_index, leaf, audit_path");
    n = json_array_size(pv);
    if (n > MERKLE_MAX_PATH)
        return fail(why, whylen, "audit path of leaf %llu is too long",
                    (unsigned long long)ev->leaf_index);
    json_array_foreach(pv, i, p) {
        if (!json_is_string(p) ||
            base64_decode(path[i], MERKLE_HASH_LEN, json_string_value(p),
                          json_string_length(p)) != MERKLE_HASH_LEN)
            return fail(why, whylen, "audit path of leaf %llu holds a bad hash",
                        (unsigned long long)ev->leaf_index);
    }
    leaf = malloc(CERT_MAX_LEAF);
    leaflen = leaf ? base64_decode(leaf, CERT_MAX_LEAF, json_string_value(lv),
                                   json_string_length(lv)) : -1;
    int r;
    if (leaflen < 0) {
        r = fail(why, whylen, "leaf %llu is not base64 or too large",
                 (unsigned long long)ev->leaf_index);
    } else {
        merkle_leaf_hash(leaf, (size_t)leaflen, lh);
        if (merkle_verify_inclusion(lh, ev->leaf_index, head->tree_size,
                                    (const uint8_t(*)[MERKLE_HASH_LEN])path, n,
                                    head->root_hash) != MERKLE_OK)
            r = fail(why, whylen, "leaf %llu is not in the signed tree (audit path fails)",
                     (unsigned long long)ev->leaf_index);
        else
            r = check_leaf(leaf, (size_t)leaflen, notice, ev, why, whylen);
    }
    free(leaf);
    return r;
}

static int check_entries(json_t *entries, cert_result *out, char *why, size_t whylen)
{
    size_t i;
    json_t *e;

    if (!json_is_array(entries) || json_array_size(entries) == 0)
        return fail(why, whylen, "no entries");
    if (json_array_size(entries) > CERT_MAX_ENTRIES)
        return fail(why, whylen, "more than %d entries", CERT_MAX_ENTRIES);
    json_array_foreach(entries, i, e) {
        cert_event *ev = &out->events[i];
        if (check_entry(e, &out->head, out->notice, ev, why, whylen) != 0)
            return -1;
        /* RFC 3339 UTC with fixed-width fields compares as text. */
        if (i > 0 && (ev->leaf_index <= out->events[i - 1].leaf_index ||
                      strcmp(ev->at, out->events[i - 1].at) < 0))
            return fail(why, whylen, "events are not in time order at leaf %llu",
                        (unsigned long long)ev->leaf_index);
        out->count = i + 1;
    }
    return 0;
}

int certificate_verify(const char *json, size_t len, const uint8_t log_key[ED25519_PUBLIC_LEN],
                       cert_result *out, char *why, size_t whylen)
{
    json_t *root = load(json, len, why, whylen), *fmt, *notice;
    int r = -1;

    if (!root)
        return -1;
    memset(out, 0, sizeof *out);
    fmt = json_object_get(root, "format");
    notice = json_object_get(root, "notice");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "herald-certificate-v1") != 0)
        fail(why, whylen, "not a herald-certificate-v1");
    else if (!json_is_string(notice) || json_string_length(notice) == 0 ||
             json_string_length(notice) >= sizeof out->notice)
        fail(why, whylen, "notice id missing or malformed");
    else {
        snprintf(out->notice, sizeof out->notice, "%s", json_string_value(notice));
        if (sth_from_json(json_object_get(root, "sth"), log_key, &out->head, why, whylen) == 0)
            r = check_entries(json_object_get(root, "entries"), out, why, whylen);
    }
    json_decref(root);
    return r;
}

int consistency_json_verify(const char *json, size_t len, const sth *first,
                            const sth *second, char *why, size_t whylen)
{
    uint8_t proof[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
    json_t *root = load(json, len, why, whylen), *pv, *p;
    uint64_t m, n;
    size_t i, count;
    int r = -1;

    if (!root)
        return -1;
    pv = json_object_get(root, "proof");
    if (u64_field(root, "first", &m) != 0 || u64_field(root, "second", &n) != 0 ||
        !json_is_array(pv) || json_array_size(pv) > MERKLE_MAX_PATH) {
        fail(why, whylen, "proof is malformed: needs first, second and proof");
        goto out;
    }
    if (m != first->tree_size || n != second->tree_size) {
        fail(why, whylen, "proof is for sizes %llu -> %llu, the heads are %llu -> %llu",
             (unsigned long long)m, (unsigned long long)n,
             (unsigned long long)first->tree_size, (unsigned long long)second->tree_size);
        goto out;
    }
    count = json_array_size(pv);
    json_array_foreach(pv, i, p) {
        if (!json_is_string(p) || base64_decode(proof[i], MERKLE_HASH_LEN, json_string_value(p),
                                                json_string_length(p)) != MERKLE_HASH_LEN) {
            fail(why, whylen, "proof holds a bad hash");
            goto out;
        }
    }
    if (merkle_verify_consistency(m, n, first->root_hash, second->root_hash,
                                  (const uint8_t(*)[MERKLE_HASH_LEN])proof, count) != MERKLE_OK) {
        fail(why, whylen, "the newer tree does not extend the older one (proof fails)");
        goto out;
    }
    r = 0;
out:
    json_decref(root);
    return r;
}

static void put_b64(buf *b, const uint8_t *data, size_t len)
{
    char *text = malloc(BASE64_LEN(len) + 1);

    if (!text) {
        b->broken = 1;
        return;
    }
    base64_encode(text, data, len);
    buf_printf(b, "\"%s\"", text);
    free(text);
}

static void put_sth(buf *b, const sth *head, const uint8_t sig[STH_SIG_LEN])
{
    buf_printf(b, "{\"tree_size\":%llu,\"timestamp\":%llu,\"root_hash\":",
               (unsigned long long)head->tree_size, (unsigned long long)head->timestamp_ms);
    put_b64(b, head->root_hash, sizeof head->root_hash);
    buf_puts(b, ",\"signature\":");
    put_b64(b, sig, STH_SIG_LEN);
    buf_puts(b, "}");
}

char *sth_json_encode(const sth *head, const uint8_t sig[STH_SIG_LEN])
{
    buf b;

    buf_init(&b, 256);
    put_sth(&b, head, sig);
    return buf_take(&b, NULL);
}

char *certificate_encode(const char *notice, const uint8_t log_key[ED25519_PUBLIC_LEN],
                         const sth *head, const uint8_t sig[STH_SIG_LEN],
                         const cert_entry *entries, size_t count)
{
    buf b;

    buf_init(&b, 1024 + count * 1500);
    buf_puts(&b, "{\"format\":\"herald-certificate-v1\",\"notice\":");
    buf_json_string(&b, notice);
    buf_puts(&b, ",\"log_key\":");
    put_b64(&b, log_key, ED25519_PUBLIC_LEN);
    buf_puts(&b, ",\"sth\":");
    put_sth(&b, head, sig);
    buf_puts(&b, ",\"entries\":[");
    for (size_t i = 0; i < count; i++) {
        const cert_entry *e = &entries[i];
        buf_printf(&b, "%s{\"leaf_index\":%llu,\"leaf\":", i ? "," : "",
                   (unsigned long long)e->leaf_index);
        put_b64(&b, e->leaf, e->leaf_len);
        buf_puts(&b, ",\"audit_path\":[");
        for (size_t j = 0; j < e->path_len; j++) {
            if (j)
                buf_puts(&b, ",");
            put_b64(&b, e->path[j], 32);
        }
        buf_puts(&b, "]}");
    }
    buf_puts(&b, "]}");
    return buf_take(&b, NULL);
}
