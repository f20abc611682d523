/* console_auth_internal.h -- what console_auth.c and console_session.c
 * share: the connection, its lock, and which console it serves. */
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

#endif
