/* Unit tests for notice_state.c: every (state, event) pair, final states,
 * who may report what, names, and the retry schedule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "notice_state.h"

static void happy_path(void **state)
{
    notice_state s = NS_ACCEPTED;
    (void)state;

    assert_int_equal(notice_state_apply(s, EV_RELAY_ACCEPTANCE, &s), NS_MOVED);
    assert_int_equal(s, NS_RELAYED);
    assert_int_equal(notice_state_apply(s, EV_CONSIGNMENT_NOTIFICATION, &s), NS_RECORDED);
    assert_int_equal(s, NS_RELAYED);
    assert_int_equal(notice_state_apply(s, EV_CONTENT_CONSIGNMENT, &s), NS_MOVED);
    assert_int_equal(s, NS_RECEIVED);
    assert_int_equal(notice_state_apply(s, EV_CONTENT_HANDOVER, &s), NS_MOVED);
    assert_int_equal(s, NS_READ);
}

static void final_states_are_never_left(void **state)
{
    (void)state;
    for (int f = NS_READ; f <= NS_PAID; f++)
        for (int e = 0; e < EV_COUNT; e++) {
            notice_state next;
            assert_int_equal(notice_state_apply((notice_state)f, (notice_event)e, &next),
                             NS_IGNORED);
            assert_int_equal(next, f);
        }
}

/* One row per non-final state, every event named: a new event must be
 * placed here (the count below stops the build until it is). */
_Static_assert(EV_COUNT == 19, "every_pair_lands_where_the_diagram_says: add the new event");

static void every_pair_lands_where_the_diagram_says(void **state)
{
    /* want[state][event]: the state after, for the non-final states. */
    static const notice_state want[3][EV_COUNT] = {
        [NS_ACCEPTED] = {
            [EV_SUBMISSION_ACCEPTANCE] = NS_ACCEPTED,
            [EV_SUBMISSION_REJECTION] = NS_ACCEPTED,
            [EV_RELAY_ACCEPTANCE] = NS_RELAYED,
            [EV_RELAY_REJECTION] = NS_ACCEPTED,
            [EV_RELAY_FAILURE] = NS_ACCEPTED,
            [EV_RELAY_TO_NON_ERDS] = NS_POSTAL,
            [EV_CONTENT_CONSIGNMENT] = NS_RECEIVED,
            [EV_CONSIGNMENT_NOTIFICATION] = NS_ACCEPTED,
            [EV_CONSIGNMENT_NOTIFICATION_DELIVERY] = NS_ACCEPTED,
            [EV_CONSIGNMENT_NOTIFICATION_FAILURE] = NS_ACCEPTED,
            [EV_CONTENT_HANDOVER] = NS_READ,
            [EV_CONTENT_HANDOVER_FAILURE] = NS_ACCEPTED,
            [EV_ACCEPTANCE_REJECTION_EXPIRY] = NS_ACCEPTED,
            [EV_REMINDER_NOTIFICATION] = NS_ACCEPTED,
            [EV_CONSENT_PRE_NOTIFICATION] = NS_ACCEPTED,
            [EV_CONSENT_ACCEPTANCE] = NS_ACCEPTED,
            [EV_NOTICE_CANCELLATION] = NS_CANCELLED,
            [EV_PAYMENT_RECEIVED] = NS_PAID,
            [EV_PRINT_HANDOVER] = NS_ACCEPTED,
        },
        [NS_RELAYED] = {
            [EV_SUBMISSION_ACCEPTANCE] = NS_RELAYED,
            [EV_SUBMISSION_REJECTION] = NS_RELAYED,
            [EV_RELAY_ACCEPTANCE] = NS_RELAYED,
            [EV_RELAY_REJECTION] = NS_RELAYED,
            [EV_RELAY_FAILURE] = NS_RELAYED,
            [EV_RELAY_TO_NON_ERDS] = NS_POSTAL,
            [EV_CONTENT_CONSIGNMENT] = NS_RECEIVED,
            [EV_CONSIGNMENT_NOTIFICATION] = NS_RELAYED,
            [EV_CONSIGNMENT_NOTIFICATION_DELIVERY] = NS_RELAYED,
            [EV_CONSIGNMENT_NOTIFICATION_FAILURE] = NS_ACCEPTED,
            [EV_CONTENT_HANDOVER] = NS_READ,
            [EV_CONTENT_HANDOVER_FAILURE] = NS_RELAYED,
            [EV_ACCEPTANCE_REJECTION_EXPIRY] = NS_ACCEPTED,
            [EV_REMINDER_NOTIFICATION] = NS_RELAYED,
            [EV_CONSENT_PRE_NOTIFICATION] = NS_RELAYED,
            [EV_CONSENT_ACCEPTANCE] = NS_RELAYED,
            [EV_NOTICE_CANCELLATION] = NS_CANCELLED,
            [EV_PAYMENT_RECEIVED] = NS_PAID,
            [EV_PRINT_HANDOVER] = NS_RELAYED,
        },
        [NS_RECEIVED] = {
            [EV_SUBMISSION_ACCEPTANCE] = NS_RECEIVED,
            [EV_SUBMISSION_REJECTION] = NS_RECEIVED,
            [EV_RELAY_ACCEPTANCE] = NS_RECEIVED,
            [EV_RELAY_REJECTION] = NS_RECEIVED,
            [EV_RELAY_FAILURE] = NS_RECEIVED,
            [EV_RELAY_TO_NON_ERDS] = NS_POSTAL,
            [EV_CONTENT_CONSIGNMENT] = NS_RECEIVED,
            [EV_CONSIGNMENT_NOTIFICATION] = NS_RECEIVED,
            [EV_CONSIGNMENT_NOTIFICATION_DELIVERY] = NS_RECEIVED,
            [EV_CONSIGNMENT_NOTIFICATION_FAILURE] = NS_ACCEPTED,
            [EV_CONTENT_HANDOVER] = NS_READ,
            [EV_CONTENT_HANDOVER_FAILURE] = NS_RECEIVED,
            [EV_ACCEPTANCE_REJECTION_EXPIRY] = NS_ACCEPTED,
            [EV_REMINDER_NOTIFICATION] = NS_RECEIVED,
            [EV_CONSENT_PRE_NOTIFICATION] = NS_RECEIVED,
            [EV_CONSENT_ACCEPTANCE] = NS_RECEIVED,
            [EV_NOTICE_CANCELLATION] = NS_CANCELLED,
            [EV_PAYMENT_RECEIVED] = NS_PAID,
            [EV_PRINT_HANDOVER] = NS_RECEIVED,
        },
    };
    (void)state;

    for (int s = 0; s < 3; s++)
        for (int e = 0; e < EV_COUNT; e++) {
            notice_state next;
            notice_outcome o = notice_state_apply((notice_state)s, (notice_event)e, &next);
            assert_int_equal(next, want[s][e]);
            assert_int_equal(o, next == (notice_state)s ? NS_RECORDED : NS_MOVED);
        }
}

/* A cancellation ends an unread notice; a read or posted one only
 * records it, and nobody but the hub records it. */
static void cancellation_ends_only_unread_notices(void **state)
{
    notice_state s = NS_RECEIVED;
    (void)state;

    assert_int_equal(notice_state_apply(s, EV_NOTICE_CANCELLATION, &s), NS_MOVED);
    assert_int_equal(s, NS_CANCELLED);
    assert_true(notice_state_is_final(s));
    assert_int_equal(notice_state_apply(s, EV_CONTENT_HANDOVER, &s), NS_IGNORED);
    assert_int_equal(s, NS_CANCELLED);
    s = NS_READ;
    assert_int_equal(notice_state_apply(s, EV_NOTICE_CANCELLATION, &s), NS_IGNORED);
    assert_int_equal(s, NS_READ);
    assert_true(notice_event_allowed(ROLE_HUB, EV_NOTICE_CANCELLATION));
    assert_false(notice_event_allowed(ROLE_AGENCY, EV_NOTICE_CANCELLATION));
    assert_int_equal(notice_event_parse("NoticeCancellation"), EV_NOTICE_CANCELLATION);
    assert_int_equal(notice_state_parse("cancelled"), NS_CANCELLED);
}

/* A failed alert sends the notice on like an expiry, and nothing else a
 * platform says about an alert moves it. */
static void a_failed_alert_moves_the_notice_on(void **state)
{
    notice_state s = NS_RECEIVED;
    (void)state;

    assert_int_equal(notice_state_apply(s, EV_CONSIGNMENT_NOTIFICATION_DELIVERY, &s),
                     NS_RECORDED);
    assert_int_equal(s, NS_RECEIVED);
    assert_int_equal(notice_state_apply(s, EV_CONSIGNMENT_NOTIFICATION_FAILURE, &s), NS_MOVED);
    assert_int_equal(s, NS_ACCEPTED);
    /* a second failure while the notice waits for its next platform */
    assert_int_equal(notice_state_apply(s, EV_CONSIGNMENT_NOTIFICATION_FAILURE, &s),
                     NS_RECORDED);
    assert_int_equal(s, NS_ACCEPTED);
    s = NS_READ;
    assert_int_equal(notice_state_apply(s, EV_CONSIGNMENT_NOTIFICATION_FAILURE, &s),
                     NS_IGNORED);
    assert_int_equal(s, NS_READ);
}

static void events_naming_a_channel(void **state)
{
    (void)state;
    for (int e = 0; e < EV_COUNT; e++)
        assert_int_equal(notice_event_names_channel((notice_event)e),
                         e == EV_CONSIGNMENT_NOTIFICATION ||
                             e == EV_CONSIGNMENT_NOTIFICATION_DELIVERY ||
                             e == EV_CONSIGNMENT_NOTIFICATION_FAILURE);
    assert_false(notice_event_names_channel((notice_event)EV_COUNT));
}

static void roles_report_only_their_events(void **state)
{
    (void)state;
    assert_true(notice_event_allowed(ROLE_PLATFORM, EV_CONTENT_CONSIGNMENT));
    assert_true(notice_event_allowed(ROLE_PLATFORM, EV_CONSIGNMENT_NOTIFICATION));
    assert_true(notice_event_allowed(ROLE_PLATFORM, EV_CONSIGNMENT_NOTIFICATION_DELIVERY));
    assert_true(notice_event_allowed(ROLE_PLATFORM, EV_CONSIGNMENT_NOTIFICATION_FAILURE));
    assert_false(notice_event_allowed(ROLE_AGENCY, EV_CONSIGNMENT_NOTIFICATION_DELIVERY));
    assert_false(notice_event_allowed(ROLE_HUB, EV_CONSIGNMENT_NOTIFICATION_DELIVERY));
    assert_false(notice_event_allowed(ROLE_PLATFORM, EV_CONTENT_HANDOVER));
    assert_false(notice_event_allowed(ROLE_PLATFORM, EV_RELAY_ACCEPTANCE));
    assert_true(notice_event_allowed(ROLE_AGENCY, EV_CONTENT_HANDOVER));
    assert_true(notice_event_allowed(ROLE_AGENCY, EV_CONTENT_HANDOVER_FAILURE));
    assert_false(notice_event_allowed(ROLE_AGENCY, EV_CONTENT_CONSIGNMENT));
    assert_false(notice_event_allowed(ROLE_AGENCY, EV_RELAY_TO_NON_ERDS));
    assert_true(notice_event_allowed(ROLE_AGENCY, EV_PRINT_HANDOVER));
    assert_false(notice_event_allowed(ROLE_PLATFORM, EV_PRINT_HANDOVER));
    assert_true(notice_event_allowed(ROLE_HUB, EV_ACCEPTANCE_REJECTION_EXPIRY));
    assert_false(notice_event_allowed(ROLE_AGENCY, (notice_event)EV_COUNT));
    /* a payment comes with its amount and code through POST /v1/payments */
    assert_true(notice_event_allowed(ROLE_HUB, EV_PAYMENT_RECEIVED));
    assert_false(notice_event_allowed(ROLE_AGENCY, EV_PAYMENT_RECEIVED));
    assert_false(notice_event_allowed(ROLE_PLATFORM, EV_PAYMENT_RECEIVED));
}

/* Reminders and the consent pre-notice: the hub records the first two
 * from a platform's answers to its own calls, so nobody reports them;
 * a platform reports the consent. None moves a notice: RelayAcceptance
 * made it relayed, ContentConsignment after the consent makes it
 * received, and an expiry or a read works as for any notice. */
static void reminders_and_consent_move_nothing(void **state)
{
    static const notice_event evs[] = {EV_REMINDER_NOTIFICATION, EV_CONSENT_PRE_NOTIFICATION,
                                       EV_CONSENT_ACCEPTANCE};
    (void)state;

    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        for (int s = 0; s < NS_COUNT; s++) {
            notice_state next;
            notice_outcome o = notice_state_apply((notice_state)s, evs[i], &next);
            assert_int_equal(next, s);
            assert_int_equal(o, notice_state_is_final((notice_state)s) ? NS_IGNORED
                                                                         : NS_RECORDED);
        }
    for (int r = ROLE_HUB; r <= ROLE_AGENCY; r++) {
        assert_int_equal(notice_event_allowed((notice_role)r, EV_REMINDER_NOTIFICATION),
                         r == ROLE_HUB);
        assert_int_equal(notice_event_allowed((notice_role)r, EV_CONSENT_PRE_NOTIFICATION),
                         r == ROLE_HUB);
        assert_int_equal(notice_event_allowed((notice_role)r, EV_CONSENT_ACCEPTANCE),
                         r == ROLE_PLATFORM);
    }
    assert_string_equal(notice_event_name(EV_REMINDER_NOTIFICATION), "ReminderNotification");
    assert_string_equal(notice_event_name(EV_CONSENT_PRE_NOTIFICATION),
                        "ConsentPreNotification");
    assert_int_equal(notice_event_parse("ConsentAcceptance"), EV_CONSENT_ACCEPTANCE);
    /* the walk of a pre-noticed notice that is consented and read */
    notice_state st = NS_ACCEPTED;
    static const notice_event walk[] = {EV_RELAY_ACCEPTANCE, EV_CONSENT_PRE_NOTIFICATION,
                                        EV_CONSENT_ACCEPTANCE, EV_CONTENT_CONSIGNMENT,
                                        EV_REMINDER_NOTIFICATION, EV_CONTENT_HANDOVER};
    static const notice_state after[] = {NS_RELAYED, NS_RELAYED, NS_RELAYED,
                                         NS_RECEIVED, NS_RECEIVED, NS_READ};
    for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
        notice_state_apply(st, walk[i], &st);
        assert_int_equal(st, after[i]);
    }
    /* and one nobody consented to: back to the queue at its window's end */
    notice_state_apply(NS_RELAYED, EV_ACCEPTANCE_REJECTION_EXPIRY, &st);
    assert_int_equal(st, NS_ACCEPTED);
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int e = 0; e < EV_COUNT; e++)
        assert_int_equal(notice_event_parse(notice_event_name((notice_event)e)), e);
    for (int s = 0; s < NS_COUNT; s++)
        assert_int_equal(notice_state_parse(notice_state_name((notice_state)s)), s);
    assert_string_equal(notice_event_name(EV_RELAY_TO_NON_ERDS), "RelayToNonERDS");
    assert_string_equal(notice_event_name(EV_CONSIGNMENT_NOTIFICATION_DELIVERY),
                        "ConsignmentNotificationDelivery");
    assert_int_equal(notice_event_parse("contentconsignment"), -1);
    assert_int_equal(notice_event_parse(""), -1);
    assert_int_equal(notice_state_parse("lost"), -1);
}

static void retry_delay_doubles_to_a_minute(void **state)
{
    (void)state;
    assert_true(notice_retry_delay_ms(0) == 1000);
    assert_true(notice_retry_delay_ms(1) == 1000);
    assert_true(notice_retry_delay_ms(2) == 2000);
    assert_true(notice_retry_delay_ms(3) == 4000);
    assert_true(notice_retry_delay_ms(6) == 32000);
    assert_true(notice_retry_delay_ms(7) == 60000);
    assert_true(notice_retry_delay_ms(1000000) == 60000);
}

static void retries_add_up(void **state)
{
    (void)state;
    assert_true(notice_retry_elapsed_ms(0) == 0);
    assert_true(notice_retry_elapsed_ms(1) == 0);
    assert_true(notice_retry_elapsed_ms(2) == 1000);
    assert_true(notice_retry_elapsed_ms(3) == 3000);
    assert_true(notice_retry_elapsed_ms(7) == 63000);
    assert_true(notice_retry_elapsed_ms(8) == 123000);
    assert_true(notice_retry_elapsed_ms(10) == 243000);
}

static void a_failing_channel_is_given_up_at_its_deadline(void **state)
{
    const long long hour = 3600000, now = 100 * hour;
    (void)state;

    /* Before the deadline: retried while the next try comes in time. */
    assert_false(notice_relay_give_up(now + hour, 1, now, 0, 60000));
    assert_false(notice_relay_give_up(now + 1000, 1, now, 0, 60000));
    assert_true(notice_relay_give_up(now + 999, 1, now, 0, 60000));
    assert_true(notice_relay_give_up(now + 30000, 7, now, 0, 60000));
    /* Failing since before the deadline, now past it: given up. */
    assert_true(notice_relay_give_up(now - 1, 9, now, 0, hour));
    /* A fallback channel: the fallback window from its first failure,
     * or the deadline if that is later. */
    assert_false(notice_relay_give_up(now + 500, 1, now, 1, 60000));
    assert_true(notice_relay_give_up(now + 500, 7, now, 1, 60000)); /* 63 s in */
    assert_false(notice_relay_give_up(now + hour, 9, now, 1, 60000));
    assert_false(notice_relay_give_up(now - hour, 1, now, 1, 60000));
    assert_false(notice_relay_give_up(now - hour, 4, now, 1, 60000)); /* 7 s in */
    assert_true(notice_relay_give_up(now - hour, 7, now, 1, 60000));  /* 63 s in */
    assert_true(notice_relay_give_up(now - hour, 1, now, 1, 0));
    /* A first channel first tried after the deadline: given up at once. */
    assert_true(notice_relay_give_up(now - hour, 1, now, 0, 60000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(happy_path),
        cmocka_unit_test(final_states_are_never_left),
        cmocka_unit_test(every_pair_lands_where_the_diagram_says),
        cmocka_unit_test(a_failed_alert_moves_the_notice_on),
        cmocka_unit_test(events_naming_a_channel),
        cmocka_unit_test(roles_report_only_their_events),
        cmocka_unit_test(reminders_and_consent_move_nothing),
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(cancellation_ends_only_unread_notices),
        cmocka_unit_test(retry_delay_doubles_to_a_minute),
        cmocka_unit_test(retries_add_up),
        cmocka_unit_test(a_failing_channel_is_given_up_at_its_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
