/* http_limits.c -- see http_limits.h. */
#include "http_limits.h"

#include <stdio.h>

#include "config.h"

int http_limits_load(const config *cfg, http_limits *out, char *err, size_t errlen)
{
    static const http_limits def = HTTP_LIMITS_DEFAULT;
    http_limits l = {0};

    if (config_long(cfg, "http", "max_connections", def.max_connections, 16, 1000000,
                    &l.max_connections, err, errlen) ||
        config_long(cfg, "http", "max_connections_per_source", def.max_connections_per_source,
                    1, 1000000, &l.max_connections_per_source, err, errlen) ||
        config_long(cfg, "http", "header_timeout_s", def.header_timeout_s, 1, 3600,
                    &l.header_timeout_s, err, errlen) ||
        config_long(cfg, "http", "idle_timeout_s", def.idle_timeout_s, 1, 3600,
                    &l.idle_timeout_s, err, errlen) ||
        config_long(cfg, "http", "peer_idle_timeout_s", def.peer_idle_timeout_s, 1, 3600,
                    &l.peer_idle_timeout_s, err, errlen) ||
        config_long(cfg, "http", "request_timeout_s", def.request_timeout_s, 1, 3600,
                    &l.request_timeout_s, err, errlen) ||
        config_long(cfg, "http", "body_grace_s", def.body_grace_s, 1, 3600, &l.body_grace_s,
                    err, errlen) ||
        config_long(cfg, "http", "body_min_rate", def.body_min_rate, 1, 1 << 20,
                    &l.body_min_rate, err, errlen))
        return -1;
    const char *proxies = config_get(cfg, "http", "trusted_proxies");
    l.ntrusted = proxies ? http_source_parse_list(proxies, l.trusted, HTTP_TRUSTED_PROXIES_MAX)
                         : 0;
    if (l.ntrusted < 0) {
        snprintf(err, errlen,
                 "%s: [http] trusted_proxies must be up to %d IPv4 or IPv6 addresses,"
                 " separated by commas", cfg->path, HTTP_TRUSTED_PROXIES_MAX);
        return -1;
    }
    *out = l;
    return 0;
}
