/* agency_db_test.h -- the database of a test key's notices (DIR/test.db).
 *
 * Test notices go through the same pipeline and the same tables as live
 * ones, but in a file of their own: the feed, the outbox to the hub, the
 * postal list, the letters and `agency report` read agency.db only, so
 * nothing a test key posts is ever counted, printed or sent. Here also
 * the simulated outcomes (test_outcome.h): each notice's next state
 * change and when it is due. */
#ifndef HERALD_AGENCY_DB_TEST_H
#define HERALD_AGENCY_DB_TEST_H

#include <jansson.h>
#include <stddef.h>

#include "agency_db.h"

/* Opens (creating) the test database: agency_db_open's, marked so that
 * its callbacks are told apart (ids "test-ev-N", "test": true). */
agency_db *agency_db_open_test(const char *path, char *err, size_t errlen);
/* 1 for a database agency_db_open_test opened. */
int agency_db_is_test(const agency_db *db);

/* A test notice's outcome starts in the transaction that records it
 * accepted: agency_accepted.outcomes (agency_db.h). */

/* Applies every state change due by now_ms: the document's state, and
 * the event in the timeline and callback queue at the time the schedule
 * says. Returns how many, or -1. */
long agency_db_test_advance(agency_db *db, long long now_ms);

/* Cancels the test notice the caller calls caller_ref: no further state
 * change, "cancelled" in its timeline unless it reached a final state
 * (then the cancellation is only recorded). 1 with *out the answer
 * {"reference","notice","status","state"}, 0 when unknown, -1. */
int agency_db_test_cancel(agency_db *db, const char *caller_ref, const char *reason,
                          long long now_ms, json_t **out);

#endif
