/* demo_tls.c -- see demo_tls.h. */
#include "demo_tls.h"

#include <stdio.h>

#include "tls_cert.h"
#include "tls_pin.h"

/* A pair for role (its folder under d->dir), its pin in pin, and the pin
 * registered for port so that the demo's own calls check it too. */
static int make_pair(demo *d, const char *role, int port, char pin[TLS_PIN_LEN], char *err,
                     size_t errlen)
{
    static const char *const hosts[] = {"127.0.0.1"};
    char key[4096], crt[4096], url[64];

    demo_path(d, key, sizeof key, role, "tls.key");
    demo_path(d, crt, sizeof crt, role, "tls.crt");
    if (tls_cert_create(key, crt, role, hosts, 1, 3650, pin, err, errlen) != 0)
        return -1;
    demo_tls_url(d, port, url, sizeof url);
    if (tls_pin_set(url, pin) != 0) {
        snprintf(err, errlen, "too many pinned peers");
        return -1;
    }
    return 0;
}

int demo_tls_setup(demo *d, char *err, size_t errlen)
{
    if (d->plain_http)
        return 0;
    if (make_pair(d, "idsvc", d->port_idsvc, d->pin_idsvc, err, errlen) != 0 ||
        make_pair(d, "hub", d->port_hub, d->pin_hub, err, errlen) != 0)
        return -1;
    /* A second hub node serves the same key (its config names the same
     * files): the same pin at its port. */
    if (d->hub_nodes > 1) {
        char url[64];
        demo_tls_url(d, d->port_hub2, url, sizeof url);
        if (tls_pin_set(url, d->pin_hub) != 0)
            return snprintf(err, errlen, "too many pinned peers"), -1;
    }
    for (int i = 0; i < POP_PLATFORMS; i++) {
        char role[64];
        snprintf(role, sizeof role, "platform-%s", demo_platform_names[i]);
        if (make_pair(d, role, d->port_platform_api[i], d->pin_platform[i], err, errlen) != 0)
            return -1;
    }
    return 0;
}

void demo_tls_url(const demo *d, int port, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s://127.0.0.1:%d", d->plain_http ? "http" : "https", port);
}

void demo_tls_peer(const demo *d, buf *ini, int port, const char *pin)
{
    char url[64];

    demo_tls_url(d, port, url, sizeof url);
    buf_printf(ini, "url = %s\n", url);
    if (!d->plain_http)
        buf_printf(ini, "pin = %s\n", pin);
}

void demo_tls_section(const demo *d, buf *ini, int serves_tls)
{
    if (serves_tls && !d->plain_http)
        buf_printf(ini, "\n[tls]\ncert = tls.crt\nkey = tls.key\n");
    else
        buf_printf(ini, "\n# plain HTTP, allowed on loopback addresses only\n"
                        "[tls]\nplain_http = loopback\n");
}
