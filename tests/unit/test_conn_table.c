/* Unit tests for conn_table.c: which connection an HTTP server closes when
 * a source or the whole server goes over its limit, and when idle ones
 * have waited too long, with a clock the test holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "conn_table.h"

static const conn_limits LIM = {
    .max_total = 10, .max_per_source = 3,
    .header_ms = 1000, .idle_ms = 5000, .peer_idle_ms = 60000,
};

static void source(unsigned char key[CONN_SOURCE_LEN], int n)
{
    struct sockaddr_in a = {.sin_family = AF_INET};

    a.sin_addr.s_addr = htonl(0x7f000000u + (unsigned)n);
    assert_int_equal(conn_source_of((struct sockaddr *)&a, key), 0);
}

/* Opens one from source n at now and returns its slot, checking that
 * nothing had to close. */
static int open_quietly(conn_table *t, int n, long long now)
{
    unsigned char k[CONN_SOURCE_LEN];
    int slot;

    source(k, n);
    slot = conn_table_open(t, k, now);
    assert_true(slot >= 0);
    assert_int_equal(conn_table_victim(t, slot, &LIM), -1);
    return slot;
}

static void over_its_allowance_a_source_loses_its_oldest_idle_one(void **state)
{
    conn_table *t = conn_table_new(32);
    unsigned char k[CONN_SOURCE_LEN];
    (void)state;

    int a = open_quietly(t, 2, 0);
    int b = open_quietly(t, 2, 1);
    open_quietly(t, 2, 2);
    source(k, 2);
    int d = conn_table_open(t, k, 3);
    /* the newcomer stays; the oldest idle one goes */
    assert_int_equal(conn_table_victim(t, d, &LIM), a);
    assert_true(conn_table_closing(t, a));
    assert_int_equal(conn_table_source_count(t, k), 3);
    /* a busy connection is never chosen: b is busy, so the next goes */
    conn_table_busy(t, b);
    int e = conn_table_open(t, k, 4);
    int v = conn_table_victim(t, e, &LIM);
    assert_true(v != b && v != e && v >= 0);
    conn_table_free(t);
}

static void a_source_whose_connections_are_all_busy_is_refused(void **state)
{
    conn_table *t = conn_table_new(32);
    unsigned char k[CONN_SOURCE_LEN];
    (void)state;

    for (int i = 0; i < 3; i++)
        conn_table_busy(t, open_quietly(t, 5, i));
    source(k, 5);
    int d = conn_table_open(t, k, 9);
    assert_int_equal(conn_table_victim(t, d, &LIM), d);
    assert_int_equal(conn_table_source_count(t, k), 3);
    /* another source is not touched */
    open_quietly(t, 6, 10);
    conn_table_free(t);
}

static void over_the_total_the_fullest_source_gives_way(void **state)
{
    conn_table *t = conn_table_new(32);
    unsigned char k[CONN_SOURCE_LEN];
    (void)state;

    /* 3 from source 2, 3 from 3, 2 each from 4 and 5: 10 in all */
    int oldest_of_2 = open_quietly(t, 2, 0);
    for (int i = 1; i < 3; i++)
        open_quietly(t, 2, i);
    int oldest_of_3 = open_quietly(t, 3, 10);
    for (int i = 1; i < 3; i++)
        open_quietly(t, 3, 10 + i);
    for (int i = 0; i < 2; i++) {
        open_quietly(t, 4, 20 + i);
        open_quietly(t, 5, 30 + i);
    }
    assert_int_equal(conn_table_count(t), 10);
    /* the 11th, from a new source, is served: one of the fullest goes */
    source(k, 9);
    int n = conn_table_open(t, k, 40);
    int v = conn_table_victim(t, n, &LIM);
    assert_true(v != n && v >= 0);
    assert_int_equal(conn_table_count(t), 10);
    /* ... one of the two sources holding 3, its oldest */
    unsigned char k2[CONN_SOURCE_LEN], k3[CONN_SOURCE_LEN];
    source(k2, 2);
    source(k3, 3);
    assert_int_equal(conn_table_source_count(t, k2) + conn_table_source_count(t, k3), 5);
    assert_true(v == oldest_of_2 || v == oldest_of_3);
    conn_table_free(t);
}

static void idle_waits_depend_on_what_came_before(void **state)
{
    conn_table *t = conn_table_new(32);
    int out[8];
    (void)state;

    int fresh = open_quietly(t, 2, 0);
    int answered = open_quietly(t, 3, 0);
    int peer = open_quietly(t, 4, 0);
    int busy = open_quietly(t, 5, 0);
    conn_table_busy(t, answered);
    conn_table_idle(t, answered, 500);
    conn_table_busy(t, peer);
    conn_table_peer(t, peer);
    conn_table_idle(t, peer, 500);
    conn_table_busy(t, busy);
    /* a new connection has header_ms for its request head */
    assert_int_equal(conn_table_expired(t, 999, &LIM, out, 8), 0);
    assert_int_equal(conn_table_expired(t, 1000, &LIM, out, 8), 1);
    assert_int_equal(out[0], fresh);
    /* an answered one idle_ms; a known peer's peer_idle_ms; busy: none */
    assert_int_equal(conn_table_expired(t, 5499, &LIM, out, 8), 0);
    assert_int_equal(conn_table_expired(t, 5500, &LIM, out, 8), 1);
    assert_int_equal(out[0], answered);
    assert_int_equal(conn_table_expired(t, 60500, &LIM, out, 8), 1);
    assert_int_equal(out[0], peer);
    assert_int_equal(conn_table_expired(t, 1000000, &LIM, out, 8), 0);
    assert_int_equal(conn_table_count(t), 1);
    conn_table_free(t);
}

static void closing_frees_slots_and_sources(void **state)
{
    conn_table *t = conn_table_new(4);
    unsigned char k[CONN_SOURCE_LEN];
    int slots[4];
    (void)state;

    /* many sources come and go through a small table: every record is
     * found again after others left (the hash shifts back on removal) */
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 4; i++)
            slots[i] = open_quietly(t, round * 4 + i, round);
        source(k, 0);
        assert_int_equal(conn_table_open(t, k, round), -1); /* full */
        for (int i = 0; i < 4; i++) {
            source(k, round * 4 + i);
            assert_int_equal(conn_table_source_count(t, k), 1);
        }
        for (int i = 0; i < 4; i++)
            conn_table_close(t, slots[(i * 3 + round) % 4]);
        assert_int_equal(conn_table_count(t), 0);
    }
    conn_table_free(t);
}

static void ipv6_sources_are_their_slash_64(void **state)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6}, b = a, m = a;
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    unsigned char ka[CONN_SOURCE_LEN], kb[CONN_SOURCE_LEN], km[CONN_SOURCE_LEN],
        k4[CONN_SOURCE_LEN];
    (void)state;

    inet_pton(AF_INET6, "2001:db8:1:2::1", &a.sin6_addr);
    inet_pton(AF_INET6, "2001:db8:1:2:ffff::9", &b.sin6_addr);
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &m.sin6_addr);
    inet_pton(AF_INET, "192.0.2.7", &v4.sin_addr);
    conn_source_of((struct sockaddr *)&a, ka);
    conn_source_of((struct sockaddr *)&b, kb);
    conn_source_of((struct sockaddr *)&m, km);
    conn_source_of((struct sockaddr *)&v4, k4);
    assert_memory_equal(ka, kb, CONN_SOURCE_LEN);
    assert_memory_equal(km, k4, CONN_SOURCE_LEN);
    assert_memory_not_equal(ka, k4, CONN_SOURCE_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(over_its_allowance_a_source_loses_its_oldest_idle_one),
        cmocka_unit_test(a_source_whose_connections_are_all_busy_is_refused),
        cmocka_unit_test(over_the_total_the_fullest_source_gives_way),
        cmocka_unit_test(idle_waits_depend_on_what_came_before),
        cmocka_unit_test(closing_frees_slots_and_sources),
        cmocka_unit_test(ipv6_sources_are_their_slash_64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
