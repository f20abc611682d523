/* Unit tests for hub_relay_queue.c: places are reserved before they are
 * filled, never more than the capacity; notices come out oldest first as
 * claimed relay items, across the ring's end; unused places are given back;
 * urgent notices come out before all others, sharing the same places;
 * bulk notices are not queued while a bulk backlog waits in the database,
 * until a claim that started after the last spill caught up with it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hub_relay_queue.h"

static hub_notice notice(int i)
{
    hub_notice n;

    memset(&n, 0, sizeof n);
    snprintf(n.id, sizeof n.id, "n-%d", i);
    snprintf(n.platform, sizeof n.platform, "messenger");
    n.state = n.stored = NS_ACCEPTED;
    return n;
}

static void urgent_ones_come_out_first(void **state)
{
    hub_relay_queue q;
    hub_relay_item items[8];
    int bulk;
    (void)state;

    assert_int_equal(hub_relay_queue_init(&q, 4), 0);
    assert_int_equal(hub_relay_queue_reserve(&q, 4, &bulk), 4);
    for (int i = 1; i <= 4; i++) {
        hub_notice n = notice(i);
        n.urgent = i >= 3; /* n-3 and n-4 came last, marked urgent */
        hub_relay_queue_put(&q, &n);
    }
    assert_int_equal(hub_relay_queue_count(&q), 4);
    assert_int_equal(hub_relay_queue_urgent(&q), 2);
    assert_int_equal(hub_relay_queue_reserve(&q, 1, &bulk), 0); /* urgent ones hold places */
    assert_int_equal(hub_relay_queue_take(&q, items, 3), 3);
    assert_string_equal(items[0].n.id, "n-3");
    assert_string_equal(items[1].n.id, "n-4");
    assert_string_equal(items[2].n.id, "n-1");
    assert_int_equal(hub_relay_queue_urgent(&q), 0);
    /* An urgent notice put behind a waiting bulk one still goes first. */
    assert_int_equal(hub_relay_queue_reserve(&q, 1, &bulk), 1);
    hub_notice u = notice(5);
    u.urgent = 1;
    hub_relay_queue_put(&q, &u);
    assert_int_equal(hub_relay_queue_take(&q, items, 8), 2);
    assert_string_equal(items[0].n.id, "n-5");
    assert_string_equal(items[1].n.id, "n-2");
    hub_relay_queue_free(&q);
}

static void reservations_never_exceed_capacity(void **state)
{
    hub_relay_queue q;
    int bulk;
    (void)state;

    assert_int_equal(hub_relay_queue_init(&q, 5), 0);
    assert_int_equal(hub_relay_queue_reserve(&q, 3, &bulk), 3);
    assert_int_equal(hub_relay_queue_reserve(&q, 3, &bulk), 2); /* only 2 left */
    assert_int_equal(hub_relay_queue_reserve(&q, 1, &bulk), 0);
    hub_relay_queue_unreserve(&q, 4);
    assert_int_equal(hub_relay_queue_reserve(&q, 10, &bulk), 4);
    hub_relay_queue_unreserve(&q, 5);
    /* Filled places count against the capacity too. */
    assert_int_equal(hub_relay_queue_reserve(&q, 2, &bulk), 2);
    hub_notice a = notice(1), b = notice(2);
    hub_relay_queue_put(&q, &a);
    hub_relay_queue_put(&q, &b);
    assert_int_equal(hub_relay_queue_reserve(&q, 10, &bulk), 3);
    hub_relay_queue_free(&q);
}

static void a_put_without_a_reservation_is_refused(void **state)
{
    hub_relay_queue q;
    hub_relay_item items[2];
    hub_notice a = notice(1);
    (void)state;

    assert_int_equal(hub_relay_queue_init(&q, 2), 0);
    hub_relay_queue_put(&q, &a);
    assert_int_equal(hub_relay_queue_take(&q, items, 2), 0);
    hub_relay_queue_free(&q);
}

static void oldest_first_across_the_ring_end(void **state)
{
    hub_relay_queue q;
    hub_relay_item items[4];
    int next_in = 0, next_out = 0, bulk;
    (void)state;

    assert_int_equal(hub_relay_queue_init(&q, 4), 0);
    for (int round = 0; round < 10; round++) {
        size_t k = hub_relay_queue_reserve(&q, 3, &bulk);
        assert_int_equal(k, 3);
        for (size_t i = 0; i < k; i++) {
            hub_notice n = notice(next_in++);
            hub_relay_queue_put(&q, &n);
        }
        assert_int_equal(hub_relay_queue_count(&q), 3);
        size_t got = hub_relay_queue_take(&q, items, 2);
        assert_int_equal(hub_relay_queue_count(&q), 1);
        got += hub_relay_queue_take(&q, items + got, 2);
        assert_int_equal(got, 3);
        for (size_t i = 0; i < got; i++) {
            char want[16];
            snprintf(want, sizeof want, "n-%d", next_out++);
            assert_string_equal(items[i].n.id, want);
            assert_string_equal(items[i].n.platform, "messenger");
            assert_int_equal(items[i].outcome, RELAY_FAILED);
            assert_int_equal(items[i].consigned, 0);
            assert_string_equal(items[i].reason, "");
        }
    }
    assert_int_equal(hub_relay_queue_take(&q, items, 4), 0);
    hub_relay_queue_free(&q);
}

/* Whether a bulk notice may take a place now (the places given back). */
static int bulk_may_queue(hub_relay_queue *q)
{
    int bulk = -1;

    assert_int_equal(hub_relay_queue_reserve(q, 1, &bulk), 1);
    hub_relay_queue_unreserve(q, 1);
    return bulk;
}

static void bulk_waits_behind_a_backlog(void **state)
{
    hub_relay_queue q;
    unsigned long before;
    (void)state;

    assert_int_equal(hub_relay_queue_init(&q, 4), 0);
    /* A previous run may have left notices in the database. */
    assert_int_equal(bulk_may_queue(&q), 0);
    hub_relay_queue_caught_up(&q, hub_relay_queue_spills(&q));
    assert_int_equal(bulk_may_queue(&q), 1);
    /* A batch spills while a claim runs: that claim may have missed it. */
    before = hub_relay_queue_spills(&q);
    hub_relay_queue_spilled(&q);
    hub_relay_queue_caught_up(&q, before);
    assert_int_equal(bulk_may_queue(&q), 0);
    /* The next claim, started after the spill, found it all. */
    hub_relay_queue_caught_up(&q, hub_relay_queue_spills(&q));
    assert_int_equal(bulk_may_queue(&q), 1);
    hub_relay_queue_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reservations_never_exceed_capacity),
        cmocka_unit_test(a_put_without_a_reservation_is_refused),
        cmocka_unit_test(oldest_first_across_the_ring_end),
        cmocka_unit_test(urgent_ones_come_out_first),
        cmocka_unit_test(bulk_waits_behind_a_backlog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
