/* test_legal_effect.c -- the legal-effect rule: its syntax, and the date
 * it gives for every combination of the default rule's events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "legal_effect.h"

#define DAY EFFECT_DAY_MS

static effect_rule rule_of(const char *text)
{
    effect_rule r;
    char err[256];

    assert_int_equal(effect_rule_parse(text, &r, err, sizeof err), 0);
    return r;
}

static void default_rule_parses_and_formats_back(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    char text[EFFECT_RULE_TEXT_MAX + 1];
    (void)state;

    assert_int_equal(r.n, 3);
    assert_string_equal(r.terms[0].event, "ContentHandover");
    assert_int_equal(r.terms[0].days, 0);
    assert_string_equal(r.terms[1].event, "ContentConsignment");
    assert_int_equal(r.terms[1].days, 7);
    assert_string_equal(r.terms[2].event, "PrintHandover");
    assert_int_equal(r.terms[2].days, 10);
    effect_rule_format(&r, text, sizeof text);
    assert_string_equal(text, EFFECT_RULE_DEFAULT);
    r = rule_of("  ContentConsignment+0d ,ContentHandover+3650d  ");
    assert_int_equal(r.terms[0].days, 0);
    assert_int_equal(r.terms[1].days, 3650);
}

static void bad_rules_are_refused_with_a_reason(void **state)
{
    static const struct { const char *text, *why; } bad[] = {
        {"", "term 1: expected an evidence event name"},
        {"   ", "term 1: expected an evidence event name"},
        {"Reading", "term 1: 'Reading' is not an evidence event"},
        {"ContentHandover,", "term 2: expected an evidence event name"},
        {"ContentHandover ContentConsignment", "term 1: expected ',' or the end after it"},
        {"ContentConsignment+7", "term 1: after ContentConsignment, +N d"},
        {"ContentConsignment+d", "term 1: after ContentConsignment, +N d"},
        {"ContentConsignment+3651d", "term 1: after ContentConsignment, +N d"},
        {"ContentConsignment+99999999d", "term 1: after ContentConsignment, +N d"},
        {"ContentConsignment-7d", "term 1: expected ',' or the end after it"},
        {"ContentConsignment+7d, ContentConsignment+8d", "term 2: ContentConsignment is named twice"},
        {"ContentHandover;", "term 1: expected ',' or the end after it"},
        {"ContentHandover+7dx", "term 1: expected ',' or the end after it"},
    };
    effect_rule r;
    char err[256];
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(effect_rule_parse(bad[i].text, &r, err, sizeof err), -1);
        if (strncmp(err, bad[i].why, strlen(bad[i].why)) != 0)
            fail_msg("'%s': got '%s', want '%s'", bad[i].text, err, bad[i].why);
    }
}

static void limits_hold(void **state)
{
    char text[EFFECT_RULE_TEXT_MAX + 64], err[256];
    effect_rule r;
    (void)state;

    memset(text, ' ', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    memcpy(text + sizeof text - 17, "ContentHandover", 15);
    assert_int_equal(effect_rule_parse(text, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
    assert_int_equal(effect_rule_parse(NULL, &r, err, sizeof err), -1);
    /* nine distinct events: one past the limit */
    assert_int_equal(effect_rule_parse("SubmissionAcceptance, RelayAcceptance, RelayRejection,"
                                       " RelayFailure, RelayToNonERDS, ContentConsignment,"
                                       " ContentHandover, ConsignmentNotification,"
                                       " AcceptanceRejectionExpiry", &r, err, sizeof err), -1);
    assert_string_equal(err, "at most 8 terms");
}

/* Every subset of {read, consigned, printed}, at every order of their
 * times: the date is the earliest of the terms that apply. */
static void default_rule_on_every_combination(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    static const long long times[] = {0, 1, 3 * DAY, 7 * DAY, 7 * DAY + 1, 20 * DAY};
    const size_t nt = sizeof times / sizeof times[0];
    (void)state;

    for (int mask = 0; mask < 8; mask++)
        for (size_t a = 0; a < nt; a++)
            for (size_t b = 0; b < nt; b++)
                for (size_t c = 0; c < nt; c++) {
                    effect_event ev[4];
                    size_t n = 0, term = 99;
                    long long want = -1, got = -1;
                    int want_term = -1;
                    long long cand[3] = {times[a], times[b] + 7 * DAY, times[c] + 10 * DAY};
                    const char *names[3] = {"ContentHandover", "ContentConsignment",
                                            "PrintHandover"};
                    long long at[3] = {times[a], times[b], times[c]};
                    ev[n++] = (effect_event){"SubmissionAcceptance", 0};
                    for (int k = 0; k < 3; k++)
                        if (mask & (1 << k)) {
                            ev[n++] = (effect_event){names[k], at[k]};
                            if (want < 0 || cand[k] < want) {
                                want = cand[k];
                                want_term = k;
                            }
                        }
                    int found = effect_compute(&r, ev, n, &got, &term);
                    assert_int_equal(found, mask != 0);
                    if (found) {
                        assert_int_equal(got, want);
                        assert_int_equal((int)term, want_term);
                    }
                }
}

static void first_occurrence_counts(void **state)
{
    effect_rule r = rule_of("ContentConsignment+7d");
    /* the notice reached a second inbox after the first channel failed */
    effect_event ev[] = {{"ContentConsignment", 5 * DAY}, {"ContentConsignment", 2 * DAY},
                         {"ContentHandover", DAY}};
    long long at;
    (void)state;

    assert_int_equal(effect_compute(&r, ev, 3, &at, NULL), 1);
    assert_int_equal(at, 9 * DAY);
    assert_int_equal(effect_compute(&r, ev + 2, 1, &at, NULL), 0);
    assert_int_equal(effect_compute(&r, NULL, 0, &at, NULL), 0);
}

static void unread_for_seven_days_is_effective_on_day_seven(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    long long t0 = 1795000000000LL, at;
    effect_event unread[] = {{"ContentConsignment", t0}};
    effect_event read_late[] = {{"ContentConsignment", t0}, {"ContentHandover", t0 + 9 * DAY}};
    effect_event read_early[] = {{"ContentConsignment", t0}, {"ContentHandover", t0 + DAY}};
    size_t term;
    (void)state;

    assert_int_equal(effect_compute(&r, unread, 1, &at, &term), 1);
    assert_int_equal(at, t0 + 7 * DAY);
    assert_int_equal(term, 1);
    assert_int_equal(effect_compute(&r, read_late, 2, &at, &term), 1);
    assert_int_equal(at, t0 + 7 * DAY);
    assert_int_equal(effect_compute(&r, read_early, 2, &at, &term), 1);
    assert_int_equal(at, t0 + DAY);
    assert_int_equal(term, 0);
}

static void ties_go_to_the_earlier_term(void **state)
{
    effect_rule r = rule_of("ContentConsignment+1d, ContentHandover");
    effect_event ev[] = {{"ContentHandover", 2 * DAY}, {"ContentConsignment", DAY}};
    long long at;
    size_t term;
    (void)state;

    assert_int_equal(effect_compute(&r, ev, 2, &at, &term), 1);
    assert_int_equal(at, 2 * DAY);
    assert_int_equal(term, 0);
}

static void described_in_words(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    effect_event ev[] = {{"ContentConsignment", 1795766400123LL}};
    char text[256];
    (void)state;

    effect_describe(&r, ev, 1, 1795766400123LL, text, sizeof text);
    assert_string_equal(text, "2026-12-04T08:00:00.123Z (ContentConsignment+7d), pending");
    effect_describe(&r, ev, 1, 1795766400123LL + 7 * DAY, text, sizeof text);
    assert_string_equal(text, "2026-12-04T08:00:00.123Z (ContentConsignment+7d)");
    effect_describe(&r, ev, 0, 0, text, sizeof text);
    assert_string_equal(text, "none yet (no ContentHandover, ContentConsignment, PrintHandover"
                              " in the evidence)");
}

/* Cancelled before its date: no effect; at or after it: the date stands. */
static void a_cancellation_before_the_date_voids_it(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    effect_event ev[] = {{"ContentConsignment", DAY}, {"NoticeCancellation", 3 * DAY},
                         {"PrintHandover", 20 * DAY}};
    effect_event read_then_cancelled[] = {{"NoticeCancellation", 2 * DAY},
                                          {"ContentHandover", 2 * DAY},
                                          {"ContentConsignment", DAY}};
    long long at = 0;
    char text[256];
    (void)state;

    assert_int_equal(effect_compute(&r, ev, 3, &at, NULL), 0);
    assert_int_equal(at, 8 * DAY); /* the date it would have had */
    assert_int_equal(effect_cancelled_at(ev, 3), 3 * DAY);
    effect_describe(&r, ev, 3, 30 * DAY, text, sizeof text);
    assert_string_equal(text, "none: cancelled at 1970-01-04T00:00:00.000Z, before it took effect");
    ev[1].at_ms = 8 * DAY; /* cancelled at its very date: it stands */
    assert_int_equal(effect_compute(&r, ev, 3, &at, NULL), 1);
    assert_int_equal(at, 8 * DAY);
    assert_int_equal(effect_compute(&r, read_then_cancelled, 3, &at, NULL), 1);
    assert_int_equal(at, 2 * DAY);
    assert_int_equal(effect_cancelled_at(ev, 1), -1);
}

static void evidence_times_parse(void **state)
{
    (void)state;
    assert_int_equal(effect_parse_time("1970-01-01T00:00:00.000Z"), 0);
    assert_int_equal(effect_parse_time("1970-01-02T00:00:01Z"), DAY + 1000);
    assert_int_equal(effect_parse_time("2026-11-27T08:00:00.123Z"), 1795766400123LL);
    assert_int_equal(effect_parse_time("2024-02-29T23:59:59.999Z"), 1709251199999LL);
    assert_int_equal(effect_parse_time("2023-02-29T00:00:00.000Z"), -1);
    assert_int_equal(effect_parse_time("2026-11-27T24:00:00.000Z"), -1);
    assert_int_equal(effect_parse_time("2026-11-27T08:00:00.123+09:00"), -1);
    assert_int_equal(effect_parse_time("2026-11-27 08:00:00.123Z"), -1);
    assert_int_equal(effect_parse_time("2026-11-27T08:00:00.12Z"), -1);
    assert_int_equal(effect_parse_time(""), -1);
    assert_int_equal(effect_parse_time(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_rule_parses_and_formats_back),
        cmocka_unit_test(bad_rules_are_refused_with_a_reason),
        cmocka_unit_test(limits_hold),
        cmocka_unit_test(default_rule_on_every_combination),
        cmocka_unit_test(first_occurrence_counts),
        cmocka_unit_test(unread_for_seven_days_is_effective_on_day_seven),
        cmocka_unit_test(ties_go_to_the_earlier_term),
        cmocka_unit_test(described_in_words),
        cmocka_unit_test(a_cancellation_before_the_date_voids_it),
        cmocka_unit_test(evidence_times_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
