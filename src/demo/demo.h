/* demo.h -- one run of `herald demo`: what its steps share.
 *
 * The run goes demo_main.c (the command) -> demo_setup.c (keys, configs,
 * the role processes, demo_peers.c for the SMSC and push gateway they
 * send alerts to) -> demo_flow.c (sign-up, sending, reading, the
 * summary, with demo_alerts.c counting the alerts) -> demo_certificates.c
 * and demo_stats.c (what is kept of it) -> phone_view.c (each citizen's
 * texts, served while the demo stays up).
 * Each step reads and fills this struct; the helpers below are the few
 * things every step needs. */
#ifndef HERALD_DEMO_H
#define HERALD_DEMO_H

#include <stddef.h>

#include "population.h"
#include "procs.h"
#include "tls_pin.h"

#define DEMO_AGENCY "nts"
#define DEMO_DEADLINE_DAYS 30

typedef struct demo {
    const char *dir;
    long notices;
    int read_share, no_serve, today;
    /* The notices' deadline: a date DEMO_DEADLINE_DAYS ahead in Korea,
     * so that the hub, which refuses a deadline past or within the hour,
     * takes them whenever the demo runs. */
    char deadline[11];
    long consent_window_s; /* the hub's, for pre-notices (0: none) */
    unsigned long long seed;
    int port_idsvc, port_hub, port_agency;
    /* --hub-dsn: the hub's store on that PostgreSQL instead of SQLite;
     * --hub-nodes 2: a second hub process on it (DIR/hub/hub-2.ini, port
     * port_hub2), which the platforms call while the agency calls the
     * first, as two operators' roles would reach two nodes of one hub. */
    const char *hub_dsn;
    int hub_nodes, port_hub2;
    /* Each platform's citizen pages (plain HTTP on loopback), and the
     * listen the hub calls (TLS; the same port with --plain-http). */
    int port_platform[POP_PLATFORMS], port_platform_api[POP_PLATFORMS];
    int plain_http; /* --plain-http: no TLS between roles (demo_tls.h) */
    char pin_idsvc[TLS_PIN_LEN], pin_hub[TLS_PIN_LEN], pin_platform[POP_PLATFORMS][TLS_PIN_LEN];
    procs procs;
    /* The stand-ins for the carrier's SMSC and the messenger's push
     * gateway (demo_peers.c): where their scripts are, and their ports
     * once started (0 with --no-channels: alerts then stay queued). */
    const char *peers_dir;
    int no_channels;
    int port_smpp, port_smsc_control, port_push, port_push_control;
    int port_phones; /* the phone view (phone_view.c), 0 until it serves */
    /* Filled in as the run goes. */
    long members[POP_PLATFORMS];
    char send_result[1024]; /* the agency's JSON summary line */
    char letters_result[2048]; /* `agency postal --letters`' JSON line ("" before) */
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
    struct demo_api *api;   /* the back-office API's key and receiver (demo_api.c) */
} demo;

/* The platforms' names, by population index. */
extern const char *const demo_platform_names[POP_PLATFORMS];

/* Monotonic seconds. */
double demo_now(void);

/* DIR/role, or DIR/role/file when file is not NULL. */
void demo_path(const demo *d, char *out, size_t len, const char *role, const char *file);

/* Writes text to path with the given mode. Returns 0, or -1 with err. */
int demo_write_file(const char *path, const char *text, int mode, char *err, size_t errlen);

#endif
