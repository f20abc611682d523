/* demo_certificates.c -- what an agency keeps of a delivery: after the
 * run, the hub's distribution certificate of every notice that was read,
 * fetched with the agency's key and written to DIR/certificates, where
 * `herald verify` can check each one offline. */
#include "demo_certificates.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "demo_tls.h"
#include "http_client.h"

/* Appends to ids the notices the hub's feed says are read; -1 on error. */
static int read_notices(http_client *hc, json_t *ids, char *err, size_t errlen)
{
    long long after = 0;

    for (;;) {
        char path[96];
        json_t *reply = NULL, *changes, *c;
        size_t i, n;

        snprintf(path, sizeof path, "/v1/changes?after=%lld&limit=10000", after);
        if (http_client_call(hc, "GET", path, NULL, 0, &reply, err, errlen) != 200) {
            json_decref(reply);
            return -1;
        }
        changes = json_object_get(reply, "changes");
        n = json_array_size(changes);
        /* state changes only: evidence that moved no state comes with
         * the state the notice already had */
        json_array_foreach(changes, i, c)
            if (!json_object_get(c, "event") &&
                !strcmp(json_string_value(json_object_get(c, "state")) ?: "", "read"))
                json_array_append(ids, json_object_get(c, "notice"));
        after = json_integer_value(json_object_get(reply, "next"));
        json_decref(reply);
        if (n == 0)
            return 0;
    }
}

static int write_certificate(const demo *d, http_client *hc, const char *id, char *err,
                             size_t errlen)
{
    char path[4096], api[128];
    json_t *cert = NULL;
    int status;

    snprintf(api, sizeof api, "/v1/notices/%s/certificate", id);
    status = http_client_call(hc, "GET", api, NULL, 0, &cert, err, errlen);
    if (status != 200 || !cert) {
        if (status != 200 && status != 0)
            snprintf(err, errlen, "certificate of %s: HTTP %d", id, status);
        json_decref(cert);
        return -1;
    }
    snprintf(path, sizeof path, "%s/certificates/%s.json", d->dir, id);
    status = json_dump_file(cert, path, JSON_COMPACT);
    json_decref(cert);
    if (status != 0)
        snprintf(err, errlen, "%s: cannot write", path);
    return status;
}

/* DIR/certificates/<notice id>.json for every notice that was read, fetched
 * from the hub with the agency's key, as the agency would keep them. */
int demo_certificates(demo *d, char *err, size_t errlen)
{
    char path[4096], key[128], url[64];
    http_client *hc;
    json_t *ids = json_array();
    size_t i;
    json_t *id;
    int rc = 0;

    snprintf(path, sizeof path, "%s/agency/hub.apikey", d->dir);
    if (!ids || http_client_read_key(path, key, sizeof key, err, errlen) != 0) {
        json_decref(ids);
        return -1;
    }
    demo_tls_url(d, d->port_hub, url, sizeof url);
    hc = http_client_new(url, key);
    snprintf(path, sizeof path, "%s/certificates", d->dir);
    if (!hc) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    } else {
        rc = read_notices(hc, ids, err, errlen);
    }
    json_array_foreach(ids, i, id)
        if (rc == 0)
            rc = write_certificate(d, hc, json_string_value(id), err, errlen);
    if (rc == 0)
        fprintf(stderr, "demo: %zu certificates of read notices in %s/certificates "
                "(check one: herald verify --log-key %s/signer/log.pub FILE)\n",
                json_array_size(ids), d->dir, d->dir);
    http_client_free(hc);
    json_decref(ids);
    secure_wipe(key, sizeof key);
    return rc;
}
