/* hub_leaf_file.c -- see hub_leaf_file.h. */
#include "hub_leaf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

struct hub_leaf_file {
    int fd;
    uint64_t end;  /* next free offset: atomic, so writers never wait for each other */
    int failed;    /* atomic */
    pthread_mutex_t sync_lock;
    char path[4200];
};

hub_leaf_file *hub_leaf_file_open(const char *path, char *err, size_t errlen)
{
    hub_leaf_file *f = calloc(1, sizeof *f);
    struct stat st;
    int made;

    if (!f || strlen(path) >= sizeof f->path) {
        snprintf(err, errlen, "%s: %s", path, f ? "name too long" : "out of memory");
        free(f);
        return NULL;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    pthread_mutex_init(&f->sync_lock, NULL);
    f->fd = open(path, O_RDWR | O_CLOEXEC, 0600);
    made = f->fd < 0 && errno == ENOENT;
    if (made)
        f->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->fd < 0 || fstat(f->fd, &st) != 0 || (made && db_sync_folder(path) != 0)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        hub_leaf_file_close(f);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        hub_leaf_file_close(f);
        return NULL;
    }
    f->end = (uint64_t)st.st_size;
    return f;
}

void hub_leaf_file_close(hub_leaf_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    pthread_mutex_destroy(&f->sync_lock);
    free(f);
}

static int fail(hub_leaf_file *f, const char *what)
{
    if (!__atomic_exchange_n(&f->failed, 1, __ATOMIC_ACQ_REL))
        log_error("log: cannot %s %s: %s; leaves stay in the database from now on",
                  what, f->path, strerror(errno));
    return -1;
}

static int write_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Syncs take turns: one sync covers every put written before it, and a
 * failure is seen by the one that got it and then by everyone (failed). */
int hub_leaf_file_put(hub_leaf_file *f, const void *bytes, size_t len, uint64_t *off)
{
    uint64_t at;
    int rc;

    if (__atomic_load_n(&f->failed, __ATOMIC_ACQUIRE))
        return -1;
    at = __atomic_fetch_add(&f->end, (uint64_t)len, __ATOMIC_ACQ_REL);
    if (write_all(f->fd, bytes, len, at) != 0)
        return fail(f, "write to");
    pthread_mutex_lock(&f->sync_lock);
    rc = __atomic_load_n(&f->failed, __ATOMIC_ACQUIRE) ? -1 : fdatasync(f->fd);
    pthread_mutex_unlock(&f->sync_lock);
    if (rc != 0)
        return fail(f, "sync");
    *off = at;
    return 0;
}

int hub_leaf_file_get(hub_leaf_file *f, uint64_t off, void *out, size_t len)
{
    uint8_t *p = out;

    while (len > 0) {
        ssize_t n = pread(f->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

uint64_t hub_leaf_file_size(hub_leaf_file *f)
{
    struct stat st;

    return fstat(f->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}
