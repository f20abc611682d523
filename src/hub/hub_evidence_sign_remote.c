/* hub_evidence_sign_remote.c -- tree heads signed by `herald signer`
 * (docs/design.md §4, "The signer"): the hub never reads the log key.
 *
 * Each request carries a consistency proof from the last head the signer
 * signed, so the signer can refuse a head that does not extend it. The
 * hub starts from its own latest head; when the signer's last is another
 * (the hub died between the signature and storing it), the signer says
 * which, and the hub proves again from that one. While the signer is
 * down, heads wait: the hub goes on accepting, and says so once. */
#include "hub_evidence_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "hub_evidence_log_internal.h"
#include "hub_signer_client.h"
#include "log.h"

/* Fills req for head, with the proof from old_size. Returns 0 or -1. */
static int build_request(hub_evidence_log *log, const sth *head, uint64_t old_size,
                         sth_request *req)
{
    merkle_source src = hub_evidence_log_source(log);
    merkle_status st;

    req->head = *head;
    req->old_size = old_size;
    hub_evidence_log_read_begin(log);
    st = merkle_consistency_proof(&src, old_size, head->tree_size, req->proof, &req->proof_len);
    hub_evidence_log_read_end(log);
    return st == MERKLE_OK ? 0 : -1;
}

/* log->signer_up: -1 not asked yet, 0 down, 1 signing, 2 refusing; each
 * change is logged once, so an outage costs one line, not one a second.
 * Stored atomically: the operators' console reads it without sign_lock,
 * which a signer that does not answer holds for seconds. */
enum { SIGNER_DOWN = HUB_SIGNER_DOWN, SIGNER_SIGNING = HUB_SIGNER_SIGNING,
       SIGNER_REFUSING = HUB_SIGNER_REFUSING };

int hub_evidence_log_signer_state(hub_evidence_log *log)
{
    if (log->pg)
        return hub_evidence_pg_signer_state(log);
    if (log->signer_path[0])
        return __atomic_load_n(&log->signer_up, __ATOMIC_RELAXED);
    return log->sk ? HUB_SIGNER_IN_PROCESS : HUB_SIGNER_NONE;
}

static void note_down(hub_evidence_log *log, const char *why)
{
    if (log->signer_up != SIGNER_DOWN)
        log_error("log: no signer (%s): tree heads and new certificates wait for it; "
                  "notices are still accepted", why);
    __atomic_store_n(&log->signer_up, SIGNER_DOWN, __ATOMIC_RELAXED);
}

/* A refusal, this signer's or this hub's own: logged once until it signs
 * again, and shown as refusing on the console and /metrics. */
static void note_refusing(hub_evidence_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note_refusing(hub_evidence_log *log, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (log->signer_up != SIGNER_REFUSING) {
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        log_error("%s", line);
    }
    __atomic_store_n(&log->signer_up, SIGNER_REFUSING, __ATOMIC_RELAXED);
}

static void note_up(hub_evidence_log *log, const sth *head)
{
    if (log->signer_up == SIGNER_DOWN || log->signer_up == SIGNER_REFUSING)
        log_info("log: the signer is back: tree size %llu signed",
                 (unsigned long long)head->tree_size);
    __atomic_store_n(&log->signer_up, SIGNER_SIGNING, __ATOMIC_RELAXED);
}

/* One round trip; 1 signed, 0 asked to prove again from the signer's
 * last head, -1 refused or no answer. */
static int ask_once(hub_evidence_log *log, sth *head, uint64_t old_size,
                    long long deadline_ms, uint8_t sig[STH_SIG_LEN])
{
    sth_request req;
    sth_answer ans;
    char err[256];

    if (build_request(log, head, old_size, &req) != 0) {
        log_error("log: cannot read the proof from tree size %llu",
                  (unsigned long long)old_size);
        return -1;
    }
    if (hub_signer_ask(log->signer_path, &req, deadline_ms, &ans, err, sizeof err) != 0) {
        note_down(log, err);
        log->signer_known = 0; /* the one that comes back may be another */
        return -1;
    }
    log->signer_known = ans.has_last;
    if (ans.has_last)
        log->signer_last = ans.last;
    if (ans.status == STH_STALE && ans.has_last && ans.last.tree_size <= head->tree_size)
        return 0;
    if (ans.status != STH_SIGNED) {
        note_refusing(log, "log: the signer refused tree size %llu: %s; tree heads wait (said"
                      " once until it signs again)", (unsigned long long)head->tree_size,
                      ans.reason);
        return -1;
    }
    if (!sth_verify(head, ans.sig, log->pk)) {
        note_refusing(log, "log: the signer's signature of tree size %llu does not verify"
                      " with [hub] log_pub: another key? (said once until it signs again)",
                      (unsigned long long)head->tree_size);
        return -1;
    }
    memcpy(sig, ans.sig, STH_SIG_LEN);
    note_up(log, head);
    return 1;
}

int hub_evidence_log_sign_remote(hub_evidence_log *log, sth *head, uint64_t hub_size,
                                 uint8_t sig[STH_SIG_LEN])
{
    /* From the hub's own head every time, not the last the signer named:
     * a signer of another, larger log on the socket by mistake would
     * otherwise leave a size no tree reaches, and the right one, back on
     * the socket, would never be asked again. */
    uint64_t old_size = hub_size;
    long long deadline_ms = clock_mono_ms() + HUB_SIGNER_TIMEOUT_MS;

    for (int round = 0; round < 2; round++) {
        int rc;
        if (log->signer_known && head->timestamp_ms < log->signer_last.timestamp_ms)
            head->timestamp_ms = log->signer_last.timestamp_ms;
        if (old_size > head->tree_size) {
            note_refusing(log, "log: the signer's last head (tree size %llu) is larger than"
                          " this log (%llu): not signing (said once until it signs again)",
                          (unsigned long long)old_size, (unsigned long long)head->tree_size);
            return -1;
        }
        rc = ask_once(log, head, old_size, deadline_ms, sig);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
        old_size = log->signer_last.tree_size;
    }
    return -1;
}
