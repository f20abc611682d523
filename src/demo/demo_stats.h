/* demo_stats.h -- a demo run's figures, for --stats and the benchmark. */
#ifndef HERALD_DEMO_STATS_H
#define HERALD_DEMO_STATS_H

#include <stddef.h>

#include "demo.h"

/* Writes the step timings, each role's peak memory and its CPU and bytes
 * written per notice to --stats FILE (nothing without --stats). Returns
 * 0, or -1 with err. */
int demo_stats_write(demo *d, char *err, size_t errlen);

#endif
