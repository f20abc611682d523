/* demo_api.h -- the agency's back-office API in the demo: a key and a
 * callback URL (the demo itself receives) before the agency starts, then
 * one notice posted over HTTP and the first callback received, printed. */
#ifndef HERALD_DEMO_API_H
#define HERALD_DEMO_API_H

#include <stddef.h>

#include "demo.h"

/* After the configs are written, before the agency starts: the template
 * file, `agency key add`, the callback receiver and `agency callback
 * set`. 0, or -1 with err. */
int demo_api_setup(demo *d, char *err, size_t errlen);
/* Posts one notice for a citizen no platform reaches (so the alert
 * counts stay as sent), prints the call and its answer, and waits up to
 * 10 s for a callback and prints it. Never fatal: says what went wrong. */
void demo_api_show(demo *d);
/* Stops the receiver. */
void demo_api_stop(demo *d);

#endif
