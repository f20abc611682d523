/* fuzz_config.c -- a role's .ini file (inih underneath, our limits and
 * number parsing on top, the [http] section every role reads), read from
 * a memory file. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "http_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[256];
    config cfg;
    long v;
    http_limits limits;
    int fd = memfd_create("fuzz.ini", 0);

    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (config_load(&cfg, path, err, sizeof err) == 0) {
        (void)config_get(&cfg, "hub", "listen");
        (void)config_long(&cfg, "sms", "window", 100, 1, 1000, &v, err, sizeof err);
        (void)http_limits_load(&cfg, &limits, err, sizeof err);
        config_free(&cfg);
    }
    close(fd);
    return 0;
}
