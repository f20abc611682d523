/* fuzz_certificate.c -- a distribution certificate as `herald verify`
 * reads it. The input's first 32 bytes are the pinned log key and the
 * rest the certificate, so that a seed holding a real key and its
 * certificate takes the fuzzer past the signature into every check. */
#include "certificate.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cert_result out; /* large: CERT_MAX_ENTRIES events */
    char why[256];

    if (size < ED25519_PUBLIC_LEN)
        return 0;
    (void)certificate_verify((const char *)data + ED25519_PUBLIC_LEN, size - ED25519_PUBLIC_LEN,
                             data, &out, why, sizeof why);
    return 0;
}
