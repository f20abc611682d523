/* fuzz_http_source.c -- the [http] trusted_proxies list, and the
 * X-Forwarded-For header a trusted proxy sends. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "http_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size), out[HTTP_SOURCE_MAX];
    struct in6_addr trusted[HTTP_TRUSTED_PROXIES_MAX];
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    int n;

    if (!s)
        return 0;
    n = http_source_parse_list(s, trusted, HTTP_TRUSTED_PROXIES_MAX);
    if (http_source_parse_list("127.0.0.1", trusted, 1) == 1)
        http_source_of((struct sockaddr *)&peer, s, trusted, 1, out);
    (void)n;
    free(s);
    return 0;
}
