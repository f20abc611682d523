/* Unit tests for clock.c: the timestamps every role writes, and how the
 * citizen pages show them in Korean time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"

static void rfc3339_has_fixed_width(void **state)
{
    char out[25];
    (void)state;

    clock_rfc3339_ms(out, 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    clock_rfc3339_ms(out, 1795766399999LL);
    assert_string_equal(out, "2026-11-27T07:59:59.999Z");
    /* the same second again (kept), then the next one */
    clock_rfc3339_ms(out, 1795766399042LL);
    assert_string_equal(out, "2026-11-27T07:59:59.042Z");
    clock_rfc3339_ms(out, 1795766400007LL);
    assert_string_equal(out, "2026-11-27T08:00:00.007Z");
    /* outside what 24 characters hold: clamped */
    clock_rfc3339_ms(out, -5);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    clock_rfc3339_ms(out, 999999999999999LL);
    assert_string_equal(out, "9999-12-31T23:59:59.999Z");
}

static void korean_time_for_people(void **state)
{
    char out[32];
    (void)state;

    /* A YYYY-MM-DD deadline is the end of that day in Korea. */
    clock_kst_text(out, "2026-12-31T14:59:59.999Z");
    assert_string_equal(out, "2026-12-31 23:59 KST");
    /* Crossing midnight, and a year end. */
    clock_kst_text(out, "2026-11-27T20:00:00.000Z");
    assert_string_equal(out, "2026-11-28 05:00 KST");
    clock_kst_text(out, "2026-12-31T15:00:00.000Z");
    assert_string_equal(out, "2027-01-01 00:00 KST");
    /* Anything not in our own format is shown as it is. */
    clock_kst_text(out, "tomorrow");
    assert_string_equal(out, "tomorrow");
    clock_kst_text(out, "2026-12-31T14:59:59+09:00");
    assert_string_equal(out, "2026-12-31T14:59:59+09:00");
}

static void deadlines_are_in_the_future(void **state)
{
    struct timespec a = clock_mono_after_ms(1500), b;
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &b);
    long long diff = (a.tv_sec - b.tv_sec) * 1000LL + (a.tv_nsec - b.tv_nsec) / 1000000;
    assert_in_range(diff, 1400, 1500);
    assert_in_range(a.tv_nsec, 0, 999999999);
}

static char offset_file[64];

static void write_offset(const char *text)
{
    FILE *f = fopen(offset_file, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The test clock: the file's offset is added at each call, so that a
 * test moves every role's time by rewriting one file. Runs first: the
 * variable is read at the first clock_now_ms of the process. */
static void test_clock_adds_the_file_offset(void **state)
{
    const long long day = 86400000LL;
    struct timespec ts;
    long long real, now;
    (void)state;

    write_offset("2592000000\n"); /* 30 days */
    now = clock_now_ms();
    clock_gettime(CLOCK_REALTIME, &ts);
    real = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    assert_in_range(now - real, 30 * day - 1000, 30 * day);
    write_offset("-86400000");
    now = clock_now_ms();
    assert_in_range(real - now, day - 1000, day + 1000);
    /* garbage: no offset (and one warning) */
    write_offset("tomorrow");
    now = clock_now_ms();
    assert_in_range(now - real + 1000, 0, 2000);
    unlink(offset_file);
    now = clock_now_ms();
    assert_in_range(now - real + 1000, 0, 2000);
}

/* Timeouts run on a clock no step moves: the test clock's 30 days (as
 * an NTP step or a resumed VM would) leave it where it was, and a wait on
 * a condition variable made for it ends when its own time is up. */
static void the_monotonic_clock_ignores_steps(void **state)
{
    pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    long long before = clock_mono_ms(), after;
    struct timespec until;
    (void)state;

    write_offset("2592000000\n");
    after = clock_mono_ms();
    unlink(offset_file);
    assert_in_range(after - before, 0, 1000);
    assert_int_equal(clock_mono_cond_init(&cond), 0);
    before = clock_mono_ms();
    until = clock_mono_after_ms(50);
    pthread_mutex_lock(&mx);
    while (pthread_cond_timedwait(&cond, &mx, &until) == 0)
        ;
    pthread_mutex_unlock(&mx);
    after = clock_mono_ms();
    assert_true(after - before >= 49);
    pthread_cond_destroy(&cond);
}

static void offsets_are_checked(void **state)
{
    (void)state;

    write_offset("12345");
    assert_int_equal(clock_offset_read(offset_file), 12345);
    write_offset("+7 \r\n");
    assert_int_equal(clock_offset_read(offset_file), 7);
    write_offset("");
    assert_int_equal(clock_offset_read(offset_file), 0);
    write_offset("12 34");
    assert_int_equal(clock_offset_read(offset_file), 0);
    write_offset("0x10");
    assert_int_equal(clock_offset_read(offset_file), 0);
    write_offset("-");
    assert_int_equal(clock_offset_read(offset_file), 0);
    write_offset("99999999999999999999999999999");
    assert_int_equal(clock_offset_read(offset_file), 0);
    write_offset("3162240000000"); /* a century of leap years: the limit */
    assert_int_equal(clock_offset_read(offset_file), 3162240000000LL);
    write_offset("1000000000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(clock_offset_read(offset_file), 0);
    unlink(offset_file);
    assert_int_equal(clock_offset_read(offset_file), 0);
}

int main(void)
{
    snprintf(offset_file, sizeof offset_file, "/tmp/herald-test-clock-%ld", (long)getpid());
    setenv("HERALD_CLOCK_FILE", offset_file, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_adds_the_file_offset),
        cmocka_unit_test(the_monotonic_clock_ignores_steps),
        cmocka_unit_test(offsets_are_checked),
        cmocka_unit_test(rfc3339_has_fixed_width),
        cmocka_unit_test(korean_time_for_people),
        cmocka_unit_test(deadlines_are_in_the_future),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
