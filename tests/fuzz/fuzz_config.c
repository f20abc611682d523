/* fuzz_config.c -- a role's .ini file (inih underneath, our limits and
 * number parsing on top, the [http] section every role reads), read from
 * a memory stream as config_load reads the opened file, and the transport
 * rules read from it: [tls], a peer's url (its host) and pin. */
#include <stdio.h>

#include "config.h"
#include "fuzz.h"
#include "http_limits.h"
#include "transport.h"

/* Not with a cert: that would read whatever file the input names. */
static void check_transport(const config *cfg)
{
    const char *url = config_get(cfg, "hub", "url");
    char err[512];
    transport t;

    if (config_get(cfg, "tls", "cert") || transport_from_config(&t, cfg, err, sizeof err) != 0)
        return;
    if (url)
        (void)transport_peer(&t, cfg, "hub", url, err, sizeof err);
    (void)transport_serve(&t, NULL, url ? url : "", "fuzz", err, sizeof err);
    transport_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char empty[1];
    char err[256];
    config cfg;
    long v;
    http_limits limits;
    /* fmemopen's "r" never writes; an empty file is a 0-byte stream. */
    FILE *f = fmemopen(size ? (void *)data : empty, size, "r");

    if (!f)
        return 0;
    if (config_read(&cfg, f, "fuzz.ini", err, sizeof err) == 0) {
        (void)config_get(&cfg, "hub", "listen");
        (void)config_long(&cfg, "sms", "window", 100, 1, 1000, &v, err, sizeof err);
        (void)http_limits_load(&cfg, &limits, err, sizeof err);
        check_transport(&cfg);
        config_free(&cfg);
    }
    fclose(f);
    return 0;
}
