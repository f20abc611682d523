/* certificate.c -- see certificate.h. */
#include "certificate.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json_field.h"
#include "merkle.h"
#include "sth_json.h"

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
        r = json_field_fail(why, whylen, "leaf %llu is not an evidence record",
                            (unsigned long long)ev->leaf_index);
    else if (!json_is_string(n) || strcmp(json_string_value(n), notice) != 0)
        r = json_field_fail(why, whylen, "leaf %llu names another notice",
                            (unsigned long long)ev->leaf_index);
    if (r == 0) {
        copy_string(o, "event", ev->event, sizeof ev->event);
        copy_string(o, "at", ev->at, sizeof ev->at);
        copy_string(o, "actor", ev->actor, sizeof ev->actor);
        copy_string(o, "reason", ev->reason, sizeof ev->reason);
        copy_string(o, "channel", ev->channel, sizeof ev->channel);
        copy_string(o, "reference", ev->reference, sizeof ev->reference);
        copy_string(o, "batch", ev->batch, sizeof ev->batch);
    }
    json_decref(o);
    return r;
}

void cert_event_channel(const cert_event *e, char *out, size_t cap)
{
    if (e->batch[0]) { /* a PrintHandover names no channel, but its batch */
        snprintf(out, cap, "batch %s", e->batch);
        return;
    }
    snprintf(out, cap, "%s%s%s", e->channel, e->channel[0] && e->reference[0] ? " " : "",
             e->channel[0] ? e->reference : "");
}

static int check_entry(json_t *e, const sth *head, const char *notice, cert_event *ev,
                       char *why, size_t whylen)
{
    uint8_t *leaf = NULL;
    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN];
    json_t *lv = json_object_get(e, "leaf"), *pv = json_object_get(e, "audit_path"), *p;
    size_t i, n;
    long leaflen;

    if (!json_is_object(e) || json_field_u64(e, "leaf_index", &ev->leaf_index) != 0 ||
        !json_is_string(lv) || !json_is_array(pv))
        return json_field_fail(why, whylen,
                               "an entry is malformed: needs leaf_index, leaf, audit_path");
    n = json_array_size(pv);
    if (n > MERKLE_MAX_PATH)
        return json_field_fail(why, whylen, "audit path of leaf %llu is too long",
                               (unsigned long long)ev->leaf_index);
    json_array_foreach(pv, i, p) {
        if (!json_is_string(p) ||
            base64_decode(path[i], MERKLE_HASH_LEN, json_string_value(p),
                          json_string_length(p)) != MERKLE_HASH_LEN)
            return json_field_fail(why, whylen, "audit path of leaf %llu holds a bad hash",
                                   (unsigned long long)ev->leaf_index);
    }
    /* Sized by the text: base64 holds 3 bytes in 4 characters. */
    size_t cap = json_string_length(lv) / 4 * 3 + 3;
    cap = cap < CERT_MAX_LEAF ? cap : CERT_MAX_LEAF;
    leaf = malloc(cap);
    leaflen = leaf ? base64_decode(leaf, cap, json_string_value(lv),
                                   json_string_length(lv)) : -1;
    int r;
    if (leaflen < 0) {
        r = json_field_fail(why, whylen, "leaf %llu is not base64 or too large",
                            (unsigned long long)ev->leaf_index);
    } else {
        merkle_leaf_hash(leaf, (size_t)leaflen, lh);
        if (merkle_verify_inclusion(lh, ev->leaf_index, head->tree_size,
                                    (const uint8_t(*)[MERKLE_HASH_LEN])path, n,
                                    head->root_hash) != MERKLE_OK)
            r = json_field_fail(why, whylen,
                                "leaf %llu is not in the signed tree (audit path fails)",
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
        return json_field_fail(why, whylen, "no entries");
    if (json_array_size(entries) > CERT_MAX_ENTRIES)
        return json_field_fail(why, whylen, "more than %d entries", CERT_MAX_ENTRIES);
    json_array_foreach(entries, i, e) {
        cert_event *ev = &out->events[i];
        memset(ev, 0, sizeof *ev);
        if (check_entry(e, &out->head, out->notice, ev, why, whylen) != 0)
            return -1;
        /* RFC 3339 UTC with fixed-width fields compares as text. */
        if (i > 0 && ev->leaf_index <= out->events[i - 1].leaf_index)
            return json_field_fail(why, whylen, "leaf indices must strictly increase: leaf %llu"
                                   " after leaf %llu (an entry repeated or out of log order)",
                                   (unsigned long long)ev->leaf_index,
                                   (unsigned long long)out->events[i - 1].leaf_index);
        if (i > 0 && strcmp(ev->at, out->events[i - 1].at) < 0)
            return json_field_fail(why, whylen, "events are not in time order at leaf %llu",
                                   (unsigned long long)ev->leaf_index);
        out->count = i + 1;
    }
    return 0;
}

int certificate_verify(const char *json, size_t len, const uint8_t log_key[ED25519_PUBLIC_LEN],
                       cert_result *out, char *why, size_t whylen)
{
    json_t *root = json_field_load(json, len, CERT_MAX_BYTES, why, whylen), *fmt, *notice;
    int r = -1;

    if (!root)
        return -1;
    /* The events are cleared as they are filled: out is ~0.5 MB, and the
     * timeline is only ever read up to count. */
    memset(out, 0, offsetof(cert_result, events));
    fmt = json_object_get(root, "format");
    notice = json_object_get(root, "notice");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "herald-certificate-v1") != 0)
        json_field_fail(why, whylen, "not a herald-certificate-v1");
    else if (!json_is_string(notice) || json_string_length(notice) == 0 ||
             json_string_length(notice) >= sizeof out->notice)
        json_field_fail(why, whylen, "notice id missing or malformed");
    else {
        snprintf(out->notice, sizeof out->notice, "%s", json_string_value(notice));
        if (sth_json_check(json_object_get(root, "sth"), log_key, &out->head, why, whylen) == 0)
            r = check_entries(json_object_get(root, "entries"), out, why, whylen);
    }
    json_decref(root);
    return r;
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
    buf_base64(&b, log_key, ED25519_PUBLIC_LEN);
    buf_puts(&b, ",\"sth\":");
    sth_json_append(&b, head, sig);
    buf_puts(&b, ",\"entries\":[");
    for (size_t i = 0; i < count; i++) {
        const cert_entry *e = &entries[i];
        buf_printf(&b, "%s{\"leaf_index\":%llu,\"leaf\":", i ? "," : "",
                   (unsigned long long)e->leaf_index);
        buf_base64(&b, e->leaf, e->leaf_len);
        buf_puts(&b, ",\"audit_path\":[");
        for (size_t j = 0; j < e->path_len; j++) {
            if (j)
                buf_puts(&b, ",");
            buf_base64(&b, e->path[j], 32);
        }
        buf_puts(&b, "]}");
    }
    buf_puts(&b, "]}");
    return buf_take(&b, NULL);
}
