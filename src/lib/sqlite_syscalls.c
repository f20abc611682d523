/* sqlite_syscalls.c -- the system calls a role that keeps SQLite
 * databases (hub, platform, agency serve) makes on top of serving
 * (service_syscalls.c): creating and writing its database, journal, WAL
 * and shared-memory index files in its data directory, syncing them, and
 * removing a journal once done. Part of each such role's seccomp
 * allow-list (sandbox.h). */
#include "sandbox.h"

static const char *const calls[] = {
    "openat",     /* any mode: the database and its -wal, -shm, -journal */
    "pwrite64",
    "fsync",
    "fdatasync",
    "ftruncate",  /* the WAL reset after a checkpoint */
    "unlink",     /* a journal or a temporary file done with */
    "mkdir",      /* the data directory, at first start */
    "getcwd",     /* a relative path made absolute */
    "readlink",   /* a database path that is a symbolic link */
    "umask",      /* new database files are made 0600 (db.c) */
    "geteuid",    /* SQLite asks: as root it gives new files the database's owner */
    "fchown",     /* ... that way, on the file it has open (root only) */
};

const sandbox_list sqlite_syscalls = {
    .role = "sqlite", .calls = calls, .count = sizeof calls / sizeof calls[0],
};
