/* Unit tests for population.c: the demo's citizens must be valid, unique
 * where it matters, reproducible, and spread over the cases the demo needs
 * (members of one, both or no platform; post-2020 numbers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pin.h"
#include "population.h"
#include "rrn.h"

#define N 20000
#define TODAY 20261127

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void rrns_parse_and_checksums_follow_the_era(void **state)
{
    citizen c;
    (void)state;

    for (uint64_t i = 0; i < N; i++) {
        rrn r;
        const char *why;
        population_citizen(1, i, TODAY, &c);
        rrn_status st = rrn_parse(c.rrn, strlen(c.rrn), TODAY, 0, &r, &why);
        assert_int_not_equal(st, RRN_INVALID);
        if (!c.post2020)
            assert_int_equal(st, RRN_VALID);
        else
            assert_true(r.year >= 2021);
    }
}

static void phones_are_unique(void **state)
{
    char (*phones)[14] = malloc(N * sizeof *phones);
    citizen c;
    (void)state;

    for (uint64_t i = 0; i < N; i++) {
        population_citizen(1, i, TODAY, &c);
        memcpy(phones[i], c.phone, 14);
        assert_int_equal(strlen(c.phone), 13);
    }
    qsort(phones, N, sizeof *phones, cmp_str);
    for (size_t i = 1; i < N; i++)
        assert_string_not_equal(phones[i - 1], phones[i]);
    free(phones);
}

/* Two citizens with one RRN would be one person to herald: the second
 * sign-up is refused and that citizen can never sign in. Drawn at random,
 * 400,000 RRNs would repeat about 18 times. */
#define N_RRNS 400000

static void rrns_are_unique(void **state)
{
    char (*rrns)[15] = malloc(N_RRNS * sizeof *rrns);
    citizen c;
    (void)state;

    assert_non_null(rrns);
    for (uint64_t i = 0; i < N_RRNS; i++) {
        population_citizen(1, i, TODAY, &c);
        memcpy(rrns[i], c.rrn, 15);
    }
    qsort(rrns, N_RRNS, sizeof *rrns, cmp_str);
    for (size_t i = 1; i < N_RRNS; i++)
        if (strcmp(rrns[i - 1], rrns[i]) == 0)
            fail_msg("RRN %.7s... twice", rrns[i]);
    free(rrns);
}

static void same_seed_same_citizen(void **state)
{
    citizen a, b;
    (void)state;

    population_citizen(7, 123, TODAY, &a);
    population_citizen(7, 123, TODAY, &b);
    assert_memory_equal(&a, &b, sizeof a);
    population_citizen(8, 123, TODAY, &b);
    assert_string_not_equal(a.rrn, b.rrn);
}

static void the_mix_covers_every_case(void **state)
{
    long both = 0, none = 0, only_carrier = 0, post2020 = 0, unreachable = 0;
    citizen c;
    (void)state;

    for (uint64_t i = 0; i < N; i++) {
        population_citizen(1, i, TODAY, &c);
        both += c.member[0] && c.member[1];
        none += !c.member[0] && !c.member[1];
        only_carrier += !c.member[0] && c.member[1];
        post2020 += c.post2020;
        unreachable += !population_reachable(&c);
        assert_true(strlen(c.pin) == 6);
        assert_true(pin_ok(c.pin) && !pin_guessable(c.pin)); /* every platform takes it */
        {
            rrn r;
            const char *why;
            assert_true(rrn_parse(c.rrn, strlen(c.rrn), TODAY, 0, &r, &why) != RRN_INVALID);
            assert_null(pin_echoes(c.pin, c.phone, r.year * 10000 + r.month * 100 + r.day));
        }
        assert_true(c.consent[0] <= c.member[0] && c.consent[1] <= c.member[1]);
    }
    /* About 30% both, 10% neither, 15% carrier only, 3% post-2020. */
    assert_in_range(both, N * 25 / 100, N * 35 / 100);
    assert_in_range(none, N * 7 / 100, N * 13 / 100);
    assert_in_range(only_carrier, N * 11 / 100, N * 19 / 100);
    assert_in_range(post2020, N * 1 / 100, N * 5 / 100);
    assert_true(unreachable > none);
}

/* The phone view finds a citizen from the number a text went to. */
static void a_phone_leads_back_to_its_citizen(void **state)
{
    citizen c;
    uint64_t i;
    char digits[12];
    (void)state;

    for (uint64_t k = 0; k < N; k += 37) {
        population_citizen(1, k, TODAY, &c);
        assert_int_equal(population_index_of_phone(c.phone, N, &i), 0);
        assert_int_equal(i, k);
        snprintf(digits, sizeof digits, "010%.4s%.4s", c.phone + 4, c.phone + 9);
        assert_int_equal(population_index_of_phone(digits, N, &i), 0);
        assert_int_equal(i, k);
        /* The same number past the population's end belongs to nobody. */
        assert_int_equal(population_index_of_phone(c.phone, k, &i), -1);
    }
    assert_int_equal(population_index_of_phone("011-1234-5678", N, &i), -1);
    assert_int_equal(population_index_of_phone("010-1234-567", N, &i), -1);
    assert_int_equal(population_index_of_phone("010-1234-56789", N, &i), -1);
    assert_int_equal(population_index_of_phone("010-12a4-5678", N, &i), -1);
    assert_int_equal(population_index_of_phone("", N, &i), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rrns_parse_and_checksums_follow_the_era),
        cmocka_unit_test(phones_are_unique),
        cmocka_unit_test(rrns_are_unique),
        cmocka_unit_test(a_phone_leads_back_to_its_citizen),
        cmocka_unit_test(same_seed_same_citizen),
        cmocka_unit_test(the_mix_covers_every_case),
    };
    return cmocka_run_group_tests_name("population", tests, NULL, NULL);
}
