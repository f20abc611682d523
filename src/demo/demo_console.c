/* demo_console.c -- see demo_console.h. A demo shows its sign-ins in the
 * clear, as it does the citizens' PINs: nothing here is real. */
#include "demo_console.h"

#include <stdio.h>
#include <string.h>

#include "console_auth.h"
#include "crypto.h"
#include "totp.h"

#define DEMO_OFFICER "officer"

static char password[33];
static char secret_b32[TOTP_BASE32_MAX];

int demo_console_setup(demo *d, char *err, size_t errlen)
{
    uint8_t raw[12], secret[TOTP_SECRET_LEN];
    char db[4096];
    console_auth *a;
    int rc;

    demo_path(d, db, sizeof db, "agency", "agency.db");
    if (!(a = console_auth_open(db, "agency", err, errlen)))
        return -1;
    random_bytes(raw, sizeof raw);
    hex_encode(password, raw, sizeof raw);
    rc = console_user_add(a, DEMO_OFFICER, CONSOLE_ADMIN, password, secret, err, errlen);
    console_auth_close(a);
    if (rc != 0)
        return -1;
    base32_encode(secret_b32, sizeof secret_b32, secret, sizeof secret);
    return 0;
}

void demo_console_print(const demo *d)
{
    printf("\nThe agency's console, for its staff (sign in with the account, its password\n"
           "and a code from an authenticator app given the TOTP secret):\n"
           "  console      http://127.0.0.1:%d/console\n"
           "  account      %s / %s  (admin)\n"
           "  totp secret  %s\n"
           "  otpauth://totp/herald-agency:%s?secret=%s&issuer=herald-agency\n"
           "  (a code without an app: python3 -c \"import base64,hmac,struct,time;"
           "k=base64.b32decode('%s');m=hmac.new(k,struct.pack('>Q',int(time.time())//30),"
           "'sha1').digest();o=m[-1]&15;print('%%06d'%%((int.from_bytes(m[o:o+4],'big')"
           "&0x7fffffff)%%1000000))\")\n"
           "  more accounts: herald agency user add NAME --role admin|sender|viewer "
           "--config %s/agency/agency.ini\n",
           d->port_agency, DEMO_OFFICER, password, secret_b32, DEMO_OFFICER, secret_b32,
           secret_b32, d->dir);
}
