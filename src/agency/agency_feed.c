/* agency_feed.c -- see agency_feed.h. */
#include "agency_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db.h"
#include "agency_ref.h"
#include "apikeys.h"
#include "log.h"

/* The page's usable changes, in feed order; NULL when out of memory. */
static agency_change *page_changes(json_t *changes, size_t *n)
{
    agency_change *v = malloc((json_array_size(changes) + 1) * sizeof *v);
    size_t i;
    json_t *c;

    *n = 0;
    if (!v)
        return NULL;
    json_array_foreach(changes, i, c) {
        const char *notice = json_string_value(json_object_get(c, "notice"));
        const char *ref = json_string_value(json_object_get(c, "reference"));
        const char *state = json_string_value(json_object_get(c, "state"));
        if (!notice || !ref || !field_reference_ok(ref, strlen(ref)) || !state ||
            !agency_ref_state_known(state) || !strcmp(state, "stored")) {
            log_warn("changes feed: skipping a change without a notice, a reference and a"
                     " known state");
            continue;
        }
        const char *at = json_string_value(json_object_get(c, "at"));
        const char *platform = json_string_value(json_object_get(c, "platform"));
        long long at_ms = 0;
        if (at && field_time_parse(at, strlen(at), &at_ms) != 0) {
            at = NULL;
            at_ms = 0;
        }
        if (platform && !apikeys_name_ok(platform, strlen(platform)))
            platform = NULL;
        /* Evidence that moved no state: the letter's hand-over, a late
         * cancellation, and an inbox or a reading after the notice's
         * state was settled are known (their times count for the legal
         * effect); any other is nothing this agency acts on. */
        const char *event = json_string_value(json_object_get(c, "event"));
        if (event && strcmp(event, "PrintHandover") != 0 &&
            strcmp(event, "NoticeCancellation") != 0 &&
            strcmp(event, "ContentConsignment") != 0 && strcmp(event, "ContentHandover") != 0)
            continue;
        v[(*n)++] = (agency_change){notice, ref, state, at, at_ms, platform, event};
    }
    return v;
}

/* Records one page: its changes and the cursor past it. */
static int record_page(agency_db *db, json_t *changes, long long after, long long next,
                       size_t *applied)
{
    size_t n;
    agency_change *v = page_changes(changes, &n);
    int rc = v ? agency_db_feed_apply(db, v, n, after, next, applied) : -1;

    free(v);
    return rc;
}

/* Fetches and applies one page. Returns the number of changes in the page
 * (0 when drained) or -1; *applied gets the notices that changed. */
static long pull_page(agency_db *db, http_client *hub, size_t *applied, char *err,
                      size_t errlen)
{
    long long after = agency_db_feed_cursor(db), next;
    char path[128];
    json_t *reply = NULL, *changes, *jnext;
    long n;
    int status;

    if (after < 0) {
        snprintf(err, errlen, "cannot read the feed's cursor from the database");
        return -1;
    }
    snprintf(path, sizeof path, "/v1/changes?after=%lld&limit=%d", after, AGENCY_FEED_PAGE);
    status = http_client_call(hub, "GET", path, NULL, 0, &reply, err, errlen);
    if (status != 200) {
        if (status > 0 && status < 400) /* 0 and >= 400: err already says why */
            snprintf(err, errlen, "GET /v1/changes: unexpected HTTP %d", status);
        json_decref(reply);
        return -1;
    }
    changes = json_object_get(reply, "changes");
    jnext = json_object_get(reply, "next");
    if (!json_is_array(changes) || json_array_size(changes) > BATCH_MAX_ITEMS ||
        (json_array_size(changes) && !json_is_integer(jnext))) {
        snprintf(err, errlen, "GET /v1/changes: answer is not {\"changes\":[...],\"next\":N}");
        json_decref(reply);
        return -1;
    }
    n = (long)json_array_size(changes);
    next = n ? json_integer_value(jnext) : after;
    if (n && next <= after) {
        snprintf(err, errlen, "GET /v1/changes: next %lld does not move past %lld", next, after);
        json_decref(reply);
        return -1;
    }
    if (n && record_page(db, changes, after, next, applied) != 0) {
        snprintf(err, errlen, "cannot record changes in the database");
        n = -1;
    }
    json_decref(reply);
    return n;
}

long agency_feed_pull(agency_db *db, http_client *hub, char *err, size_t errlen)
{
    long total = 0, n;
    size_t applied;

    /* A full page means more is waiting: ask again at once. A short one
     * means the feed is drained for now; the caller polls again later. */
    do {
        applied = 0;
        n = pull_page(db, hub, &applied, err, errlen);
        if (n < 0)
            return -1;
        total += (long)applied;
    } while (n >= AGENCY_FEED_PAGE);
    return total;
}
