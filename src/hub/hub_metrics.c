/* hub_metrics.c -- what the hub's GET /metrics says beyond its requests.
 *
 * Counters the hot paths keep in memory (notices submitted, events
 * applied), the evidence log's size and the age of its signed head, the
 * queues' depths from the partial indexes that already serve the relay
 * and deadline workers (metrics_db.h: cached, never a scan), and the
 * database files' sizes. Nothing here names a notice, agency or person. */
#include <stdio.h>

#include "clock.h"
#include "hub.h"
#include "hub_evidence_log.h"
#include "metrics.h"
#include "metrics_db.h"

/* Each count walks one partial index and nothing else: notices_relay
 * for the relay queue, notices_due for the deadlines due (only up to
 * now) and for the notices in a read window (all of it: millions on a
 * busy hub, so it is a family of its own, counted less often when it is
 * slow; telling relayed from received there would read every row). */
static const metrics_query queues[] = {
    {"herald_hub_queue_notices",
     "Notices in the hub's work queues: to_relay (accepted, waiting for a relay worker), "
     "deadlines_due (relayed or received, read deadline passed, waiting for the deadline "
     "worker).",
     {"queue", NULL},
     "SELECT 'to_relay', count(*) FROM notices WHERE state = 'accepted'"
     " UNION ALL SELECT 'deadlines_due', count(*) FROM notices"
     "  WHERE state IN ('relayed', 'received') AND due <= ?1"},
    {"herald_hub_notices_in_window",
     "Notices relayed or received and not yet read: the platforms' reports of receipt "
     "and reading still to come, each before its read deadline.",
     {NULL},
     "SELECT count(*) FROM notices WHERE state IN ('relayed', 'received')"},
};

void hub_metrics_open(hub *h)
{
    char path[4200];

    if (h->store_pg) {
        metrics_db_init_pg(&h->queues, h->store_dsn, queues, sizeof queues / sizeof queues[0]);
    } else {
        snprintf(path, sizeof path, "%s/hub.db", h->data_dir);
        metrics_db_init(&h->queues, path, queues, sizeof queues / sizeof queues[0]);
    }
    h->queues_open = 1;
}

void hub_metrics_close(hub *h)
{
    if (h->queues_open)
        metrics_db_close(&h->queues);
    h->queues_open = 0;
}

static void submitted(hub *h, buf *b)
{
    static const char *const outcome[] = {"new", "duplicate", "rejected"};

    metrics_family(b, "herald_hub_notices_submitted_total", "counter",
                   "Notices in agencies' batches, by outcome: new (accepted and stored), "
                   "duplicate (a reference the hub already held), rejected (invalid).");
    for (int i = 0; i < 3; i++) {
        metrics_label l = {"outcome", outcome[i]};
        metrics_sample_u64(b, "herald_hub_notices_submitted_total", &l, 1,
                           metrics_read(&h->submitted[i]));
    }
}

static void applied(hub *h, buf *b)
{
    static const char *const outcome[] = {"moved", "recorded", "ignored"};

    metrics_family(b, "herald_hub_events_total", "counter",
                   "Events applied to notices (reported by platforms and agencies, or the "
                   "hub's own), by event and outcome: moved the notice's state, recorded "
                   "as evidence only, or ignored (the notice was final).");
    for (int e = 0; e < EV_COUNT; e++)
        for (int o = 0; o < 3; o++) {
            uint64_t n = hub_db_applied(h->db, (notice_event)e, (notice_outcome)o);
            metrics_label l[2] = {{"event", notice_event_name((notice_event)e)},
                                  {"outcome", outcome[o]}};
            if (n)
                metrics_sample_u64(b, "herald_hub_events_total", l, 2, n);
        }
}

static void evidence_log(hub *h, buf *b)
{
    uint8_t sig[STH_SIG_LEN];
    sth head;

    metrics_family(b, "herald_hub_log_leaves", "gauge",
                   "Leaves committed to the evidence log.");
    metrics_sample_u64(b, "herald_hub_log_leaves", NULL, 0, hub_evidence_log_size(h->log));
    if (hub_evidence_log_latest(h->log, &head, sig) != 0)
        return;
    metrics_family(b, "herald_hub_sth_tree_size", "gauge",
                   "Tree size of the latest signed tree head.");
    metrics_sample_u64(b, "herald_hub_sth_tree_size", NULL, 0, head.tree_size);
    metrics_family(b, "herald_hub_sth_age_seconds", "gauge",
                   "Seconds since the latest signed tree head's timestamp.");
    metrics_sample(b, "herald_hub_sth_age_seconds", NULL, 0,
                   (double)(clock_now_ms() - (long long)head.timestamp_ms) / 1000.0);
}

void hub_metrics_render(hub *h, buf *b)
{
    char db[4200], dir[4200];
    const char *files[] = {db, dir};

    metrics_info(b, "hub");
    submitted(h, b);
    applied(h, b);
    evidence_log(h, b);
    metrics_db_render(&h->queues, b);
    if (h->store_pg)
        return; /* no database files of its own */
    snprintf(db, sizeof db, "%s/hub.db", h->data_dir);
    snprintf(dir, sizeof dir, "%s/directory.db", h->data_dir);
    metrics_db_sizes(b, files, 2);
}
