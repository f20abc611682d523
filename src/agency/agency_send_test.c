/* agency_send_test.c -- the send pipeline's two outside calls, for a
 * test key: RRNs are checked by the same rules, documents rendered and
 * stored as always (in test.db), but no RRN goes to idsvc and no notice
 * to the hub. The CI is random (nothing derived from the RRN is kept),
 * the notice id says "test-", and the RRN picks the outcome the
 * simulator plays out (test_outcome.h, agency_db_test.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_send.h"
#include "crypto.h"
#include "test_outcome.h"

void agency_send_test_convert(sender *s, send_row **pending, size_t n)
{
    uint8_t raw[64];

    (void)s;
    for (size_t i = 0; i < n; i++) {
        pending[i]->outcome = test_outcome_of(pending[i]->rrn);
        random_bytes(raw, sizeof raw);
        base64_encode(pending[i]->ci, raw, sizeof raw);
        secure_wipe(pending[i]->rrn, sizeof pending[i]->rrn);
    }
}

/* A test notice's id follows from its reference, as the hub's answer
 * for a reference already submitted is the notice it made: a reference
 * in two batches at once (two bulks, or a bulk and a single) keeps one
 * id, not the one whichever batch answered last. */
static void test_notice_id_hash(const char *reference, uint8_t out[SHA256_LEN])
{
    char in[FIELD_REFERENCE_MAX + 32];
    int len = snprintf(in, sizeof in, "herald-test-notice-v1:%s", reference);

    sha256(in, len > 0 ? (size_t)len : 0, out);
}

int agency_send_test_submit(sender *s, send_row **pending, size_t n)
{
    send_row **rows = calloc(n ? n : 1, sizeof *rows);
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    const char **states = calloc(n ? n : 1, sizeof *states);
    char (*id)[AGENCY_NOTICE_MAX + 1] = calloc(n ? n : 1, sizeof *id);
    int *outcomes = calloc(n ? n : 1, sizeof *outcomes);
    size_t k = 0;
    int rc = -1;

    if (rows && ids && states && id && outcomes) {
        for (size_t i = 0; i < n; i++) {
            uint8_t raw[SHA256_LEN];
            char hex[33];
            if (pending[i]->done)
                continue;
            test_notice_id_hash(pending[i]->reference, raw);
            hex_encode(hex, raw, 16);
            snprintf(id[k], sizeof id[k], "test-%s", hex);
            rows[k] = pending[i];
            ids[k] = id[k];
            states[k] = "accepted";
            outcomes[k++] = pending[i]->outcome;
        }
        agency_send_count(s, &s->n.submitted, (long)k);
        agency_send_count(s, &s->n.accepted, (long)k);
        /* one transaction: a crash between two left a notice accepted
         * for good, its outcome (from an RRN gone since) never played */
        rc = agency_send_answered(s, rows, ids, states, outcomes, k);
        for (size_t i = 0, j = 0; rc == 0 && i < n; i++)
            if (!pending[i]->done)
                snprintf(pending[i]->notice, sizeof pending[i]->notice, "%s", id[j++]);
    }
    free(rows);
    free(ids);
    free(states);
    free(id);
    free(outcomes);
    return rc;
}
