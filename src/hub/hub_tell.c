/* hub_tell.c -- the worker that asks platforms to act on notices they
 * hold: remind members of unread ones (hub_remind.c) and withdraw
 * cancelled ones (hub_withdraw.c).
 *
 * It is not the deadline worker: a platform that takes a call and never
 * answers would hold that thread for the call's whole timeout, and
 * unread notices past their deadline would wait for it before moving on
 * to the next channel or to paper. Here it delays only other reminders
 * and withdrawals, and each call gives up after HUB_TELL_TIMEOUT_MS. */
#include "hub.h"
#include "log.h"

#define REMIND_ROUNDS_PER_TICK 10

void *hub_tell_main(void *arg)
{
    hub *h = arg;
    hub_remind *remind = h->reminders.n ? hub_remind_new(h) : NULL;

    if (h->reminders.n && !remind)
        log_error("reminders: out of memory; none will be sent");
    while (!hub_sleep(h, h->deadline_interval_ms, 0)) {
        /* A bounded number of full rounds a tick: a backlog leased again
         * as fast as a silent platform times out would otherwise hold the
         * withdrawals, and the shutdown, for as long as it lasts. */
        for (int k = 0; remind && k < REMIND_ROUNDS_PER_TICK && !hub_sleep(h, 0, 0) &&
                        hub_remind_round(remind, clock_now_ms()) == HUB_REMIND_BATCH;
             k++)
            ;
        while (!hub_sleep(h, 0, 0) && hub_withdraw_round(h))
            ;
    }
    hub_remind_free(remind);
    return NULL;
}
