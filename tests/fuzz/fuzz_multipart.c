/* fuzz_multipart.c -- multipart/form-data bodies of the agency console's
 * upload, and the Content-Type header their boundary comes from. */
#include <string.h>

#include "fuzz.h"
#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1], header[200];
    const char *why;
    multipart m;

    /* The first bytes, up to a newline, are the header; the rest the body. */
    size_t n = 0;
    while (n < size && n < sizeof header - 1 && data[n] != '\n')
        n++;
    memcpy(header, data, n);
    header[n] = '\0';
    if (multipart_boundary(header, boundary) != 0)
        strcpy(boundary, "XyZ");
    if (n < size)
        n++;
    if (multipart_parse(&m, (const char *)data + n, size - n, boundary, &why) == 0) {
        const multipart_part *p = multipart_get(&m, "csv");
        if (p && p->len)
            (void)p->data[p->len - 1];
    }
    return 0;
}
