/* procs.h -- starting and stopping role processes, for `herald demo` and
 * the end-to-end benchmark. Each child is this same binary with a role's
 * arguments (or, for the test peers that stand in for an SMSC and a push
 * gateway, another program), its stderr sent to a log file in the role's
 * folder, and it is stopped the way an operator would: SIGTERM, then a
 * wait. */
#ifndef HERALD_PROCS_H
#define HERALD_PROCS_H

#include <stdio.h>
#include <sys/types.h>

#define PROCS_MAX 16

typedef struct proc {
    char name[32];
    pid_t pid;
    char log[4096];
} proc;

typedef struct procs {
    proc list[PROCS_MAX];
    int count;
} procs;

/* Starts `herald ARGV...` (argv[0] is the subcommand) with stderr appended
 * to log_path and stdout to /dev/null. Returns 0, or -1 with err. */
int procs_start(procs *ps, const char *name, const char *log_path, char *const argv[],
                char *err, size_t errlen);

/* Starts PROGRAM ARGS... (argv[0], looked up on PATH: a test peer run by
 * node, say) with stdout truncated into out_path, where it says what it
 * listens on, and stderr appended to log_path. Returns 0, or -1 with err. */
int procs_start_program(procs *ps, const char *name, const char *log_path,
                        const char *out_path, char *const argv[], char *err, size_t errlen);

/* 1 while the process started as name runs, else 0 (it is then reaped). */
int procs_alive(procs *ps, const char *name);

/* Waits until GET url answers 200 (up to timeout_ms) or the process dies.
 * Returns 0, or -1 with err naming the log to read. */
int procs_wait_ready(procs *ps, const char *name, const char *url, int timeout_ms,
                     char *err, size_t errlen);

/* SIGTERM to all, newest first, then waits for each (SIGKILL after 10 s). */
void procs_stop_all(procs *ps);

/* The peak resident memory (VmHWM) of a running child in KiB, or -1. */
long procs_peak_rss_kib(const proc *p);

/* CPU seconds (user + system) the process has used so far, or -1. */
double procs_cpu_seconds(const proc *p);

/* Bytes the process has caused to be written to storage so far, or -1. */
long long procs_write_bytes(const proc *p);

/* A loopback port that was free a moment ago, below the kernel's
 * ephemeral range when it can be (procs.c). */
int procs_free_port(void);

/* Runs `herald ARGV...` to completion, capturing the last line of its
 * stdout into last_line (may be NULL); stderr goes to log_path (or is
 * inherited when NULL). Returns the exit status, or -1. */
int procs_run(const char *log_path, char *const argv[], char *last_line, size_t len);
/* The same, copying its stdout to echo as it comes. */
int procs_run_echo(const char *log_path, char *const argv[], FILE *echo);

/* Runs PROGRAM ARGS... (argv[0], looked up on PATH) to completion, its
 * stdout discarded and stderr appended to log_path. Returns the exit
 * status, or -1. */
int procs_run_program(const char *log_path, char *const argv[]);

#endif
