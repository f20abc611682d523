/* fuzz_smpp_receipt.c -- the text of a delivery receipt (deliver_sm with
 * esm_class 0x04), whose format SMSCs vary freely. */
#include "fuzz.h"
#include "smpp_receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smpp_receipt r;
    const char *why;

    if (smpp_receipt_parse((const char *)data, size, &r, &why) == 0)
        (void)smpp_receipt_stat_name(r.stat);
    return 0;
}
