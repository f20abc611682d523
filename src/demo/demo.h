/* demo.h -- what the steps of `herald demo` share (see demo.c). */
#ifndef HERALD_DEMO_H
#define HERALD_DEMO_H

#include <stddef.h>

#include "population.h"
#include "procs.h"

#define DEMO_AGENCY "nts"

typedef struct demo {
    const char *dir;
    long notices;
    int read_share, no_serve, today;
    unsigned long long seed;
    int port_idsvc, port_hub, port_agency, port_platform[POP_PLATFORMS];
    procs procs;
    /* Filled in as the run goes. */
    long members[POP_PLATFORMS];
    char send_result[1024]; /* the agency's JSON summary line */
    long opened;            /* documents read through the citizen path */
    long open_failures;
    /* Seconds each step took, for --stats and the end-to-end benchmark. */
    double t_start, t_signup, t_send, t_settle, t_read;
    /* When sending began, in Unix milliseconds: the roles stamp their rows
     * with the wall clock, so the benchmark measures from here to the last
     * notice in an inbox. */
    long long send_started_ms;
    /* CPU seconds each role spent from the start of sending until every
     * notice settled; the last slot is `agency send` itself. */
    double cpu_delivery[PROCS_MAX + 1];
    double written_delivery[PROCS_MAX + 1]; /* bytes written, likewise */
    const char *stats_path; /* --stats FILE, or NULL */
} demo;

/* Monotonic seconds. */
double demo_now(void);

int demo_write_file(const char *path, const char *text, int mode, char *err, size_t errlen);

/* The steps, in order; each returns 0, or -1 with a message in err. */
int demo_signup(demo *d, char *err, size_t errlen);
int demo_send(demo *d, char *err, size_t errlen);
int demo_read(demo *d, char *err, size_t errlen);
int demo_summary(demo *d, char *err, size_t errlen);
/* DIR/certificates/<id>.json for every notice read (after demo_read). */
int demo_certificates(demo *d, char *err, size_t errlen);

void demo_print_signins(const demo *d, int how_many);
/* Writes the step timings and each role's peak memory to --stats FILE. */
int demo_write_stats(demo *d, char *err, size_t errlen);

#endif
