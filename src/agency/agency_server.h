/* agency_server.h -- `agency serve` while it runs: the document server
 * (agency_api.c) on its thread pool, and two background threads that talk
 * to the hub. The reporter sends queued ContentHandover(Failure) events in
 * batches with retry; the poller follows the changes feed so that the
 * agency knows which notices went to paper. Both work from the database,
 * so nothing is lost when the hub is away or the process restarts. */
#ifndef HERALD_AGENCY_SERVER_H
#define HERALD_AGENCY_SERVER_H

#include <stddef.h>

#include "agency_config.h"
#include "http_server.h"
#include "sandbox.h"

typedef struct agency_server agency_server;

/* Opens the database, serves on http (bound to listen; the server owns
 * it from now on, and stops it on a failure) and starts the threads; cfg
 * must outlive the server. Call with the shutdown signals blocked
 * (cli.h), so that no thread started here takes them. NULL with a
 * message in err. */
agency_server *agency_server_start(const agency_cfg *cfg, http_server *http, const char *listen,
                                   char *err, size_t errlen);
int agency_server_port(const agency_server *s);
/* Finishes the requests in flight, lets the reporter flush once more,
 * stops both threads and frees s. */
void agency_server_stop(agency_server *s);

/* The system calls agency serve may make once bound (agency_syscalls.c). */
extern const sandbox_list agency_syscalls;

#endif
