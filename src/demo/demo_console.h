/* demo_console.h -- the demo's officer on the agency's console and its
 * operator on the hub's: accounts made before the roles start, and how
 * to sign in with them, printed at the end with the other URLs. */
#ifndef HERALD_DEMO_CONSOLE_H
#define HERALD_DEMO_CONSOLE_H

#include <stddef.h>

#include "demo.h"

/* Makes the account "officer" (admin) with a random password and TOTP
 * secret in the agency's database, and "operator" (viewer) in the hub's
 * console.db. 0, or -1 with err. */
int demo_console_setup(demo *d, char *err, size_t errlen);
/* The consoles' URLs, the accounts, their passwords and TOTP secrets. */
void demo_console_print(const demo *d);

#endif
