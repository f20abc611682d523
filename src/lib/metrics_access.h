/* metrics_access.h -- who may read a role's GET /metrics.
 *
 * Metrics say how busy a service is and how its queues stand: harmless
 * to an operator, useful to an attacker timing one. So each role's config
 * says (`metrics = off | public | key`, off when unset): off answers 404
 * as for any unknown path; public answers anyone (for a listener only the
 * monitoring network reaches); key answers only a caller whose bearer key
 * is in `metrics_clients`, a clients file as for every other caller
 * (names and SHA-256 hashes, made by `herald apikey`). */
#ifndef HERALD_METRICS_ACCESS_H
#define HERALD_METRICS_ACCESS_H

#include <stddef.h>

#include "apikeys.h"
#include "buf.h"
#include "config.h"
#include "http_server.h"

typedef enum metrics_mode { METRICS_OFF, METRICS_PUBLIC, METRICS_KEY } metrics_mode;

typedef struct metrics_access {
    metrics_mode mode;
    apikeys clients; /* with METRICS_KEY */
} metrics_access;

/* The mode named ("off", "public", "key"; NULL is off) in *mode; -1 with
 * the reason in err for any other name. */
int metrics_access_mode(const char *name, metrics_mode *mode, char *err, size_t errlen);
/* From a mode ("off", "public", "key"; NULL is off) and, for key, the
 * clients file. Returns 0, or -1 with the reason in err. */
int metrics_access_open(metrics_access *a, const char *mode, const char *clients_file,
                        char *err, size_t errlen);
/* The same from config keys `metrics` and `metrics_clients` of section
 * (the file's path relative to the config's folder). */
int metrics_access_config(metrics_access *a, const config *cfg, const char *section,
                          char *err, size_t errlen);
void metrics_access_close(metrics_access *a);

/* 1 when req may read the metrics; else 0 with resp set: 404 when off,
 * 401 without a listed key. */
int metrics_access_allow(const metrics_access *a, const http_request *req,
                         http_response *resp);

/* Answers 200 with b's text (taking it), or 500 when b broke. */
void metrics_reply(http_response *resp, buf *b);

#endif
