/* fuzz_smpp_receipt.c -- the text of a delivery receipt (deliver_sm with
 * esm_class 0x04), whose format SMSCs vary freely, and the key its message
 * id is matched by in each form [sms] may name. */
#include "fuzz.h"
#include "smpp_message_id.h"
#include "smpp_receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smpp_receipt r;
    const char *why;

    char key[SMPP_RECEIPT_ID_MAX + 1];

    if (smpp_receipt_parse((const char *)data, size, &r, &why) == 0) {
        (void)smpp_receipt_stat_name(r.stat);
        for (int f = SMPP_ID_TEXT; f <= SMPP_ID_HEX; f++)
            (void)smpp_message_id_key(r.id, (smpp_id_form)f, key, sizeof key);
    }
    return 0;
}
