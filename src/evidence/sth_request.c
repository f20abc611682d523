/* sth_request.c -- see sth_request.h. */
#include "sth_request.h"

#include <stdio.h>
#include <string.h>

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
    return p + 8;
}

static const uint8_t *get_u64(const uint8_t *p, uint64_t *v)
{
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v = (*v << 8) | p[i];
    return p + 8;
}

size_t sth_request_encode(const sth_request *req, uint8_t *out)
{
    uint8_t *p = out;

    if (req->proof_len > MERKLE_MAX_PATH)
        return 0;
    memcpy(p, STH_REQ_MAGIC, 4);
    p = put_u64(p + 4, req->head.timestamp_ms);
    p = put_u64(p, req->head.tree_size);
    memcpy(p, req->head.root_hash, MERKLE_HASH_LEN);
    p = put_u64(p + MERKLE_HASH_LEN, req->old_size);
    *p++ = (uint8_t)req->proof_len;
    memcpy(p, req->proof, req->proof_len * MERKLE_HASH_LEN);
    return (size_t)(p - out) + req->proof_len * MERKLE_HASH_LEN;
}

const char *sth_request_parse(sth_request *req, const uint8_t *in, size_t len)
{
    const uint8_t *p = in;

    if (len < STH_REQ_FIXED_LEN)
        return "shorter than a request";
    if (len > STH_REQ_MAX_LEN)
        return "longer than any request";
    if (memcmp(p, STH_REQ_MAGIC, 4) != 0)
        return "not a request to sign a tree head";
    p = get_u64(p + 4, &req->head.timestamp_ms);
    p = get_u64(p, &req->head.tree_size);
    memcpy(req->head.root_hash, p, MERKLE_HASH_LEN);
    p = get_u64(p + MERKLE_HASH_LEN, &req->old_size);
    req->proof_len = *p++;
    if (req->proof_len > MERKLE_MAX_PATH)
        return "a proof of more than 64 hashes";
    if (len != STH_REQ_FIXED_LEN + req->proof_len * MERKLE_HASH_LEN)
        return "its length does not match its proof";
    if (req->head.tree_size > MERKLE_MAX_TREE_SIZE || req->old_size > req->head.tree_size)
        return "tree sizes out of range";
    if (req->head.timestamp_ms > (uint64_t)INT64_MAX)
        return "a time out of range";
    memcpy(req->proof, p, req->proof_len * MERKLE_HASH_LEN);
    return NULL;
}

size_t sth_answer_encode(const sth_answer *ans, uint8_t *out)
{
    size_t rlen = strnlen(ans->reason, STH_REASON_MAX);
    uint8_t *p = out;

    memcpy(p, STH_ANS_MAGIC, 4);
    p[4] = (uint8_t)ans->status;
    p[5] = ans->has_last ? 1 : 0;
    memcpy(p + 6, ans->sig, STH_SIG_LEN);
    p = put_u64(p + 6 + STH_SIG_LEN, ans->last.timestamp_ms);
    p = put_u64(p, ans->last.tree_size);
    memcpy(p, ans->last.root_hash, MERKLE_HASH_LEN);
    p += MERKLE_HASH_LEN;
    *p++ = (uint8_t)rlen;
    memcpy(p, ans->reason, rlen);
    return (size_t)(p - out) + rlen;
}

const char *sth_answer_parse(sth_answer *ans, const uint8_t *in, size_t len)
{
    const uint8_t *p = in;
    size_t rlen;

    if (len < STH_ANS_FIXED_LEN || len > STH_ANS_MAX_LEN)
        return "not the length of an answer";
    if (memcmp(p, STH_ANS_MAGIC, 4) != 0)
        return "not an answer from a signer";
    if (p[4] > STH_MALFORMED || p[5] > 1)
        return "an unknown status";
    ans->status = (sth_answer_status)p[4];
    ans->has_last = p[5];
    memcpy(ans->sig, p + 6, STH_SIG_LEN);
    p = get_u64(p + 6 + STH_SIG_LEN, &ans->last.timestamp_ms);
    p = get_u64(p, &ans->last.tree_size);
    memcpy(ans->last.root_hash, p, MERKLE_HASH_LEN);
    p += MERKLE_HASH_LEN;
    rlen = *p++;
    if (len != STH_ANS_FIXED_LEN + rlen || rlen > STH_REASON_MAX)
        return "its length does not match its reason";
    for (size_t i = 0; i < rlen; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return "a reason that is not printable text";
    memcpy(ans->reason, p, rlen);
    ans->reason[rlen] = '\0';
    return NULL;
}

sth_answer_status sth_request_check(const sth *last, const sth_request *req, uint64_t now_ms,
                                    char *why, size_t whylen)
{
    const sth *h = &req->head;

    if (h->timestamp_ms > now_ms + STH_SIGNER_MAX_AHEAD_MS) {
        snprintf(why, whylen, "time %llu is more than 10 minutes ahead of the signer's clock",
                 (unsigned long long)h->timestamp_ms);
        return STH_REFUSED;
    }
    /* The empty tree has one root (RFC 9162 §2.1.1): another, signed,
     * would claim it, and no later head could be proved to extend it. */
    if (h->tree_size == 0) {
        uint8_t empty[MERKLE_HASH_LEN];
        sha256("", 0, empty);
        if (memcmp(h->root_hash, empty, MERKLE_HASH_LEN) != 0) {
            snprintf(why, whylen, "tree size 0 with a root that is not the empty tree's"
                                  " (SHA-256 of nothing)");
            return STH_REFUSED;
        }
    }
    if (!last)
        return STH_SIGNED;
    if (h->tree_size < last->tree_size) {
        snprintf(why, whylen, "tree size %llu is smaller than the %llu already signed",
                 (unsigned long long)h->tree_size, (unsigned long long)last->tree_size);
        return STH_REFUSED;
    }
    if (h->timestamp_ms < last->timestamp_ms) {
        snprintf(why, whylen, "time %llu is before the %llu already signed",
                 (unsigned long long)h->timestamp_ms, (unsigned long long)last->timestamp_ms);
        return STH_REFUSED;
    }
    if (h->tree_size == last->tree_size &&
        memcmp(h->root_hash, last->root_hash, MERKLE_HASH_LEN) != 0) {
        snprintf(why, whylen, "tree size %llu was signed with another root",
                 (unsigned long long)h->tree_size);
        return STH_REFUSED;
    }
    if (req->old_size != last->tree_size) {
        snprintf(why, whylen, "the proof starts at %llu; the last head signed is %llu",
                 (unsigned long long)req->old_size, (unsigned long long)last->tree_size);
        return STH_STALE;
    }
    if (merkle_verify_consistency(last->tree_size, h->tree_size, last->root_hash, h->root_hash,
                                  (const uint8_t(*)[MERKLE_HASH_LEN])req->proof,
                                  req->proof_len) != MERKLE_OK) {
        snprintf(why, whylen, "no proof that tree size %llu extends the %llu already signed",
                 (unsigned long long)h->tree_size, (unsigned long long)last->tree_size);
        return STH_REFUSED;
    }
    return STH_SIGNED;
}
