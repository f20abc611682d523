/* test_http_source.c -- the source a request is counted against: the peer,
 * or behind a trusted proxy the address it forwards; IPv6 by its /64. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "http_source.h"

static struct sockaddr_in v4(const char *text)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};

    inet_pton(AF_INET, text, &sa.sin_addr);
    return sa;
}

static struct sockaddr_in6 v6(const char *text)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};

    inet_pton(AF_INET6, text, &sa.sin6_addr);
    return sa;
}

static void a_list_of_addresses_parses_and_bad_ones_are_refused(void **state)
{
    struct in6_addr a[HTTP_TRUSTED_PROXIES_MAX];

    (void)state;
    assert_int_equal(http_source_parse_list("127.0.0.1, ::1 10.0.0.7", a, 8), 3);
    assert_int_equal(a[0].s6_addr[10], 0xff); /* IPv4 mapped */
    assert_int_equal(a[0].s6_addr[15], 1);
    assert_int_equal(http_source_parse_list("", a, 8), 0);
    assert_int_equal(http_source_parse_list(" , ", a, 8), 0);
    assert_int_equal(http_source_parse_list("127.0.0.1, proxy.example", a, 8), -1);
    assert_int_equal(http_source_parse_list("10.0.0.0/8", a, 8), -1);
    assert_int_equal(http_source_parse_list("1.1.1.1 2.2.2.2 3.3.3.3", a, 2), -1);
}

static void the_peer_counts_unless_it_is_a_trusted_proxy(void **state)
{
    struct in6_addr trusted[2];
    struct sockaddr_in proxy = v4("127.0.0.20"), other = v4("127.0.0.21");
    char out[HTTP_SOURCE_MAX];

    (void)state;
    assert_int_equal(http_source_parse_list("127.0.0.20", trusted, 2), 1);
    http_source_of((struct sockaddr *)&other, "198.51.100.7", trusted, 1, out);
    assert_string_equal(out, "127.0.0.21");
    http_source_of((struct sockaddr *)&proxy, NULL, trusted, 1, out);
    assert_string_equal(out, "127.0.0.20");
    /* the last entry is the one the proxy appended; a client's own come first */
    http_source_of((struct sockaddr *)&proxy, "203.0.113.9, 198.51.100.7", trusted, 1, out);
    assert_string_equal(out, "198.51.100.7");
    http_source_of((struct sockaddr *)&proxy, " 198.51.100.7 ", trusted, 1, out);
    assert_string_equal(out, "198.51.100.7");
    /* no trusted proxies: the header means nothing */
    http_source_of((struct sockaddr *)&proxy, "198.51.100.7", trusted, 0, out);
    assert_string_equal(out, "127.0.0.20");
    /* a last entry that is not an address: the proxy's own */
    http_source_of((struct sockaddr *)&proxy, "198.51.100.7, unknown", trusted, 1, out);
    assert_string_equal(out, "127.0.0.20");
    http_source_of((struct sockaddr *)&proxy, "198.51.100.7,", trusted, 1, out);
    assert_string_equal(out, "127.0.0.20");
    http_source_of(NULL, "198.51.100.7", trusted, 1, out);
    assert_string_equal(out, "?");
}

static void ipv6_counts_by_its_64(void **state)
{
    struct in6_addr trusted[1];
    struct sockaddr_in6 peer = v6("2001:db8:1:2:aaaa::5"), proxy = v6("::1"),
                        mapped = v6("::ffff:192.0.2.1");
    char out[HTTP_SOURCE_MAX];

    (void)state;
    http_source_of((struct sockaddr *)&peer, NULL, NULL, 0, out);
    assert_string_equal(out, "2001:db8:1:2::/64");
    http_source_of((struct sockaddr *)&mapped, NULL, NULL, 0, out);
    assert_string_equal(out, "192.0.2.1");
    assert_int_equal(http_source_parse_list("::1", trusted, 1), 1);
    http_source_of((struct sockaddr *)&proxy, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", trusted, 1,
                   out);
    assert_string_equal(out, "2001:db8:ffff:ffff::/64");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_list_of_addresses_parses_and_bad_ones_are_refused),
        cmocka_unit_test(the_peer_counts_unless_it_is_a_trusted_proxy),
        cmocka_unit_test(ipv6_counts_by_its_64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
