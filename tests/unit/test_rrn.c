/* Unit tests for rrn.c: every rule of docs/design.md §2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rrn.h"

#define TODAY 20261127

static rrn_status parse(const char *s, int strict, rrn *r, const char **why)
{
    return rrn_parse(s, strlen(s), TODAY, strict, r, why);
}

static void expect_invalid(const char *s, const char *reason_part)
{
    rrn r;
    const char *why = NULL;

    assert_int_equal(parse(s, 0, &r, &why), RRN_INVALID);
    assert_non_null(why);
    assert_non_null(strstr(why, reason_part));
}

static void valid_example(void **state)
{
    rrn r;
    const char *why;
    (void)state;

    assert_int_equal(parse("971013-9019902", 0, &r, &why), RRN_VALID);
    assert_string_equal(r.digits, "9710139019902");
    /* S = 9: born in the 1800s, male. */
    assert_int_equal(r.year, 1897);
    assert_int_equal(r.month, 10);
    assert_int_equal(r.day, 13);
    assert_int_equal(r.female, 0);
    assert_int_equal(r.foreign, 0);
    assert_int_equal(parse("971013-9019902", 1, &r, &why), RRN_VALID);
}

static void without_hyphen(void **state)
{
    rrn r;
    const char *why;
    (void)state;

    assert_int_equal(parse("9710139019902", 0, &r, &why), RRN_VALID);
    assert_string_equal(r.digits, "9710139019902");
}

static void checksum_mismatch_is_warning(void **state)
{
    rrn r;
    const char *why;
    (void)state;

    assert_int_equal(parse("971013-9019903", 0, &r, &why), RRN_CHECKSUM_WARNING);
    assert_non_null(strstr(why, "check digit"));
    assert_string_equal(r.digits, "9710139019903");
}

static void checksum_mismatch_strict_is_error(void **state)
{
    rrn r;
    const char *why;
    (void)state;

    assert_int_equal(parse("971013-9019903", 1, &r, &why), RRN_INVALID);
    assert_non_null(strstr(why, "check digit"));
}

static void check_digit_formula(void **state)
{
    (void)state;
    /* 9*2+7*3+1*4+0*5+1*6+3*7+9*8+0*9+1*2+9*3+9*4+0*5 = 207; 207 mod 11 = 9;
     * (11-9) mod 10 = 2. */
    assert_int_equal(rrn_check_digit("971013901990"), 2);
    /* sum mod 11 == 0 gives 11 mod 10 = 1; sum mod 11 == 1 gives 0. */
    assert_int_equal(rrn_check_digit("000000000000"), 1);
    assert_int_equal(rrn_check_digit("500000000000"), 1); /* sum 10 */
    assert_int_equal(rrn_check_digit("600000000000"), 0); /* sum 12: 12 mod 11 = 1 */
}

static void impossible_dates(void **state)
{
    (void)state;
    expect_invalid("971313-1019902", "month");   /* month 13 */
    expect_invalid("970013-1019902", "month");   /* month 0 */
    expect_invalid("970229-1019902", "day");     /* 1997 not leap */
    expect_invalid("970431-1019902", "day");     /* April has 30 */
    expect_invalid("970100-1019902", "day");     /* day 0 */
    expect_invalid("000229-9019902", "day");     /* 1800 is not leap */
}

static void leap_days_that_exist(void **state)
{
    rrn r;
    const char *why;
    (void)state;

    assert_int_not_equal(parse("960229-1000000", 0, &r, &why), RRN_INVALID);
    assert_int_not_equal(parse("000229-3000000", 0, &r, &why), RRN_INVALID); /* 2000 */
}

static void future_birth_date(void **state)
{
    rrn r;
    const char *why;
    (void)state;

    expect_invalid("991231-3000000", "future");  /* 2099 */
    expect_invalid("261128-3000000", "future");  /* tomorrow */
    assert_int_not_equal(parse("261127-3000000", 0, &r, &why), RRN_INVALID); /* today */
}

static void wrong_length(void **state)
{
    (void)state;
    expect_invalid("", "length");
    expect_invalid("971013-901990", "length");
    expect_invalid("971013-90199022", "length");
    expect_invalid("97101390199", "length");
}

static void letters_and_misplaced_hyphen(void **state)
{
    (void)state;
    expect_invalid("97101a-9019902", "digits");
    expect_invalid("971013-901990X", "digits");
    expect_invalid("9710139-019902", "hyphen");
    expect_invalid("971013 9019902", "hyphen");
}

static void century_and_sex_digits(void **state)
{
    static const struct { char s; int year; int female; int foreign; } cases[] = {
        {'9', 1880, 0, 0}, {'0', 1880, 1, 0}, {'1', 1980, 0, 0}, {'2', 1980, 1, 0},
        {'3', 2008, 0, 0}, {'4', 2008, 1, 0}, {'5', 1980, 0, 1}, {'6', 1980, 1, 1},
        {'7', 2008, 0, 1}, {'8', 2008, 1, 1},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[15];
        rrn r;
        const char *why;
        memcpy(s, cases[i].year >= 2000 ? "080101-" : "800101-", 7);
        s[7] = cases[i].s;
        memcpy(s + 8, "000000", 7);
        assert_int_not_equal(parse(s, 0, &r, &why), RRN_INVALID);
        assert_int_equal(r.year, cases[i].year);
        assert_int_equal(r.female, cases[i].female);
        assert_int_equal(r.foreign, cases[i].foreign);
    }
}

static void post_2020_random_digits(void **state)
{
    rrn r;
    const char *why;
    char s[15] = "210315-3";
    (void)state;

    /* Born 2021: the digits after S are random, so whichever check digit
     * the number has, it is accepted (as a warning when it disagrees). */
    for (char d = '0'; d <= '9'; d++) {
        memcpy(s + 8, "48172", 5);
        s[13] = d;
        s[14] = '\0';
        assert_int_not_equal(parse(s, 0, &r, &why), RRN_INVALID);
        assert_memory_equal(r.digits, "2103153481720", 12);
        assert_int_equal(r.digits[12], d);
    }
}

static void mask_hides_the_rest(void **state)
{
    char out[RRN_MASKED_LEN + 1];
    (void)state;

    rrn_mask(out, "971013-9019902", 14);
    assert_string_equal(out, "971013-*******");
    rrn_mask(out, "9710139019902", 13);
    assert_string_equal(out, "971013-*******");
    rrn_mask(out, "97", 2);
    assert_string_equal(out, "97-*******");
    rrn_mask(out, "ab1013-9019902", 14);
    assert_string_equal(out, "??1013-*******");
    assert_null(strstr(out, "9019902"));
}

#define FIND(s, from) rrn_find(s, strlen(s), from)

static void find_spots_an_rrn_in_text(void **state)
{
    (void)state;
    assert_int_equal(FIND("971013-9019902", 0), 7);
    assert_int_equal(FIND("9710139019902", 0), 6);
    assert_int_equal(FIND("tax-2026:971013-9019902-a", 0), 16);
    /* the second of two, and none past it */
    assert_int_equal(FIND("971013-9019902 850315-1234566", 8), 22);
    assert_int_equal(FIND("971013-9019902", 8), -1);
    /* not an RRN's shape: too short, a letter inside, another separator,
     * six digits that end a longer run */
    assert_int_equal(FIND("971013-901990", 0), -1);
    assert_int_equal(FIND("971013-9019a02", 0), -1);
    assert_int_equal(FIND("971013 9019902", 0), -1);
    assert_int_equal(FIND("1971013-9019902", 0), -1);
    assert_int_equal(FIND("", 0), -1);
    /* a longer run of digits holds one: treated as one */
    assert_int_equal(FIND("97101390199021", 0), 6);
    /* len bounds the search: the bytes past it are not read */
    assert_int_equal(rrn_find("971013-9019902", 13, 0), -1);
}

static void mask_all_hides_every_one_in_text(void **state)
{
    char line[] = "GET /v1/notices/971013-9019902 and 8503151234566, 12345 kept";
    char cut[] = "971013-9019902";

    (void)state;
    rrn_mask_all(line, strlen(line));
    assert_string_equal(line, "GET /v1/notices/971013-******* and 850315*******, 12345 kept");
    /* len bounds it: a run cut short by len is not one */
    rrn_mask_all(cut, 13);
    assert_string_equal(cut, "971013-9019902");
    rrn_mask_all(cut, strlen(cut));
    assert_string_equal(cut, "971013-*******");
}

static void mask_standalone_spares_runs_inside_ids(void **state)
{
    char line[] = "GET /v1/notices/971013-9019902 refused; 8503151234566 at end "
                  "job-a9710139019902f api-97101390199021 x8503151234566 8503151234566";

    (void)state;
    rrn_mask_standalone(line, strlen(line));
    assert_string_equal(line, "GET /v1/notices/971013-******* refused; 850315******* at end "
                              "job-a9710139019902f api-97101390199021 x8503151234566 850315*******");
}

#define FIND_VALID(s) rrn_find_valid(s, strlen(s), 20261204)

static void find_valid_spots_only_a_possible_rrn(void **state)
{
    (void)state;
    /* with or without the hyphen, alone or inside text, any check digit */
    assert_int_equal(FIND_VALID("971013-9019902"), 0);
    assert_int_equal(FIND_VALID("9710139019902"), 0);
    assert_int_equal(FIND_VALID("Seoul 850315-1234567 ho"), 6);
    assert_int_equal(FIND_VALID("account 12345678901234, id 850315-1234566"), 27);
    /* a 2021 birth, random digits after the sex digit */
    assert_int_equal(FIND_VALID("210505-4000000"), 0);
    /* not one: a run longer or shorter than an RRN, no possible birth
     * date, a birth date still to come, another separator */
    assert_int_equal(FIND_VALID("97101390199021"), -1);
    assert_int_equal(FIND_VALID("19710139019902"), -1);
    assert_int_equal(FIND_VALID("971013-901990"), -1);
    assert_int_equal(FIND_VALID("971313-1019902"), -1);
    assert_int_equal(FIND_VALID("270101-3000000"), -1);
    assert_int_equal(FIND_VALID("971013 9019902"), -1);
    assert_int_equal(FIND_VALID("971013--9019902"), -1);
    assert_int_equal(FIND_VALID("1,250,000 won"), -1);
    assert_int_equal(FIND_VALID(""), -1);
    /* a first impossible run does not hide a later real one */
    assert_int_equal(FIND_VALID("971313-1019902 / 971013-9019902"), 17);
    /* len bounds the search */
    assert_int_equal(rrn_find_valid("971013-9019902", 13, 20261204), -1);
}

/* From an offset: the text before it still says whether a run stands
 * alone (a digit just before from makes the run part of a longer one). */
static void find_valid_from_an_offset(void **state)
{
    const char *s = "971013-9019902 and 850315-1234567";

    (void)state;
    assert_int_equal(rrn_find_valid_from(s, strlen(s), 0, 20261204), 0);
    assert_int_equal(rrn_find_valid_from(s, strlen(s), 1, 20261204), 19);
    assert_int_equal(rrn_find_valid_from(s, strlen(s), 19, 20261204), 19);
    assert_int_equal(rrn_find_valid_from(s, strlen(s), 20, 20261204), -1);
    /* 14 digits: the last 13 are not a run of their own */
    assert_int_equal(rrn_find_valid_from("59710139019902", 14, 1, 20261204), -1);
    assert_int_equal(rrn_find_valid_from("x9710139019902", 14, 1, 20261204), 1);
    assert_int_equal(rrn_find_valid_from(s, 13, 0, 20261204), -1);
}

/* Korean days: UTC 15:00 is the next day's midnight. */
static void day_of_ms_is_korean(void **state)
{
    (void)state;
    assert_int_equal(rrn_day_of_ms(1795000000000LL), 20261118);
    assert_int_equal(rrn_day_of_ms(1796309999000LL), 20261203); /* 2026-12-03 14:59:59 UTC */
    assert_int_equal(rrn_day_of_ms(1796310000000LL), 20261204); /* 15:00 UTC */
    assert_int_equal(rrn_day_of_ms(0), 19700101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_example),
        cmocka_unit_test(without_hyphen),
        cmocka_unit_test(checksum_mismatch_is_warning),
        cmocka_unit_test(checksum_mismatch_strict_is_error),
        cmocka_unit_test(check_digit_formula),
        cmocka_unit_test(impossible_dates),
        cmocka_unit_test(leap_days_that_exist),
        cmocka_unit_test(future_birth_date),
        cmocka_unit_test(wrong_length),
        cmocka_unit_test(letters_and_misplaced_hyphen),
        cmocka_unit_test(century_and_sex_digits),
        cmocka_unit_test(post_2020_random_digits),
        cmocka_unit_test(mask_hides_the_rest),
        cmocka_unit_test(find_spots_an_rrn_in_text),
        cmocka_unit_test(mask_all_hides_every_one_in_text),
        cmocka_unit_test(mask_standalone_spares_runs_inside_ids),
        cmocka_unit_test(find_valid_spots_only_a_possible_rrn),
        cmocka_unit_test(find_valid_from_an_offset),
        cmocka_unit_test(day_of_ms_is_korean),
    };
    return cmocka_run_group_tests_name("rrn", tests, NULL, NULL);
}
