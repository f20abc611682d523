/* fuzz_smpp_pdu.c -- PDUs as an SMSC sends them: the length check that
 * frames the stream, then the reader, for each PDU the input holds. */
#include "fuzz.h"
#include "smpp_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smpp_pdu pdu;
    const char *why;

    while (size > 0) {
        long len = smpp_pdu_length(data, size, &why);
        if (len <= 0 || (size_t)len > size) {
            (void)smpp_pdu_unpack(data, size, &pdu, &why); /* refused whole */
            return 0;
        }
        (void)smpp_pdu_unpack(data, (size_t)len, &pdu, &why);
        data += len;
        size -= (size_t)len;
    }
    return 0;
}
