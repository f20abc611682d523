/* test_body_pool.c -- request bodies' buffers come back wiped, are reused
 * when big enough, and the pool keeps neither too many nor too large. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "body_pool.h"

static int zeros(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static int kept(const body_pool *p, const char *buf)
{
    for (int i = 0; i < BODY_POOL_SLOTS; i++)
        if (p->buf[i] == buf)
            return 1;
    return 0;
}

static void reused_and_wiped(void **state)
{
    body_pool p;
    size_t cap, cap2;
    char *a, *b;

    (void)state;
    body_pool_init(&p);
    a = body_pool_take(&p, 5000, &cap);
    assert_non_null(a);
    assert_true(cap >= 5000);
    memset(a, 'x', 4000);
    body_pool_give(&p, a, cap, 4000);
    assert_true(kept(&p, a));
    assert_true(zeros(a, 4000)); /* what was written is gone */
    b = body_pool_take(&p, 100, &cap2);
    assert_ptr_equal(b, a); /* big enough: the same buffer again */
    assert_int_equal(cap2, cap);
    assert_false(kept(&p, a));
    body_pool_give(&p, b, cap2, 0);
    body_pool_clear(&p);
}

static void sizes_rounded(void **state)
{
    body_pool p;
    size_t cap;
    char *b;

    (void)state;
    body_pool_init(&p);
    const size_t want[][2] = {{1, 4096},           {4097, 8192},        {65536, 65536},
                              {65537, 131072},     {1000000, 1048576},  {1048577, 1114112}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        b = body_pool_take(&p, want[i][0], &cap);
        assert_non_null(b);
        assert_int_equal(cap, want[i][1]); /* 64 KiB steps past 64 KiB, not doubling */
        body_pool_give(&p, b, cap, 0); /* kept, but smaller than the next need */
    }
    body_pool_clear(&p);
}

static void best_fit_first(void **state)
{
    body_pool p;
    size_t c1, c2, c;
    char *small, *big, *got;

    (void)state;
    body_pool_init(&p);
    small = body_pool_take(&p, 1000, &c1);
    big = body_pool_take(&p, 100000, &c2);
    body_pool_give(&p, big, c2, 0);
    body_pool_give(&p, small, c1, 0);
    got = body_pool_take(&p, 10, &c);
    assert_ptr_equal(got, small); /* the smallest that fits */
    body_pool_give(&p, got, c, 0);
    got = body_pool_take(&p, c1 + 1, &c);
    assert_ptr_equal(got, big);
    body_pool_give(&p, got, c, 0);
    body_pool_clear(&p);
}

static void bounded(void **state)
{
    body_pool p;
    char *bufs[BODY_POOL_SLOTS + 1], *huge;
    size_t caps[BODY_POOL_SLOTS + 1], huge_cap;
    int n = BODY_POOL_SLOTS + 1;

    (void)state;
    body_pool_init(&p);
    for (int i = 0; i < n; i++)
        bufs[i] = body_pool_take(&p, (size_t)(i + 1) << 12, &caps[i]);
    for (int i = 0; i < n; i++)
        body_pool_give(&p, bufs[i], caps[i], 0);
    /* full: the next larger one took the smallest's place */
    assert_false(kept(&p, bufs[0]));
    for (int i = 1; i < n; i++)
        assert_true(kept(&p, bufs[i]));
    /* a buffer above the limit is never kept */
    huge = body_pool_take(&p, BODY_POOL_KEEP_MAX + 1, &huge_cap);
    assert_non_null(huge);
    body_pool_give(&p, huge, huge_cap, 0);
    assert_false(kept(&p, huge));
    body_pool_clear(&p);
}

static void grow_keeps_the_bytes(void **state)
{
    body_pool p;
    size_t cap, old_cap;
    char *buf, *old;

    (void)state;
    body_pool_init(&p);
    buf = body_pool_take(&p, 10, &cap);
    memcpy(buf, "0123456789", 10);
    old = buf;
    old_cap = cap;
    assert_int_equal(body_pool_grow(&p, &buf, &cap, 10, cap), 0);
    assert_ptr_equal(buf, old); /* fits: untouched */
    assert_int_equal(body_pool_grow(&p, &buf, &cap, 10, old_cap + 1), 0);
    assert_ptr_not_equal(buf, old);
    assert_true(cap > old_cap);
    assert_memory_equal(buf, "0123456789", 10);
    assert_true(kept(&p, old)); /* given back, and wiped */
    assert_true(zeros(old, 10));
    body_pool_give(&p, buf, cap, 10);
    body_pool_clear(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reused_and_wiped),
        cmocka_unit_test(sizes_rounded),
        cmocka_unit_test(best_fit_first),
        cmocka_unit_test(bounded),
        cmocka_unit_test(grow_keeps_the_bytes),
    };
    return cmocka_run_group_tests_name("body_pool", tests, NULL, NULL);
}
