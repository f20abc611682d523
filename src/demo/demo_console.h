/* demo_console.h -- the demo's officer on the agency's console: an
 * account made before the agency starts, and how to sign in with it,
 * printed at the end with the other URLs. */
#ifndef HERALD_DEMO_CONSOLE_H
#define HERALD_DEMO_CONSOLE_H

#include <stddef.h>

#include "demo.h"

/* Makes the account "officer" (admin) with a random password and TOTP
 * secret in the agency's database. 0, or -1 with err. */
int demo_console_setup(demo *d, char *err, size_t errlen);
/* The console's URL, the account, its password and TOTP secret. */
void demo_console_print(const demo *d);

#endif
