/* console_auth.h -- who may use a role's web console: staff accounts,
 * their sign-in, and their sessions (docs/design.md, "The consoles").
 *
 * The agency's console (and, in time, the hub's operators' one) is for a
 * handful of named staff, each with a role: a viewer looks, a sender may
 * also send and cancel, an admin may do everything. An account holds an
 * Argon2id hash of its password (libsodium's crypto_pwhash_str) and a
 * TOTP secret (totp.h); signing in takes both. Failures are counted by
 * login_guard.h's rules per (account, source), per account and per
 * source, so that guessing slows down while nobody can lock a colleague
 * out by typing wrong passwords under their name. Sessions are random
 * 32-byte ids; only their SHA-256 is stored, with the console they were
 * made for, so a cookie from another console opens nothing here. They
 * end after CONSOLE_IDLE_MS without a request, and CONSOLE_MAX_MS after
 * sign-in whatever happens.
 *
 * Everything lives in tables of the role's own SQLite file, on a
 * connection of this module's own, guarded by its own lock. */
#ifndef HERALD_CONSOLE_AUTH_H
#define HERALD_CONSOLE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "login_guard.h"
#include "totp.h"

#define CONSOLE_NAME_MAX 64          /* an account's name: 1-64 of [a-z0-9._-] */
#define CONSOLE_PASSWORD_MIN 10
#define CONSOLE_PASSWORD_MAX 256
#define CONSOLE_IDLE_MS (30LL * 60 * 1000)
#define CONSOLE_MAX_MS (12LL * 60 * 60 * 1000)
#define CONSOLE_TOUCH_MS (60LL * 1000) /* the idle clock's step */
#define CONSOLE_SESSION_LEN 64       /* hex of 32 random bytes */

typedef enum console_role { CONSOLE_VIEWER, CONSOLE_SENDER, CONSOLE_ADMIN } console_role;

typedef struct console_user {
    char name[CONSOLE_NAME_MAX + 1];
    console_role role;
    long long created_ms;
} console_user;

typedef struct console_auth console_auth;

/* Opens the tables in db_path (made when missing) for the console named
 * console ("agency", "hub"). NULL with the reason in err. */
console_auth *console_auth_open(const char *db_path, const char *console, char *err,
                                size_t errlen);
void console_auth_close(console_auth *a);

/* "admin", "sender", "viewer"; parse returns -1 for anything else. */
const char *console_role_name(console_role r);
int console_role_parse(const char *s, console_role *out);
/* 1 if name is 1-64 of [a-z0-9._-]. */
int console_name_ok(const char *name);
/* NULL when password may be used, else why not (a sentence). */
const char *console_password_problem(const char *password);

/* Adds an account with a fresh TOTP secret, returned in secret. 0, or -1
 * with the reason in err (a taken name among them). */
int console_user_add(console_auth *a, const char *name, console_role role,
                     const char *password, uint8_t secret[TOTP_SECRET_LEN], char *err,
                     size_t errlen);
/* Removes an account and ends its sessions: 1, 0 when there was none, -1. */
int console_user_remove(console_auth *a, const char *name);
/* Calls each for every account in name order; 0, or -1 on a database
 * error. */
int console_user_list(console_auth *a, void (*each)(void *ctx, const console_user *u),
                      void *ctx);

typedef enum console_signin_result {
    CONSOLE_SIGNIN_OK,
    CONSOLE_SIGNIN_WRONG, /* name, password or code: which is not said */
    CONSOLE_SIGNIN_WAIT,  /* the guard says wait (*wait_ms, *why) */
    CONSOLE_SIGNIN_ERROR,
} console_signin_result;

/* Checks a sign-in from source (the peer's address) at now_ms under the
 * guard. The attempt is counted as failed before the hash is checked, so
 * that parallel guesses cannot slip past the limit, and taken back when
 * it succeeds. A TOTP step, once used, is refused after. device: the
 * browser's device cookie (NULL: none), which passes the account's
 * spacing when it is one the account signed in from. */
console_signin_result console_signin(console_auth *a, const char *name, const char *password,
                                     const char *code, const char *source, const char *device,
                                     long long now_ms, console_user *who, long long *wait_ms,
                                     login_verdict *why);

/* Devices (console_device.c): a browser that signed in to an account
 * keeps a cookie naming it for CONSOLE_DEVICE_MS, so that the account's
 * sign-in spacing, which failures from many sources set off, never keeps
 * its owner out. remember: after a sign-in as name, 1 with a new cookie
 * value in id when device (NULL: none) is not already one of name's, 0
 * when it is, -1 on a database error. */
#define CONSOLE_DEVICE_MS (90LL * 24 * 60 * 60 * 1000)
int console_device_remember(console_auth *a, const char *name, const char *device,
                            long long now_ms, char id[CONSOLE_SESSION_LEN + 1]);

/* A new session for who (as console_signin read the account: its name
 * and created_ms), its cookie value in id. 0, or -1 (also when that
 * account no longer exists). */
int console_session_new(console_auth *a, const console_user *who, long long now_ms,
                        char id[CONSOLE_SESSION_LEN + 1]);
/* The account of the session whose cookie value is id, if it is alive
 * for this console (and then its idle clock restarts, when it last did
 * CONSOLE_TOUCH_MS ago or more: a session may end up to that much sooner
 * than CONSOLE_IDLE_MS after its last request): 1, 0 when not, -1 on a
 * database error. */
int console_session_get(console_auth *a, const char *id, long long now_ms, console_user *who);
/* Ends the session (sign-out). */
void console_session_end(console_auth *a, const char *id);

#endif
