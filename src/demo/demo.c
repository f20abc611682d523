/* demo.c -- see demo.h. */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *const demo_platform_names[POP_PLATFORMS] = {"messenger", "carrier"};

double demo_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void demo_path(const demo *d, char *out, size_t len, const char *role, const char *file)
{
    snprintf(out, len, "%s/%s%s%s", d->dir, role, file ? "/" : "", file ? file : "");
}

int demo_write_file(const char *path, const char *text, int mode, char *err, size_t errlen)
{
    FILE *f;

    umask(077);
    f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    chmod(path, (mode_t)mode);
    return 0;
}
