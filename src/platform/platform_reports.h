/* platform_reports.h -- the background thread that tells the hub what
 * happened (notifications sent, consent changes). */
#ifndef HERALD_PLATFORM_REPORTS_H
#define HERALD_PLATFORM_REPORTS_H

#include "platform.h"

int platform_reports_start(platform *p);
/* Asks for a round now rather than at the next interval. */
void platform_reports_wake(platform *p);
/* Stops after a last round. */
void platform_reports_stop(platform *p);

#endif
