/* console_auth_internal.h -- what console_auth.c, console_session.c and
 * console_device.c share: the connection, its lock, and which console it
 * serves. */
#ifndef HERALD_CONSOLE_AUTH_INTERNAL_H
#define HERALD_CONSOLE_AUTH_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "console_auth.h"

struct console_auth {
    sqlite3 *db;
    pthread_mutex_t lock; /* one statement at a time on db */
    char console[16];
    char dummy_hash[128]; /* checked for unknown names, so they cost the same */
};

/* hex(SHA-256(id)), what the tables keep of a cookie value; -1 when id
 * is not CONSOLE_SESSION_LEN lower-case hex digits. */
int console_id_hash(const char *id, char out[65]);
/* A new cookie value (32 random bytes in hex) and its hash, for a session
 * or a device. */
void console_new_id(char id[CONSOLE_SESSION_LEN + 1], char hash[65]);

/* Under a->lock: 1 when device is a cookie of name's, made less than
 * CONSOLE_DEVICE_MS ago and trusted still (login_guard_device_trusted);
 * 0 when not (or NULL), -1 on a database error. attempt: a sign-in with
 * it is about to be checked, counted as failed until ok says it was
 * right (so that attempts sent at once cannot all pass). */
int console_device_known_locked(console_auth *a, const char *name, const char *device,
                                long long now_ms);
void console_device_attempt_locked(console_auth *a, const char *name, const char *device,
                                   long long now_ms);
void console_device_ok_locked(console_auth *a, const char *name, const char *device);
/* The attempt's failure taken back: the database failed, not the person. */
void console_device_unfail_locked(console_auth *a, const char *name, const char *device);

#endif
