/* Unit tests for the transport rules between roles (transport.c), the pin
 * table (tls_pin.c) and the TLS pair maker (tls_cert.c): which settings
 * allow plain HTTP and where, which peers need a pin, how pins are matched
 * to URLs, and that a made key is private and its pin is its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tls_cert.h"
#include "tls_pin.h"
#include "transport.h"

#define PIN_A "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PIN_B "sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="

static char dir[] = "/tmp/herald-test-transport.XXXXXX";

static int make_dir(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Loads text as a config file. */
static void load(config *cfg, const char *text)
{
    char path[256], err[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/role.ini", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(config_load(cfg, path, err, sizeof err), 0);
}

static void pins_are_sha256_of_32_bytes(void **state)
{
    (void)state;
    assert_true(tls_pin_valid(PIN_A));
    assert_false(tls_pin_valid("sha256//AAAA"));
    assert_false(tls_pin_valid("sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    assert_false(tls_pin_valid("sha256//!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    assert_false(tls_pin_valid(NULL));
}

static void a_pin_belongs_to_an_origin_not_a_path(void **state)
{
    char pin[TLS_PIN_LEN];
    (void)state;

    assert_int_equal(tls_pin_set("https://127.0.0.1:7001", PIN_A), 0);
    assert_int_equal(tls_pin_set("https://127.0.0.1:7002/", PIN_B), 0);
    assert_true(tls_pin_for("https://127.0.0.1:7001/v1/notices?x=1", pin));
    assert_string_equal(pin, PIN_A);
    assert_true(tls_pin_for("https://127.0.0.1:7002", pin));
    assert_string_equal(pin, PIN_B);
    assert_false(tls_pin_for("https://127.0.0.1:7003", pin));
    assert_false(tls_pin_for("https://127.0.0.1:700", pin));
    /* a second pin for an origin replaces the first */
    assert_int_equal(tls_pin_set("https://127.0.0.1:7001/x", PIN_B), 0);
    assert_true(tls_pin_for("https://127.0.0.1:7001", pin));
    assert_string_equal(pin, PIN_B);
    assert_int_equal(tls_pin_set("no scheme", PIN_A), -1);
    assert_int_equal(tls_pin_set("https://127.0.0.1:7004", "sha256//x"), -1);
}

static void loopback_is_127_8_and_v6_one(void **state)
{
    (void)state;
    assert_true(transport_is_loopback("127.0.0.1"));
    assert_true(transport_is_loopback("127.9.8.7"));
    assert_true(transport_is_loopback("::1"));
    assert_true(transport_is_loopback("localhost"));
    assert_false(transport_is_loopback("0.0.0.0"));
    assert_false(transport_is_loopback("::"));
    assert_false(transport_is_loopback("128.0.0.1"));
    assert_false(transport_is_loopback("10.0.0.1"));
    assert_false(transport_is_loopback("127.example.org"));
}

static void plain_serving_needs_the_setting_and_loopback(void **state)
{
    transport t;
    config cfg;
    char err[512];
    (void)state;

    load(&cfg, "[role]\nx = 1\n");
    assert_int_equal(transport_from_config(&t, &cfg, err, sizeof err), 0);
    assert_int_equal(transport_serve(&t, NULL, "127.0.0.1:0", "[role] listen", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "give [tls] cert and key"));
    config_free(&cfg);

    load(&cfg, "[tls]\nplain_http = loopback\n");
    assert_int_equal(transport_from_config(&t, &cfg, err, sizeof err), 0);
    assert_int_equal(transport_serve(&t, NULL, "127.0.0.1:0", "l", err, sizeof err), 0);
    assert_int_equal(transport_serve(&t, NULL, "[::1]:8080", "l", err, sizeof err), 0);
    assert_int_equal(transport_serve(&t, NULL, "0.0.0.0:80", "l", err, sizeof err), -1);
    assert_non_null(strstr(err, "allows loopback addresses only"));
    assert_int_equal(transport_serve(&t, NULL, "192.0.2.1:80", "l", err, sizeof err), -1);
    config_free(&cfg);

    load(&cfg, "[tls]\nplain_http = yes\n");
    assert_int_equal(transport_from_config(&t, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "plain_http can only be 'loopback'"));
    config_free(&cfg);

    load(&cfg, "[tls]\ncert = tls.crt\n");
    assert_int_equal(transport_from_config(&t, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "needs both cert and key"));
    config_free(&cfg);
}

static void peers_need_a_pin_for_https_and_the_setting_for_http(void **state)
{
    transport t;
    config cfg;
    char err[512], pin[TLS_PIN_LEN];
    (void)state;

    load(&cfg, "[hub]\nurl = https://127.0.0.1:9443\npin = " PIN_A "\n"
               "[idsvc]\nurl = https://10.0.0.5:9443\n"
               "[p]\nurl = http://127.0.0.1:80\n"
               "[q]\nurl = http://10.0.0.5:80\n"
               "[r]\nurl = https://10.0.0.6:1\npin = sha256//short\n"
               "[s]\nurl = ftp://127.0.0.1/\n");
    assert_int_equal(transport_from_config(&t, &cfg, err, sizeof err), 0);
    assert_int_equal(transport_peer(&t, &cfg, "hub", "https://127.0.0.1:9443", err, sizeof err),
                     0);
    assert_true(tls_pin_for("https://127.0.0.1:9443/v1/notices", pin));
    assert_string_equal(pin, PIN_A);
    assert_int_equal(transport_peer(&t, &cfg, "idsvc", "https://10.0.0.5:9443", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "has no pin"));
    assert_int_equal(transport_peer(&t, &cfg, "p", "http://127.0.0.1:80", err, sizeof err), -1);
    assert_non_null(strstr(err, "is plain HTTP"));
    assert_int_equal(transport_peer(&t, &cfg, "r", "https://10.0.0.6:1", err, sizeof err), -1);
    assert_non_null(strstr(err, "pin must be sha256//"));
    assert_int_equal(transport_peer(&t, &cfg, "s", "ftp://127.0.0.1/", err, sizeof err), -1);
    t.plain_loopback = 1;
    assert_int_equal(transport_peer(&t, &cfg, "p", "http://127.0.0.1:80", err, sizeof err), 0);
    assert_int_equal(transport_peer(&t, &cfg, "q", "http://10.0.0.5:80", err, sizeof err), -1);
    assert_non_null(strstr(err, "loopback hosts only"));
    /* a user part cannot pass off a remote host as loopback */
    assert_int_equal(
        transport_peer(&t, &cfg, "q", "http://127.0.0.1@10.0.0.5:80/", err, sizeof err), -1);
    assert_int_equal(transport_peer(&t, &cfg, "p", "http://[::1]:80/", err, sizeof err), 0);
    config_free(&cfg);
}

static void a_made_pair_is_private_and_pins_its_own_key(void **state)
{
    const char *hosts[] = {"127.0.0.1", "hub.example"};
    char key[256], crt[256], pin[TLS_PIN_LEN], again[TLS_PIN_LEN], err[256];
    struct stat st;
    transport t;
    (void)state;

    snprintf(key, sizeof key, "%s/hub.key", dir);
    snprintf(crt, sizeof crt, "%s/hub.crt", dir);
    assert_int_equal(tls_cert_create(key, crt, "hub", hosts, 2, 30, pin, err, sizeof err), 0);
    assert_true(tls_pin_valid(pin));
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* never overwritten */
    assert_int_equal(tls_cert_create(key, crt, "hub", hosts, 2, 30, again, err, sizeof err), -1);
    assert_int_equal(transport_from_files(&t, crt, key, 0, err, sizeof err), 0);
    assert_string_equal(t.pin, pin);
    assert_int_equal(transport_serve(&t, NULL, "0.0.0.0:0", "l", err, sizeof err), 0);
    transport_free(&t);
    /* a key others can read is refused */
    assert_int_equal(chmod(key, 0644), 0);
    assert_int_equal(transport_from_files(&t, crt, key, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by others"));
    /* a file that is no certificate */
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(transport_from_files(&t, key, key, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a PEM certificate"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pins_are_sha256_of_32_bytes),
        cmocka_unit_test(a_pin_belongs_to_an_origin_not_a_path),
        cmocka_unit_test(loopback_is_127_8_and_v6_one),
        cmocka_unit_test(plain_serving_needs_the_setting_and_loopback),
        cmocka_unit_test(peers_need_a_pin_for_https_and_the_setting_for_http),
        cmocka_unit_test(a_made_pair_is_private_and_pins_its_own_key),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
