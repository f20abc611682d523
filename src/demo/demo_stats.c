/* demo_stats.c -- a demo run's figures as one JSON object: how long each
 * step took, each role's peak memory, and what delivering cost each role
 * per notice (CPU and bytes written), for --stats and bench/e2e. */
#include "demo_stats.h"

#include "buf.h"
#include "procs.h"

/* ,"key":{"role":v,...,"agency-send":v}: totals[] * scale per notice. */
static void per_role(buf *b, const demo *d, const char *key, const double *totals,
                     double scale)
{
    double n = (double)(d->notices ? d->notices : 1);

    buf_printf(b, ",\"%s\":{", key);
    for (int i = 0; i < d->procs.count; i++)
        buf_printf(b, "\"%s\":%.1f,", d->procs.list[i].name, totals[i] * scale / n);
    buf_printf(b, "\"agency-send\":%.1f}", totals[PROCS_MAX] * scale / n);
}

int demo_stats_write(demo *d, char *err, size_t errlen)
{
    buf b;

    if (!d->stats_path)
        return 0;
    buf_init(&b, 1024);
    buf_printf(&b, "{\"notices\":%ld,\"seconds\":{\"signup\":%.3f,\"send\":%.3f,"
               "\"delivered\":%.3f,\"read\":%.3f,\"total\":%.3f},\"read\":%ld,"
               "\"send_started_ms\":%lld,\"peak_rss_mib\":{", d->notices, d->t_signup,
               d->t_send, d->t_settle, d->t_read, demo_now() - d->t_start, d->opened,
               d->send_started_ms);
    for (int i = 0; i < d->procs.count; i++)
        buf_printf(&b, "%s\"%s\":%.1f", i ? "," : "", d->procs.list[i].name,
                   (double)procs_peak_rss_kib(&d->procs.list[i]) / 1024.0);
    buf_puts(&b, "}");
    /* Per notice, from the start of sending until every notice settled. */
    per_role(&b, d, "cpu_us_per_notice", d->cpu_delivery, 1e6);
    per_role(&b, d, "written_bytes_per_notice", d->written_delivery, 1);
    buf_puts(&b, "}\n");
    int r = b.broken ? -1 : demo_write_file(d->stats_path, b.data, 0644, err, errlen);
    buf_free(&b);
    return r;
}
