/* log.c -- see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

static char log_name[48] = "herald";
static int log_quiet;
static void (*log_scrub)(char *msg, size_t len);

void log_set_name(const char *name)
{
    snprintf(log_name, sizeof log_name, "herald-%s", name);
}

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

void log_set_scrub(void (*scrub)(char *msg, size_t len))
{
    log_scrub = scrub;
}

static void scrub_line(char *msg, int cut)
{
    size_t len = 0;

    if (cut) {
        len = strlen(msg);
        while (len && ((msg[len - 1] >= '0' && msg[len - 1] <= '9') || msg[len - 1] == '-'))
            len--;
        msg[len] = '\0';
        len = 0;
    }
    /* A peer's words (an SMSC's system_id, a header) may hold control
     * characters, which would forge lines, or bytes that are not UTF-8,
     * which log readers choke on: each becomes '?'. */
    size_t end = strlen(msg), n;
    while (len < end) {
        unsigned char c = (unsigned char)msg[len];
        if (c < 0x20 || c == 0x7f || !(n = utf8_char_len(msg + len, end - len))) {
            msg[len++] = '?';
            continue;
        }
        len += n;
    }
    if (log_scrub)
        log_scrub(msg, len);
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
    char stamp[25], msg[1024];

    clock_rfc3339_ms(stamp, clock_now_ms());
    scrub_line(msg, vsnprintf(msg, sizeof msg, fmt, ap) >= (int)sizeof msg);
    /* One fprintf per line so that concurrent threads do not interleave. */
    fprintf(stderr, "%s %s %s: %s\n", stamp, log_name, level, msg);
}

void log_info(const char *fmt, ...)
{
    va_list ap;

    if (log_quiet)
        return;
    va_start(ap, fmt);
    log_line("info", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("warning", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("error", fmt, ap);
    va_end(ap);
}
