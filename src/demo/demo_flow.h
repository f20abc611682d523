/* demo_flow.h -- the steps of `herald demo` once the roles are up. */
#ifndef HERALD_DEMO_FLOW_H
#define HERALD_DEMO_FLOW_H

#include <stddef.h>

#include "demo.h"

/* In this order; each returns 0, or -1 with a message in err. */
/* Signs the synthetic population up at the platforms' back offices. */
int demo_flow_signup(demo *d, char *err, size_t errlen);
/* Waits until the platforms have reported their members to the hub's
 * directory, then writes DIR/agency/recipients.csv (every citizen) and
 * DIR/agency/template.html: what `agency send` needs. */
int demo_flow_prepare(demo *d, char *err, size_t errlen);
/* The date DEMO_DEADLINE_DAYS after now_ms in Korea, YYYY-MM-DD. */
void demo_deadline(char out[11], long long now_ms);
/* demo_flow_prepare, then runs `agency send` for every citizen and
 * waits until no notice is on its way. */
int demo_flow_send(demo *d, char *err, size_t errlen);
/* Has a share of the reachable citizens read through the citizen pages,
 * and waits until the hub has confirmed the reads. */
int demo_flow_read(demo *d, char *err, size_t errlen);
/* Writes DIR/readers.csv: phone, PIN and platform URL of each citizen who
 * would read (the --read-share of those reachable), for a caller that reads
 * through the citizen pages itself (bench/chaos). */
int demo_flow_write_readers(const demo *d, char *err, size_t errlen);
/* Prints the JSON summary line on stdout. */
int demo_flow_summary(demo *d, char *err, size_t errlen);

/* Prints how_many sign-ins (phone, PIN, platform) of citizens who read. */
void demo_flow_print_signins(const demo *d, int how_many);

#endif
