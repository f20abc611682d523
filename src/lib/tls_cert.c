/* tls_cert.c -- see tls_cert.h. */
#include "tls_cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"

#define PEM_MAX (64 << 10)

static int fail(char *err, size_t errlen, const char *what, int rc)
{
    snprintf(err, errlen, "%s: %s", what, gnutls_strerror(rc));
    return -1;
}

/* The pin of a public key: SHA-256 of its DER SubjectPublicKeyInfo. */
static int pubkey_pin(gnutls_pubkey_t pub, char pin[TLS_PIN_LEN], char *err, size_t errlen)
{
    gnutls_datum_t der = {NULL, 0};
    uint8_t hash[SHA256_LEN];
    int rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der);

    if (rc < 0)
        return fail(err, errlen, "cannot export the public key", rc);
    sha256(der.data, der.size, hash);
    gnutls_free(der.data);
    memcpy(pin, "sha256//", 8);
    base64_encode(pin + 8, hash, sizeof hash);
    return 0;
}

int tls_cert_pin(const char *pem, size_t len, char pin[TLS_PIN_LEN], char *err, size_t errlen)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
    int rc, r = -1;

    if ((rc = gnutls_x509_crt_init(&crt)) < 0 || (rc = gnutls_pubkey_init(&pub)) < 0)
        fail(err, errlen, "cannot read the certificate", rc);
    else if ((rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) < 0 ||
             (rc = gnutls_pubkey_import_x509(pub, crt, 0)) < 0)
        fail(err, errlen, "not a PEM certificate", rc);
    else
        r = pubkey_pin(pub, pin, err, errlen);
    gnutls_pubkey_deinit(pub);
    gnutls_x509_crt_deinit(crt);
    return r;
}

/* Names each host as an IP or a DNS subjectAltName. */
static int add_hosts(gnutls_x509_crt_t crt, const char *const *hosts, size_t n, char *err,
                     size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ip[16];
        int rc, v6 = inet_pton(AF_INET6, hosts[i], ip) == 1;
        if (v6 || inet_pton(AF_INET, hosts[i], ip) == 1)
            rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip,
                                                      v6 ? 16 : 4, GNUTLS_FSAN_APPEND);
        else
            rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, hosts[i],
                                                      (unsigned)strlen(hosts[i]),
                                                      GNUTLS_FSAN_APPEND);
        if (rc < 0)
            return fail(err, errlen, hosts[i], rc);
    }
    return 0;
}

/* Fills in and self-signs crt with key. */
static int sign_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *name,
                     const char *const *hosts, size_t nhosts, int days, char *err,
                     size_t errlen)
{
    uint8_t serial[16];
    time_t now = time(NULL);
    int rc;

    random_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; /* a positive number */
    if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400)) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
                                            (unsigned)strlen(name))) < 0 ||
        (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
        return fail(err, errlen, "cannot fill in the certificate", rc);
    if (add_hosts(crt, hosts, nhosts, err, errlen) != 0)
        return -1;
    if ((rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
        return fail(err, errlen, "cannot sign the certificate", rc);
    return 0;
}

/* Writes data to a new file of the given mode; never overwrites. */
static int write_new(const char *path, int mode, const gnutls_datum_t *data, char *err,
                     size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, (mode_t)mode) != 0 || write(fd, data->data, data->size) != (ssize_t)data->size ||
        fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return close(fd);
}

/* Exports key and crt as PEM to their files. */
static int write_pair(gnutls_x509_privkey_t key, gnutls_x509_crt_t crt, const char *key_path,
                      const char *cert_path, char *err, size_t errlen)
{
    gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
    int rc, r = -1;

    if ((rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem)) < 0 ||
        (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0)
        fail(err, errlen, "cannot export the key or certificate", rc);
    else if (write_new(key_path, 0600, &kpem, err, errlen) == 0) {
        r = write_new(cert_path, 0644, &cpem, err, errlen);
        if (r != 0)
            unlink(key_path);
    }
    if (kpem.data) {
        secure_wipe(kpem.data, kpem.size);
        gnutls_free(kpem.data);
    }
    gnutls_free(cpem.data);
    return r;
}

int tls_cert_create(const char *key_path, const char *cert_path, const char *name,
                    const char *const *hosts, size_t nhosts, int days,
                    char pin[TLS_PIN_LEN], char *err, size_t errlen)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    int rc, r = -1;

    if ((rc = gnutls_x509_privkey_init(&key)) < 0 || (rc = gnutls_x509_crt_init(&crt)) < 0 ||
        (rc = gnutls_pubkey_init(&pub)) < 0)
        fail(err, errlen, "out of memory", rc);
    else if ((rc = gnutls_x509_privkey_generate(
                  key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
        fail(err, errlen, "cannot make the key", rc);
    else if (sign_cert(crt, key, name, hosts, nhosts, days, err, errlen) == 0 &&
             write_pair(key, crt, key_path, cert_path, err, errlen) == 0) {
        if ((rc = gnutls_pubkey_import_x509(pub, crt, 0)) < 0)
            fail(err, errlen, "cannot read the public key back", rc);
        else
            r = pubkey_pin(pub, pin, err, errlen);
    }
    gnutls_pubkey_deinit(pub);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return r;
}

char *tls_read_pem(const char *path, int secret, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *text = NULL;
    ssize_t n;

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > PEM_MAX)
        snprintf(err, errlen, "%s: expected a PEM file of at most 64 KiB", path);
    else if (secret && (st.st_mode & 077))
        snprintf(err, errlen, "%s: TLS key is readable by others; run chmod 600 on it", path);
    else if (!(text = malloc((size_t)st.st_size + 1)))
        snprintf(err, errlen, "out of memory");
    else if ((n = read(fd, text, (size_t)st.st_size)) != st.st_size) {
        snprintf(err, errlen, "%s: cannot read it", path);
        secure_wipe(text, (size_t)st.st_size);
        free(text);
        text = NULL;
    } else
        text[n] = '\0';
    close(fd);
    return text;
}
