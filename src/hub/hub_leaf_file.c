/* hub_leaf_file.c -- see hub_leaf_file.h. */
#include "hub_leaf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

struct hub_leaf_file {
    int fd;
    uint64_t end;      /* next free offset: atomic, so writers never wait for each other */
    uint64_t written;  /* puts whose bytes are written: atomic, a put's ticket */
    uint64_t synced;   /* every put up to this ticket is on disk (sync_lock) */
    int failed;        /* atomic; a failed sync sets it under sync_lock */
    int logged;        /* atomic: the first failure was logged */
    pthread_mutex_t sync_lock;
    char path[HUB_LEAF_FILE_PATH_MAX];
};

static int refuse(hub_leaf_file *f, const char *why, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", f->path, why);
    hub_leaf_file_close(f);
    return -1;
}

/* A second hub on the same folder would write over the bytes the first
 * one's rows point at: the file is locked while open. The folder is
 * synced at every open, not only when the file is made: a hub that died
 * between the two must not commit rows into a file a crash could lose. */
static int open_file(hub_leaf_file *f, char *err, size_t errlen)
{
    struct stat st;

    f->fd = open(f->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f->fd < 0 || fstat(f->fd, &st) != 0 || db_sync_folder(f->path) != 0)
        return refuse(f, strerror(errno), err, errlen);
    if (!S_ISREG(st.st_mode))
        return refuse(f, "not a regular file", err, errlen);
    if (flock(f->fd, LOCK_EX | LOCK_NB) != 0)
        return refuse(f, errno == EWOULDBLOCK ? "in use by another hub on the same folder"
                                              : strerror(errno), err, errlen);
    f->end = (uint64_t)st.st_size;
    return 0;
}

hub_leaf_file *hub_leaf_file_open(const char *path, char *err, size_t errlen)
{
    hub_leaf_file *f = calloc(1, sizeof *f);

    if (!f || strlen(path) >= sizeof f->path) {
        snprintf(err, errlen, "%s: %s", path, f ? "name too long" : "out of memory");
        free(f);
        return NULL;
    }
    memcpy(f->path, path, strlen(path) + 1);
    pthread_mutex_init(&f->sync_lock, NULL);
    return open_file(f, err, errlen) == 0 ? f : NULL;
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

/* pwrite (writing) or pread the whole of len bytes at off; -1 with errno
 * (EIO for a short read at the end of the file). */
static int whole(int fd, int writing, uint8_t *p, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = writing ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Logs once: the first failure is the one worth reading. */
static int failed(hub_leaf_file *f, const char *what, int err)
{
    if (!__atomic_exchange_n(&f->logged, 1, __ATOMIC_ACQ_REL))
        log_error("log: cannot %s %s: %s; leaves stay in the database from now on", what,
                  f->path, strerror(err));
    return -1;
}

/* Syncs coalesce: a put whose ticket an earlier sync already covered (it
 * began after the put's bytes were written) returns without one. A
 * failed sync sticks before anyone else may sync, as the kernel reports
 * a lost write only once and the next sync would succeed without it. */
int hub_leaf_file_put(hub_leaf_file *f, const void *bytes, size_t len, uint64_t *off)
{
    uint64_t at, ticket, covers;
    int rc = 0, err = 0;

    if (__atomic_load_n(&f->failed, __ATOMIC_ACQUIRE))
        return -1;
    at = __atomic_fetch_add(&f->end, (uint64_t)len, __ATOMIC_ACQ_REL);
    if (whole(f->fd, 1, (uint8_t *)(uintptr_t)bytes, len, at) != 0) {
        __atomic_store_n(&f->failed, 1, __ATOMIC_RELEASE);
        return failed(f, "write to", errno);
    }
    ticket = __atomic_add_fetch(&f->written, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&f->sync_lock);
    if (__atomic_load_n(&f->failed, __ATOMIC_ACQUIRE)) {
        rc = -1;
    } else if (f->synced < ticket) {
        covers = __atomic_load_n(&f->written, __ATOMIC_ACQUIRE);
        if (fdatasync(f->fd) == 0) {
            f->synced = covers;
        } else {
            err = errno;
            __atomic_store_n(&f->failed, 1, __ATOMIC_RELEASE);
            rc = -1;
        }
    }
    pthread_mutex_unlock(&f->sync_lock);
    if (rc != 0)
        return err ? failed(f, "sync", err) : -1;
    *off = at;
    return 0;
}

int hub_leaf_file_get(hub_leaf_file *f, uint64_t off, void *out, size_t len)
{
    return whole(f->fd, 0, out, len, off);
}

int hub_leaf_file_size(hub_leaf_file *f, uint64_t *size)
{
    struct stat st;

    if (fstat(f->fd, &st) != 0)
        return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}
