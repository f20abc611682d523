/* Unit tests for hub_reminders.c: hub.ini's reminder points, and when
 * they fall in a notice's read window. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hub_reminders.h"

#define H 3600000LL
#define DAY (24 * H)

static void the_default_is_midway_and_an_hour_before(void **state)
{
    hub_reminders r;
    long long t[HUB_REMINDERS_MAX];
    char err[160];
    (void)state;

    assert_int_equal(hub_reminders_parse(HUB_REMINDERS_DEFAULT, &r, err, sizeof err), 0);
    assert_int_equal(r.n, 2);
    /* a 30-day window from t = 1000 */
    assert_int_equal(hub_reminders_times(&r, 1000, 1000 + 30 * DAY, t), 2);
    assert_true(t[0] == 1000 + 15 * DAY);
    assert_true(t[1] == 1000 + 30 * DAY - H);
    assert_true(hub_reminders_next(&r, 1000, 1000 + 30 * DAY, 0) == 1000 + 15 * DAY);
    assert_true(hub_reminders_next(&r, 1000, 1000 + 30 * DAY, 1) == 1000 + 30 * DAY - H);
    assert_true(hub_reminders_next(&r, 1000, 1000 + 30 * DAY, 2) == 0);
}

static void points_sort_and_leave_the_window(void **state)
{
    hub_reminders r;
    long long t[HUB_REMINDERS_MAX];
    char err[160];
    (void)state;

    assert_int_equal(hub_reminders_parse("1h,90%, 2d ,10s", &r, err, sizeof err), 0);
    assert_int_equal(r.n, 4);
    /* a 10-hour window: 2 days before is outside it */
    assert_int_equal(hub_reminders_times(&r, 0, 10 * H, t), 3);
    /* in order: 9 h (an hour before), 9 h (90%), then 10 s before */
    assert_true(t[0] == 9 * H);
    assert_true(t[1] == 9 * H);
    assert_true(t[2] == 10 * H - 10000);
}

static void the_due_one_is_the_latest_passed(void **state)
{
    hub_reminders r;
    char err[160];
    (void)state;

    assert_int_equal(hub_reminders_parse("50%, 1h", &r, err, sizeof err), 0);
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 0, 15 * DAY - 1), 0);
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 0, 15 * DAY), 1);
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 1, 15 * DAY + H), 0);
    /* both passed unseen (the hub was down): only the second goes */
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 0, 30 * DAY - 1), 2);
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 2, 30 * DAY - 1), 0);
    /* past the deadline before the expiry came round: no reminder, since
     * expiry and reminders are separate workers */
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 0, 30 * DAY), 0);
    assert_int_equal(hub_reminders_due(&r, 0, 30 * DAY, 1, 31 * DAY), 0);
}

static void off_and_bad_input(void **state)
{
    hub_reminders r;
    long long t[HUB_REMINDERS_MAX];
    char err[160];
    (void)state;

    assert_int_equal(hub_reminders_parse("off", &r, err, sizeof err), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(hub_reminders_times(&r, 0, DAY, t), 0);
    assert_int_equal(hub_reminders_next(&r, 0, DAY, 0), 0);
    static const char *const bad[] = {
        "", "50", "0%", "100%", "50%,", ",1h", "1w", "1 h", "h", "-1h", "400d",
        "1h,1h,1h,1h,1h,1h,1h,1h,1h", "99999999999999999999s", "50%;1h",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(hub_reminders_parse(bad[i], &r, err, sizeof err), -1);
        assert_true(strstr(err, "reminders") != NULL);
        assert_int_equal(r.n, 0);
    }
    /* an empty or reversed window has no reminders */
    assert_int_equal(hub_reminders_parse("50%", &r, err, sizeof err), 0);
    assert_int_equal(hub_reminders_times(&r, 5, 5, t), 0);
    assert_int_equal(hub_reminders_times(&r, 9, 5, t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_default_is_midway_and_an_hour_before),
        cmocka_unit_test(points_sort_and_leave_the_window),
        cmocka_unit_test(the_due_one_is_the_latest_passed),
        cmocka_unit_test(off_and_bad_input),
    };
    return cmocka_run_group_tests_name("hub_reminders", tests, NULL, NULL);
}
