/* fuzz_push_answer.c -- a push gateway's answer to a batch of three
 * alerts, and the Herald-Signature header of its receipt callbacks.
 * Input: the header up to the first newline, then the body. */
#include "fuzz.h"
#include "push_answer.h"
#include "push_signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long long ids[] = {7, 8, 9};
    static const uint8_t key[] = "fuzzing-key";
    push_result out[3];
    char why[256];
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : 0;
    const uint8_t *body = nl ? nl + 1 : data;
    size_t blen = size - (size_t)(body - data);
    json_t *tree = push_answer_read((const char *)body, blen, ids, 3, out, why, sizeof why);
    char *header = fuzz_str(data, hlen);

    json_decref(tree);
    (void)push_signature_check(header, key, sizeof key - 1, 1700000000000LL, body, blen, why,
                               sizeof why);
    free(header);
    return 0;
}
