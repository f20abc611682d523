/* log.h -- operator-readable log lines on standard error.
 *
 * One line per event: "2026-11-27T07:53:58.123Z herald-hub info: message".
 * Roles run under a supervisor (systemd, the demo) that captures stderr, so
 * there is no log file handling here. Never pass an RRN, a CI, a document
 * or a secret to these functions: log lines are kept and shipped. */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

#include "clock.h" /* log lines carry its timestamps */

void log_set_name(const char *name);
void log_set_quiet(int quiet); /* quiet: only warnings and errors */
/* A pass over every line's message before it is written, in place (the
 * binary's main masks RRN-shaped numbers with it: a request's path or
 * field can carry one here, and lib knows nothing of RRNs). Control
 * characters are replaced with '?' before it runs, so that text from a
 * request never starts a line of its own; a message cut at the line's
 * length loses the digits it was cut in, so no part of a number shows. */
void log_set_scrub(void (*scrub)(char *msg, size_t len));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
