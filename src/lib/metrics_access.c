/* metrics_access.c -- see metrics_access.h. */
#include "metrics_access.h"

#include <stdio.h>
#include <string.h>

#include "metrics.h"

int metrics_access_mode(const char *name, metrics_mode *mode, char *err, size_t errlen)
{
    if (!name || !strcmp(name, "off"))
        *mode = METRICS_OFF;
    else if (!strcmp(name, "public"))
        *mode = METRICS_PUBLIC;
    else if (!strcmp(name, "key"))
        *mode = METRICS_KEY;
    else {
        snprintf(err, errlen, "metrics must be off, public or key, not '%s'", name);
        return -1;
    }
    return 0;
}

int metrics_access_open(metrics_access *a, const char *mode, const char *clients_file,
                        char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (metrics_access_mode(mode, &a->mode, err, errlen) != 0)
        return -1;
    if (a->mode != METRICS_KEY)
        return 0;
    if (!clients_file) {
        snprintf(err, errlen, "metrics = key needs metrics_clients (a clients file)");
        return -1;
    }
    return apikeys_load(&a->clients, clients_file, err, errlen);
}

int metrics_access_config(metrics_access *a, const config *cfg, const char *section,
                          char *err, size_t errlen)
{
    const char *mode = config_get(cfg, section, "metrics");
    const char *file = config_get(cfg, section, "metrics_clients");
    char path[4096], why[512];

    if (file)
        config_path(cfg, file, path, sizeof path);
    if (metrics_access_open(a, mode, file ? path : NULL, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: [%s] %s", cfg->path, section, why);
        return -1;
    }
    return 0;
}

void metrics_access_close(metrics_access *a)
{
    apikeys_free(&a->clients);
    memset(a, 0, sizeof *a);
}

int metrics_access_allow(const metrics_access *a, const http_request *req,
                         http_response *resp)
{
    switch (a->mode) {
    case METRICS_PUBLIC: return 1;
    case METRICS_KEY: return apikeys_authorize(&a->clients, req, resp) != NULL;
    default: http_reply_not_found(resp); return 0;
    }
}

void metrics_reply(http_response *resp, buf *b)
{
    size_t len;
    char *text = buf_take(b, &len);

    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, 200, METRICS_CONTENT_TYPE, text, len);
}
