/* platform_metrics.c -- what a platform's GET /metrics says beyond its
 * requests.
 *
 * Alerts by channel and outcome and notices received and read, counted
 * as the database records them (platform_db_count); the reports owed to
 * the hub; the outbox's unfinished tail by channel and state; and the
 * database's size. The outbox has no index on state on purpose (each
 * would cost every alert a B-tree write), so the tail is counted as a
 * range of ids past the reported cursor: the alerts not yet settled and
 * reported, never the whole table. Nothing here names a member. */
#include "platform.h"
#include "platform_db.h"
#include "metrics.h"

static const metrics_query queues[] = {
    {"herald_platform_outbox_alerts",
     "Alerts past the outbox's reported cursor (not yet settled and reported to the hub), "
     "by channel and state: queued, submitting, accepted, delivered, failed.",
     {"channel", "state", NULL},
     "SELECT channel, state, count(*) FROM outbox"
     " WHERE id > (SELECT value FROM meta WHERE key = 'reported_upto')"
     " GROUP BY channel, state"},
};

void platform_metrics_open(platform *p)
{
    metrics_db_init(&p->queues, p->db_path, queues, sizeof queues / sizeof queues[0]);
    p->queues_open = 1;
}

void platform_metrics_close(platform *p)
{
    if (p->queues_open)
        metrics_db_close(&p->queues);
    p->queues_open = 0;
}

static void alerts(platform *p, buf *b)
{
    static const struct {
        platform_count kind;
        const char *outcome;
    } outcomes[] = {
        {PLATFORM_ALERT_ACCEPTED, "accepted"},
        {PLATFORM_ALERT_DELIVERED, "delivered"},
        {PLATFORM_ALERT_FAILED, "failed"},
    };

    metrics_family(b, "herald_platform_alerts_total", "counter",
                   "Alerts by channel and outcome: accepted by the channel (SMSC or push "
                   "gateway), delivered (its receipt said so), failed (refused, given up "
                   "on, or its receipt said failed).");
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        metrics_label l[2] = {{"channel", p->channel}, {"outcome", outcomes[i].outcome}};
        metrics_sample_u64(b, "herald_platform_alerts_total", l, 2,
                           platform_db_count(p->db, outcomes[i].kind));
    }
}

static void notices(platform *p, buf *b)
{
    metrics_label received = {"event", "received"}, read = {"event", "read"};

    metrics_family(b, "herald_platform_notices_total", "counter",
                   "Notices by event: received (relayed into a member's inbox), read "
                   "(opened by the member for the first time).");
    metrics_sample_u64(b, "herald_platform_notices_total", &received, 1,
                       platform_db_count(p->db, PLATFORM_NOTICE_RECEIVED));
    metrics_sample_u64(b, "herald_platform_notices_total", &read, 1,
                       platform_db_count(p->db, PLATFORM_NOTICE_READ));
}

void platform_metrics_render(platform *p, buf *b)
{
    const char *files[] = {p->db_path};
    long long pending;

    metrics_info(b, "platform");
    alerts(p, b);
    notices(p, b);
    pthread_mutex_lock(&p->lock);
    pending = platform_db_pending_reports(p->db);
    pthread_mutex_unlock(&p->lock);
    if (pending >= 0) {
        metrics_family(b, "herald_platform_reports_pending", "gauge",
                       "Events the hub is still to hear of from this platform.");
        metrics_sample(b, "herald_platform_reports_pending", NULL, 0, (double)pending);
    }
    metrics_family(b, "herald_platform_pin_checks_busy_total", "counter",
                   "Sign-ins, web sign-ups and notice openings answered 503 because every "
                   "slot for a PIN check was taken (half the threads).");
    metrics_sample_u64(b, "herald_platform_pin_checks_busy_total", NULL, 0,
                       (uint64_t)atomic_load(&p->pin_checks_busy));
    metrics_db_render(&p->queues, b);
    metrics_db_sizes(b, files, 1);
}
