/* hub_deadline.c -- the deadline worker: unread notices move on.
 *
 * Every deadline_interval_ms it asks hub_db for relayed or received
 * notices whose read deadline on their current channel has passed. Each
 * gets AcceptanceRejectionExpiry and goes back to the relay queue, where
 * the relay worker tries the person's next platform (channel fallback) or,
 * after the last one, records RelayToNonERDS: the agency posts a letter.
 * It calls no platform, so that none can hold it up (hub_tell.c makes
 * the calls about notices platforms hold). */
#include "hub.h"
#include "log.h"

void *hub_deadline_main(void *arg)
{
    hub *h = arg;

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
    }
    return NULL;
}
