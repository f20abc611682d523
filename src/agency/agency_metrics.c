/* agency_metrics.c -- what `agency serve`'s GET /metrics says beyond its
 * requests: the events waiting in the outbox for the hub (a short table:
 * rows leave it once the hub took them), and the database's size. Who
 * may read it is agency.ini's [agency] metrics. */
#include <stdint.h>
#include <stdio.h>

#include "agency_api.h"
#include "http_offload.h"
#include "metrics.h"

static const metrics_query queues[] = {
    {"herald_agency_outbox_events",
     "Events (ContentHandover and the like) waiting in the outbox to be submitted to the "
     "hub, by event.",
     {"event", NULL},
     "SELECT event, count(*) FROM outbox GROUP BY event"},
};

int agency_metrics_open(agency_api *a, char *err, size_t errlen)
{
    if (metrics_access_config(&a->metrics, &a->cfg->ini, "agency", err, errlen) != 0)
        return -1;
    if (!(a->requests = agency_api_metrics_new())) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    metrics_db_init(&a->queues, a->cfg->db_path, queues, sizeof queues / sizeof queues[0]);
    a->queues_open = 1;
    return 0;
}

void agency_metrics_close(agency_api *a)
{
    if (a->queues_open)
        metrics_db_close(&a->queues);
    a->queues_open = 0;
    http_metrics_free(a->requests);
    a->requests = NULL;
    metrics_access_close(&a->metrics);
}

void agency_metrics_render(agency_api *a, buf *b)
{
    const char *files[] = {a->cfg->db_path};

    metrics_info(b, "agency");
    metrics_family(b, "herald_agency_api_notice_waits", "gauge",
                   "Posts to POST /v1/notices waiting for the hub's answer, each on a thread "
                   "of its own; past a peer's share, posts are answered 202 queued at once.");
    metrics_sample_u64(b, "herald_agency_api_notice_waits", NULL, 0,
                       (uint64_t)agency_api_notice_waits());
    metrics_family(b, "herald_agency_hub_waits", "gauge",
                   "Requests waiting for the hub on threads of their own: posts, cancels, "
                   "certificates and notices' evidence.");
    metrics_sample_u64(b, "herald_agency_hub_waits", NULL, 0, (uint64_t)http_offload_running());
    metrics_db_render(&a->queues, b);
    metrics_db_sizes(b, files, 1);
}
