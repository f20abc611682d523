/* Unit tests for direction_control.c: the characters that change the
 * order in which text is drawn, found and named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "direction_control.h"

static void which_are_direction_controls(void **state)
{
    static const uint32_t yes[] = {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C,
                                   0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069};
    static const uint32_t no[] = {'a', 0x200B, 0x200D, 0x2029, 0x202F, 0x2065, 0x206A,
                                  0x061B, 0x3000, 0xD55C};
    (void)state;

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(direction_control(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(direction_control(no[i]));
}

static void the_first_is_found_and_named(void **state)
{
    const char *s = "홍길동 \u2067abc\u202e\u2069";
    (void)state;

    assert_int_equal(direction_control_find(s, strlen(s)), 0x2067);
    assert_int_equal(direction_control_find("\u061c", 2), 0x061C);
    assert_int_equal(direction_control_find("홍길동 \u200b", strlen("홍길동 \u200b")), 0);
    assert_int_equal(direction_control_find("", 0), 0);
    /* bytes that are not UTF-8 are no direction control; cut short, neither */
    assert_int_equal(direction_control_find("\xe2\x80", 2), 0);
    assert_int_equal(direction_control_find("\xff\xe2\x80\xae", 4), 0x202E);
    assert_null(direction_control_problem("서울", strlen("서울")));
    assert_string_equal(direction_control_problem("\u202e1", 4),
                        "holds a direction control character (U+202E), which can change what "
                        "is printed");
    assert_string_equal(direction_control_problem("a\u061c", 3),
                        "holds a direction control character (U+061C), which can change what "
                        "is printed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(which_are_direction_controls),
        cmocka_unit_test(the_first_is_found_and_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
