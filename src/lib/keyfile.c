/* keyfile.c -- see keyfile.h. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "db.h"

int keyfile_create(const char *path, int mode, const char *line,
                   char *err, size_t errlen)
{
    size_t n = strlen(line);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                 errno == EEXIST ? " (refusing to overwrite an existing key)" : "");
        return -1;
    }
    /* The umask may have narrowed the mode; never widened it. */
    if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    /* its name too: a CI key lost to a power cut would change every CI */
    if (db_sync_folder(path) != 0) { /* not made, as when the write fails: run again */
        snprintf(err, errlen, "%s: cannot sync its folder: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int keyfile_read(const char *path, int secret, uint8_t *out, size_t len,
                 char *err, size_t errlen)
{
    char buf[256];
    struct stat st;
    ssize_t n;
    long got;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (secret && (st.st_mode & 077)) {
        snprintf(err, errlen, "%s: secret key is readable by others (mode %04o); "
                 "run chmod 600 on it", path, (unsigned)(st.st_mode & 07777));
        close(fd);
        return -1;
    }
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    got = base64_decode(out, len, buf, (size_t)n);
    secure_wipe(buf, sizeof buf);
    if (got != (long)len) {
        secure_wipe(out, len); /* the decoder may have written the key before failing */
        snprintf(err, errlen, "%s: expected one line of base64 holding %zu bytes", path, len);
        return -1;
    }
    return 0;
}
