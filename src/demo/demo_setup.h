/* demo_setup.h -- the system `herald demo` runs, made and started. */
#ifndef HERALD_DEMO_SETUP_H
#define HERALD_DEMO_SETUP_H

#include <stddef.h>

#include "demo.h"

/* Picks five free loopback ports, writes every role's keys, clients files
 * and configuration under d->dir, and starts idsvc, the hub, the platforms
 * and the agency's server, each answering before the next starts. Returns
 * 0, or -1 with err (processes already started stay in d->procs). */
int demo_setup(demo *d, char *err, size_t errlen);

#endif
