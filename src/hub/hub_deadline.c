/* hub_deadline.c -- the deadline worker: unread notices move on.
 *
 * Every deadline_interval_ms it asks hub_db for relayed or received
 * notices whose read deadline on their current channel has passed. Each
 * gets AcceptanceRejectionExpiry and goes back to the relay queue, where
 * the relay worker tries the person's next platform (channel fallback) or,
 * after the last one, records RelayToNonERDS: the agency posts a letter.
 * The same round asks platforms to remind members of unread notices
 * whose next reminder is due (hub_remind.c), and tells platforms of the
 * cancelled notices they hold (hub_withdraw.c). */
#include "hub.h"
#include "log.h"

void *hub_deadline_main(void *arg)
{
    hub *h = arg;
    hub_remind *remind = h->reminders.n ? hub_remind_new(h) : NULL;

    if (h->reminders.n && !remind)
        log_error("reminders: out of memory; none will be sent");
    while (!hub_sleep(h, h->deadline_interval_ms, 0)) {
        size_t expired;
        do {
            if (hub_db_expire(h->db, clock_now_ms(), (size_t)h->relay_batch, &expired) != 0) {
                log_error("deadlines: database error; retrying");
                break;
            }
            if (expired) {
                log_info("deadlines: %zu notices unread at their deadline", expired);
                hub_wake_relay(h);
            }
        } while (expired == (size_t)h->relay_batch);
        /* Expired first: a notice past its deadline is not reminded. */
        while (remind && hub_remind_round(remind, clock_now_ms()) == HUB_REMIND_BATCH)
            ;
        while (hub_withdraw_round(h))
            ;
    }
    hub_remind_free(remind);
    return NULL;
}
