/* sms_settings.c -- platform.ini's [sms] section, read and checked
 * once at start, so that the carrier channel's threads never see a
 * setting they would have to refuse. See sms_settings.h. */
#include "sms_settings.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "str_copy.h"

int sms_settings_present(const config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (!strcmp(cfg->entries[i].section, "sms"))
            return 1;
    return 0;
}

static int copy_key(const config *cfg, const char *key, const char *def, char *out,
                    size_t cap, char *err, size_t errlen)
{
    const char *v = def ? config_get(cfg, "sms", key) : config_require(cfg, "sms", key, err, errlen);

    if (!v && !def)
        return -1;
    if (!v)
        v = def;
    if (strlen(v) >= cap) {
        snprintf(err, errlen, "%s: [sms] %s is longer than %zu characters", cfg->path, key,
                 cap - 1);
        return -1;
    }
    str_copy(out, cap, v);
    return 0;
}

static int on_off(const config *cfg, const char *key, int def, int *out, char *err,
                  size_t errlen)
{
    const char *v = config_get(cfg, "sms", key);

    if (!v)
        *out = def;
    else if (!strcmp(v, "on") || !strcmp(v, "off"))
        *out = !strcmp(v, "on");
    else {
        snprintf(err, errlen, "%s: [sms] %s must be on or off", cfg->path, key);
        return -1;
    }
    return 0;
}

static int id_form(const config *cfg, const char *key, smpp_id_form *out, char *err,
                   size_t errlen)
{
    const char *v = config_get(cfg, "sms", key);

    if (!v)
        *out = SMPP_ID_TEXT;
    else if (smpp_id_form_parse(v, out)) {
        snprintf(err, errlen, "%s: [sms] %s must be text, decimal or hex, not \"%s\"",
                 cfg->path, key, v);
        return -1;
    }
    return 0;
}

/* Ids are compared as given, or both read as numbers: a text id has no
 * number to meet a numbered one. */
static int id_forms(const config *cfg, sms_settings *s, char *err, size_t errlen)
{
    if (id_form(cfg, "submit_id", &s->submit_id, err, errlen) ||
        id_form(cfg, "receipt_id", &s->receipt_id, err, errlen))
        return -1;
    if ((s->submit_id == SMPP_ID_TEXT) != (s->receipt_id == SMPP_ID_TEXT)) {
        snprintf(err, errlen,
                 "%s: [sms] submit_id and receipt_id must both be text, or both numbers"
                 " (decimal or hex); they are %s and %s", cfg->path,
                 smpp_id_form_name(s->submit_id), smpp_id_form_name(s->receipt_id));
        return -1;
    }
    return 0;
}

/* The SMPP password: one line of at most 8 characters in a file only its
 * owner may read. */
static int read_password(const config *cfg, char *out, size_t cap, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "sms", "password_file", err, errlen);
    char path[PATH_MAX], line[64];
    struct stat st;
    FILE *f;
    size_t n;

    if (!v)
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (!(f = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
        fclose(f);
        snprintf(err, errlen, "%s: the SMPP password file is readable by others; chmod 600 it",
                 path);
        return -1;
    }
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n == 0 || n >= cap) {
        secure_wipe(line, sizeof line);
        snprintf(err, errlen, "%s: expected one line holding an SMPP password of 1-%zu characters",
                 path, cap - 1);
        return -1;
    }
    memcpy(out, line, n + 1);
    secure_wipe(line, sizeof line);
    return 0;
}

static int source_ok(const char *a)
{
    for (; *a; a++)
        if (*a < 0x20 || *a > 0x7e)
            return 0;
    return 1;
}

int sms_settings_load(sms_settings *s, const config *cfg, char *err, size_t errlen)
{
    smpp_session_config *c = &s->session;
    long port;

    memset(s, 0, sizeof *s);
    if (copy_key(cfg, "host", NULL, c->host, sizeof c->host, err, errlen) ||
        config_long(cfg, "sms", "port", -1, 1, 65535, &port, err, errlen) ||
        copy_key(cfg, "system_id", NULL, c->system_id, sizeof c->system_id, err, errlen) ||
        copy_key(cfg, "system_type", "", c->system_type, sizeof c->system_type, err, errlen) ||
        copy_key(cfg, "source_addr", NULL, s->source_addr, sizeof s->source_addr, err,
                 errlen) ||
        copy_key(cfg, "tls_ca_file", "", c->tls_ca_file, sizeof c->tls_ca_file, err, errlen) ||
        config_long(cfg, "sms", "window", 100, 1, 1000, &s->window, err, errlen) ||
        config_long(cfg, "sms", "max_per_s", 0, 0, 1000000, &s->max_per_s, err, errlen) ||
        config_long(cfg, "sms", "throttled_max", 120, 1, 100000, &s->throttled_max, err,
                    errlen) ||
        config_long(cfg, "sms", "response_timeout_s", 30, 1, 3600, &s->response_timeout_s, err,
                    errlen) ||
        config_long(cfg, "sms", "enquire_link_s", 30, 1, 3600, &c->enquire_link_s, err,
                    errlen) ||
        config_long(cfg, "sms", "reconnect_max_s", 30, 1, 3600, &c->reconnect_max_s, err,
                    errlen) ||
        on_off(cfg, "tls", 0, &c->tls, err, errlen) ||
        on_off(cfg, "receipts", 1, &s->receipts, err, errlen) || id_forms(cfg, s, err, errlen))
        return -1;
    if (port < 0) {
        snprintf(err, errlen, "%s: [sms] port is required", cfg->path);
        return -1;
    }
    c->port = (int)port;
    if (!s->source_addr[0] || !source_ok(s->source_addr)) {
        snprintf(err, errlen, "%s: [sms] source_addr must be 1-%d printable ASCII characters",
                 cfg->path, SMPP_PDU_ADDR_MAX);
        return -1;
    }
    if (c->tls_ca_file[0]) {
        char path[PATH_MAX];
        config_path(cfg, c->tls_ca_file, path, sizeof path);
        if (strlen(path) >= sizeof c->tls_ca_file) {
            snprintf(err, errlen, "%s: [sms] tls_ca_file is too long", cfg->path);
            return -1;
        }
        str_copy(c->tls_ca_file, sizeof c->tls_ca_file, path);
    }
    return read_password(cfg, c->password, sizeof c->password, err, errlen);
}

void sms_settings_wipe(sms_settings *s)
{
    secure_wipe(s->session.password, sizeof s->session.password);
}
