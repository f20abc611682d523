/* Unit tests for notice_id.c: layout, version and variant, ordering within
 * and across milliseconds, a clock that steps back, counter overflow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "notice_id.h"

static const uint8_t zeros[10], ones[10] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                            0xff, 0xff, 0xff, 0xff, 0xff};

static void layout_version_variant_and_time(void **state)
{
    notice_id_gen g = {0};
    char id[NOTICE_ID_LEN + 1];
    (void)state;

    notice_id_next(&g, 0x0193a1b2c3d4LL, ones, id);
    assert_int_equal(strlen(id), 36);
    assert_memory_equal(id, "0193a1b2-c3d4-7", 15);
    assert_true(notice_id_is_well_formed(id, strlen(id)));
    assert_true(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    assert_true(notice_id_ms(id) == 0x0193a1b2c3d4LL);
    notice_id_next(&g, 0x0193a1b2c3d5LL, zeros, id);
    assert_string_equal(id, "0193a1b2-c3d5-7000-8000-000000000000");
}

static void ids_in_one_millisecond_count_up(void **state)
{
    notice_id_gen g = {0};
    char prev[NOTICE_ID_LEN + 1], id[NOTICE_ID_LEN + 1];
    (void)state;

    notice_id_next(&g, 1700000000000LL, ones, prev);
    for (int i = 0; i < 10000; i++) {
        notice_id_next(&g, 1700000000000LL, ones, id);
        assert_true(strcmp(prev, id) < 0);
        assert_true(notice_id_is_well_formed(id, 36));
        assert_true(notice_id_ms(id) == 1700000000000LL);
        memcpy(prev, id, sizeof id);
    }
}

static void clock_stepping_back_stays_monotonic(void **state)
{
    notice_id_gen g = {0};
    char a[NOTICE_ID_LEN + 1], b[NOTICE_ID_LEN + 1];
    (void)state;

    notice_id_next(&g, 1700000000500LL, zeros, a);
    notice_id_next(&g, 1700000000100LL, ones, b);
    assert_true(strcmp(a, b) < 0);
    notice_id_next(&g, 1700000000501LL, zeros, a);
    assert_true(strcmp(b, a) < 0);
}

static void counter_overflow_borrows_next_millisecond(void **state)
{
    notice_id_gen g = {.last_ms = 1000, .rand_a = 0xfff, .rand_b = (UINT64_C(1) << 62) - 1};
    char id[NOTICE_ID_LEN + 1];
    (void)state;

    notice_id_next(&g, 1000, zeros, id);
    assert_true(notice_id_ms(id) == 1001);
    assert_true(notice_id_is_well_formed(id, 36));
}

static void rejects_malformed_ids(void **state)
{
    (void)state;
    assert_false(notice_id_is_well_formed("0193a1b2-c3d4-7000-8000-00000000000", 35));
    assert_false(notice_id_is_well_formed("0193a1b2-c3d4-4000-8000-000000000000", 36));
    assert_false(notice_id_is_well_formed("0193a1b2-c3d4-7000-c000-000000000000", 36));
    assert_false(notice_id_is_well_formed("0193A1B2-c3d4-7000-8000-000000000000", 36));
    assert_false(notice_id_is_well_formed("0193a1b2xc3d4-7000-8000-000000000000", 36));
    assert_false(notice_id_is_well_formed("../../etc/passwd-7000-8000-000000000", 36));
    assert_true(notice_id_is_well_formed("0193a1b2-c3d4-7000-b000-000000000000", 36));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_version_variant_and_time),
        cmocka_unit_test(ids_in_one_millisecond_count_up),
        cmocka_unit_test(clock_stepping_back_stays_monotonic),
        cmocka_unit_test(counter_overflow_borrows_next_millisecond),
        cmocka_unit_test(rejects_malformed_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
