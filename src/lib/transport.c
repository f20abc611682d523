/* transport.c -- see transport.h. */
#include "transport.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "http_server.h"
#include "tls_cert.h"

int transport_from_files(transport *t, const char *cert, const char *key, int plain_loopback,
                         char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->plain_loopback = plain_loopback;
    t->tls_setting = "--tls-cert and --tls-key";
    t->plain_setting = "--plain-http";
    if (!cert != !key) {
        snprintf(err, errlen, "a TLS certificate needs its key, and a key its certificate");
        return -1;
    }
    if (!cert)
        return 0;
    if (!(t->cert_pem = tls_read_pem(cert, 0, err, errlen)) ||
        !(t->key_pem = tls_read_pem(key, 1, err, errlen))) {
        transport_free(t);
        return -1;
    }
    if (tls_cert_pin(t->cert_pem, strlen(t->cert_pem), t->pin, err, errlen) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: %s", cert, why);
        transport_free(t);
        return -1;
    }
    return 0;
}

int transport_from_config(transport *t, const config *cfg, char *err, size_t errlen)
{
    const char *cert = config_get(cfg, "tls", "cert"), *key = config_get(cfg, "tls", "key");
    const char *plain = config_get(cfg, "tls", "plain_http");
    char cpath[4096], kpath[4096];

    memset(t, 0, sizeof *t);
    if (plain && strcmp(plain, "loopback") != 0) {
        snprintf(err, errlen, "%s:%d: [tls] plain_http can only be 'loopback'", cfg->path,
                 config_line(cfg, "tls", "plain_http"));
        return -1;
    }
    if (!cert != !key) {
        snprintf(err, errlen, "%s: [tls] needs both cert and key (herald keygen --tls)",
                 cfg->path);
        return -1;
    }
    if (cert) {
        config_path(cfg, cert, cpath, sizeof cpath);
        config_path(cfg, key, kpath, sizeof kpath);
    }
    if (transport_from_files(t, cert ? cpath : NULL, key ? kpath : NULL, plain != NULL, err,
                             errlen) != 0)
        return -1;
    t->tls_setting = "[tls] cert and key";
    t->plain_setting = "[tls] plain_http = loopback";
    return 0;
}

int transport_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (!strcasecmp(host, "localhost"))
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int transport_serve(const transport *t, http_server *s, const char *listen, const char *what,
                    char *err, size_t errlen)
{
    char host[256];
    int port;

    if (t->cert_pem) {
        if (s && http_server_use_tls(s, t->cert_pem, t->key_pem, err, errlen) != 0)
            return -1;
        return 0;
    }
    if (http_split_listen(listen, host, sizeof host, &port) != 0) {
        snprintf(err, errlen, "%s: bad address '%s': expected HOST:PORT", what, listen);
        return -1;
    }
    if (!t->plain_loopback) {
        snprintf(err, errlen,
                 "refusing to serve plain HTTP on %s (%s): give %s (herald keygen --tls), or "
                 "allow plain HTTP on a loopback address with %s",
                 listen, what, t->tls_setting, t->plain_setting);
        return -1;
    }
    if (!transport_is_loopback(host)) {
        snprintf(err, errlen,
                 "refusing to serve plain HTTP on %s (%s): %s allows loopback addresses "
                 "only; give %s to serve other addresses",
                 listen, what, t->plain_setting, t->tls_setting);
        return -1;
    }
    return 0;
}

/* The host of "scheme://[user@]host[:port]/..." into out; -1 if none. */
static int url_host(const char *url, char *out, size_t outlen)
{
    const char *h = strstr(url, "://"), *end;
    size_t n;

    if (!h)
        return -1;
    h += 3;
    end = h + strcspn(h, "/?#");
    for (const char *at = h; at < end; at++)
        if (*at == '@')
            h = at + 1;
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close)
            return -1;
        h++;
        n = (size_t)(close - h);
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        n = (size_t)((colon ? colon : end) - h);
    }
    if (n == 0 || n >= outlen)
        return -1;
    memcpy(out, h, n);
    out[n] = '\0';
    return 0;
}

int transport_peer(const transport *t, const config *cfg, const char *section, const char *url,
                   char *err, size_t errlen)
{
    const char *pin = config_get(cfg, section, "pin");
    char host[256];

    if (url_host(url, host, sizeof host) != 0) {
        snprintf(err, errlen, "%s: [%s] url '%s' names no host", cfg->path, section, url);
        return -1;
    }
    if (!strncmp(url, "https://", 8)) {
        if (!pin) {
            snprintf(err, errlen,
                     "%s: [%s] url is https but the section has no pin: add the peer's "
                     "'pin = sha256//...' (herald keygen --tls prints it)", cfg->path, section);
            return -1;
        }
        if (tls_pin_set(url, pin) != 0) {
            snprintf(err, errlen,
                     "%s:%d: [%s] pin must be sha256// and the base64 of 32 bytes", cfg->path,
                     config_line(cfg, section, "pin"), section);
            return -1;
        }
        return 0;
    }
    if (strncmp(url, "http://", 7) != 0) {
        snprintf(err, errlen, "%s: [%s] url must start with https:// (or http:// on loopback)",
                 cfg->path, section);
        return -1;
    }
    if (!t->plain_loopback || !transport_is_loopback(host)) {
        snprintf(err, errlen,
                 "%s: [%s] url %s is plain HTTP: use https:// with the peer's pin%s%s%s",
                 cfg->path, section, url, t->plain_loopback ? " (" : ", or set ",
                 t->plain_setting, t->plain_loopback ? " allows loopback hosts only)"
                                                     : " for a loopback peer");
        return -1;
    }
    return 0;
}

const char *transport_describe(const transport *t, char *out, size_t outlen)
{
    if (t->cert_pem)
        snprintf(out, outlen, "TLS 1.3, certificate pin %s", t->pin);
    else
        snprintf(out, outlen, "plain HTTP (%s)", t->plain_setting);
    return out;
}

void transport_free(transport *t)
{
    if (t->key_pem) {
        secure_wipe(t->key_pem, strlen(t->key_pem));
        free(t->key_pem);
    }
    free(t->cert_pem);
    t->cert_pem = t->key_pem = NULL;
}
