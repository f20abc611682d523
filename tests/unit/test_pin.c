/* Unit tests for pin.c: what a PIN looks like, and the Argon2id hashes
 * it is stored as. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "pin.h"

static void pin_rules(void **state)
{
    (void)state;
    assert_true(pin_ok("1234"));
    assert_true(pin_ok("12345678"));
    assert_false(pin_ok("123"));
    assert_false(pin_ok("123456789"));
    assert_false(pin_ok("12a4"));
    assert_false(pin_ok(""));
}

/* crypto.c's Argon2id wrapper, at both costs the platform offers. */
static void pin_hashes_verify(void **state)
{
    char h[PWHASH_STR_MAX];
    (void)state;

    assert_int_equal(crypto_init(), 0);
    for (int cost = PWHASH_INTERACTIVE; cost <= PWHASH_MIN; cost++) {
        assert_int_equal(pwhash_str(h, "123456", 6, (pwhash_cost)cost), 0);
        assert_true(strncmp(h, "$argon2id$", 10) == 0);
        assert_true(pwhash_verify(h, "123456", 6));
        assert_false(pwhash_verify(h, "123457", 6));
    }
    assert_false(pwhash_verify("not a hash", "1234", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_rules),
        cmocka_unit_test(pin_hashes_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
