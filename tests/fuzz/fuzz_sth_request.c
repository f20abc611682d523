/* fuzz_sth_request.c -- what reaches `herald signer` on its socket, and
 * what the hub reads back: the first byte picks the reader (even: a
 * request, checked against a fixed last head as the signer would; odd: an
 * answer), the rest is the message. A state slot is read from the same
 * bytes, as a damaged state file would hold them. */
#include "fuzz.h"
#include "signer_state.h"
#include "sth_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sth_request req;
    sth_answer ans;
    sth last = {.timestamp_ms = 1800000000000ULL, .tree_size = 5};
    char why[STH_REASON_MAX + 1];
    uint64_t seq;

    if (size < 1)
        return 0;
    if (data[0] % 2 == 0) {
        if (!sth_request_parse(&req, data + 1, size - 1))
            (void)sth_request_check(&last, &req, last.timestamp_ms, why, sizeof why);
    } else {
        (void)sth_answer_parse(&ans, data + 1, size - 1);
    }
    if (size - 1 >= SIGNER_SLOT_LEN)
        (void)signer_slot_parse(data + 1, &seq, &last);
    return 0;
}
