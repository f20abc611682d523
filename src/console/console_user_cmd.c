/* console_user_cmd.c -- see console_user_cmd.h. */
#include "console_user_cmd.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "console_auth.h"
#include "crypto.h"
#include "totp.h"

#define QR_QUIET 2 /* modules of light border around the code */

/* One line from stdin without its newline; with echo off on a terminal.
 * 0, or -1 at end of input or on a line too long. */
static int read_line(const char *prompt, char *out, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO), rc = 0;
    size_t n;

    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    if (!fgets(out, (int)cap, stdin))
        rc = -1;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    n = rc == 0 ? strlen(out) : 0;
    if (rc == 0 && (n == 0 || out[n - 1] != '\n') && !feof(stdin))
        rc = -1; /* longer than cap */
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return rc;
}

static int read_password(const char *cmd, char *pw, size_t cap)
{
    char again[CONSOLE_PASSWORD_MAX + 2];
    const char *problem;

    if (read_line("Password: ", pw, cap) != 0)
        return cli_fail(cmd, "no password on stdin (or a line over %d characters)",
                        CONSOLE_PASSWORD_MAX);
    if ((problem = console_password_problem(pw)))
        return cli_fail(cmd, "%s", problem);
    if (isatty(STDIN_FILENO)) {
        int same = read_line("Again: ", again, sizeof again) == 0 && !strcmp(pw, again);
        secure_wipe(again, sizeof again);
        if (!same)
            return cli_fail(cmd, "the two passwords differ");
    }
    return 0;
}

/* The QR code in half blocks, light modules drawn: readable on a dark
 * terminal, which is what most are. */
static void print_qr(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int w, size;

    if (!qr)
        return;
    w = qr->width;
    size = w + 2 * QR_QUIET;
    for (int y = 0; y < size; y += 2) {
        for (int x = 0; x < size; x++) {
            int light[2];
            for (int k = 0; k < 2; k++) {
                int yy = y + k - QR_QUIET, xx = x - QR_QUIET;
                int inside = yy >= 0 && yy < w && xx >= 0 && xx < w;
                light[k] = !(inside && (qr->data[yy * w + xx] & 1));
            }
            fputs(light[0] && light[1] ? "\xe2\x96\x88" : light[0] ? "\xe2\x96\x80"
                  : light[1] ? "\xe2\x96\x84" : " ", stdout);
        }
        fputc('\n', stdout);
    }
    QRcode_free(qr);
}

static int user_add(const char *cmd, console_auth *a, const char *console, const char *name,
                    const char *role_text)
{
    char pw[CONSOLE_PASSWORD_MAX + 2], err[512], b32[TOTP_BASE32_MAX], uri[512];
    uint8_t secret[TOTP_SECRET_LEN];
    console_role role;
    int rc;

    if (!console_name_ok(name))
        return cli_usage_error(cmd, "NAME must be 1-64 of [a-z0-9._-]");
    if (!role_text || console_role_parse(role_text, &role) != 0)
        return cli_usage_error(cmd, "--role must be admin, sender or viewer");
    if ((rc = read_password(cmd, pw, sizeof pw)) != 0) {
        secure_wipe(pw, sizeof pw);
        return rc;
    }
    rc = console_user_add(a, name, role, pw, secret, err, sizeof err);
    secure_wipe(pw, sizeof pw);
    if (rc != 0)
        return cli_fail(cmd, "%s", err);
    base32_encode(b32, sizeof b32, secret, sizeof secret);
    snprintf(uri, sizeof uri, "otpauth://totp/herald-%s:%s?secret=%s&issuer=herald-%s"
             "&algorithm=SHA1&digits=%d&period=%d", console, name, b32, console, TOTP_DIGITS,
             TOTP_STEP_S);
    printf("Account %s (%s) added to the %s console.\n"
           "Its second factor, shown this once: scan the code with an authenticator app\n"
           "or enter the secret %s by hand.\n\n", name, role_text, console, b32);
    print_qr(uri);
    printf("\n%s\n", uri);
    fflush(stdout);
    secure_wipe(secret, sizeof secret);
    secure_wipe(b32, sizeof b32);
    secure_wipe(uri, sizeof uri);
    return EXIT_OK;
}

static void print_user(void *ctx, const console_user *u)
{
    char when[32];
    time_t t = (time_t)(u->created_ms / 1000);
    struct tm tm;

    (void)ctx;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%s\t%s\t%s\n", u->name, console_role_name(u->role), when);
}

static int run(const char *cmd, console_auth *a, const char *console, char **words, int nwords,
               const char *role)
{
    if (!strcmp(words[0], "add") && nwords == 2)
        return user_add(cmd, a, console, words[1], role);
    if (!strcmp(words[0], "list") && nwords == 1)
        return console_user_list(a, print_user, NULL) == 0 ? EXIT_OK
                                                           : cli_fail(cmd, "database error");
    if (!strcmp(words[0], "remove") && nwords == 2) {
        int r = console_user_remove(a, words[1]);
        if (r < 0)
            return cli_fail(cmd, "database error");
        if (r == 0)
            return cli_fail(cmd, "no account named %s", words[1]);
        printf("Account %s removed; its sessions ended.\n", words[1]);
        return EXIT_OK;
    }
    return cli_usage_error(cmd, "expected: add NAME --role ROLE, list, or remove NAME");
}

int console_user_cmd(const char *cmd, const char *db_path, const char *console, char **words,
                     int nwords, const char *role)
{
    char err[512];
    console_auth *a;
    int rc;

    if (nwords < 1)
        return cli_usage_error(cmd, "expected: add NAME --role ROLE, list, or remove NAME");
    if (!(a = console_auth_open(db_path, console, err, sizeof err)))
        return cli_fail(cmd, "%s", err);
    rc = run(cmd, a, console, words, nwords, role);
    console_auth_close(a);
    return rc;
}
