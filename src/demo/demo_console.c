/* demo_console.c -- see demo_console.h. A demo shows its sign-ins in the
 * clear, as it does the citizens' PINs: nothing here is real. The
 * accounts are made as `herald agency user add` and `herald hub user
 * add` make them, in the databases the roles read. */
#include "demo_console.h"

#include <stdio.h>
#include <string.h>

#include "console_auth.h"
#include "crypto.h"
#include "totp.h"

#define DEMO_OFFICER "officer"
#define DEMO_OPERATOR "operator"

typedef struct demo_account {
    char password[33];
    char secret_b32[TOTP_BASE32_MAX];
} demo_account;

static demo_account officer, operator;

/* An account named name with role in the console's tables in db. */
static int add_account(const char *db, const char *console, const char *name,
                       console_role role, demo_account *out, char *err, size_t errlen)
{
    uint8_t raw[12], secret[TOTP_SECRET_LEN];
    console_auth *a;
    int rc;

    if (!(a = console_auth_open(db, console, err, errlen)))
        return -1;
    random_bytes(raw, sizeof raw);
    hex_encode(out->password, raw, sizeof raw);
    rc = console_user_add(a, name, role, out->password, secret, err, errlen);
    console_auth_close(a);
    if (rc != 0)
        return -1;
    base32_encode(out->secret_b32, sizeof out->secret_b32, secret, sizeof secret);
    return 0;
}

int demo_console_setup(demo *d, char *err, size_t errlen)
{
    char db[4096];

    demo_path(d, db, sizeof db, "agency", "agency.db");
    if (add_account(db, "agency", DEMO_OFFICER, CONSOLE_ADMIN, &officer, err, errlen) != 0)
        return -1;
    /* the hub keeps its operators in console.db in its folder (hub_console.h) */
    demo_path(d, db, sizeof db, "hub", "console.db");
    return add_account(db, "hub", DEMO_OPERATOR, CONSOLE_VIEWER, &operator, err, errlen);
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
           d->port_agency, DEMO_OFFICER, officer.password, officer.secret_b32, DEMO_OFFICER,
           officer.secret_b32, officer.secret_b32, d->dir);
    printf("\nThe hub's console, for its operators (volumes, backlog, relay latency, the\n"
           "platforms' health, the log's signed head; the same kind of sign-in):\n"
           "  operator console  %s://127.0.0.1:%d/console%s\n"
           "  operator account  %s / %s  (viewer)\n"
           "  operator totp     %s\n"
           "  more accounts: herald hub user add NAME --role admin|sender|viewer "
           "--config %s/hub/hub.ini\n",
           d->plain_http ? "http" : "https", d->port_hub,
           d->plain_http ? "" : " (self-signed: a browser warns)", DEMO_OPERATOR,
           operator.password, operator.secret_b32, d->dir);
}
