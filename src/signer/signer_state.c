/* signer_state.c -- see signer_state.h. */
#include "signer_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "db.h"

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
    return p + 8;
}

static const uint8_t *get_u64(const uint8_t *p, uint64_t *v)
{
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v = (*v << 8) | p[i];
    return p + 8;
}

#define SLOT_BODY (SIGNER_SLOT_LEN - SHA256_LEN)

void signer_slot_encode(uint8_t out[SIGNER_SLOT_LEN], uint64_t seq, const sth *head)
{
    uint8_t *p = out;

    memcpy(p, "HSS1", 4);
    p = put_u64(p + 4, seq);
    p = put_u64(p, head->timestamp_ms);
    p = put_u64(p, head->tree_size);
    memcpy(p, head->root_hash, SHA256_LEN);
    sha256(out, SLOT_BODY, out + SLOT_BODY);
}

int signer_slot_parse(const uint8_t in[SIGNER_SLOT_LEN], uint64_t *seq, sth *head)
{
    uint8_t sum[SHA256_LEN];
    const uint8_t *p = in;

    if (memcmp(in, "HSS1", 4) != 0)
        return -1;
    sha256(in, SLOT_BODY, sum);
    if (memcmp(sum, in + SLOT_BODY, SHA256_LEN) != 0)
        return -1;
    p = get_u64(p + 4, seq);
    p = get_u64(p, &head->timestamp_ms);
    p = get_u64(p, &head->tree_size);
    memcpy(head->root_hash, p, SHA256_LEN);
    return 0;
}

/* The valid slot with the higher sequence. Returns 1 with one, 0 for an
 * empty file, -1 for a file with bytes but no valid slot. */
static int read_slots(signer_state *s)
{
    uint8_t slot[SIGNER_SLOT_LEN];
    struct stat st;
    int found = 0;

    if (fstat(s->fd, &st) != 0)
        return -1;
    if (st.st_size == 0)
        return 0;
    for (int i = 0; i < 2; i++) {
        uint64_t seq;
        sth head;
        if (pread(s->fd, slot, sizeof slot, (off_t)i * SIGNER_SLOT_STRIDE) != (ssize_t)sizeof slot ||
            signer_slot_parse(slot, &seq, &head) != 0)
            continue;
        if (!found || seq > s->seq) {
            s->seq = seq;
            s->last = head;
        }
        found = 1;
    }
    return found ? 1 : -1;
}

/* What to do when there is no state to read. */
#define NO_STATE_HELP                                                                      \
    "without it the signer would sign whatever head came first, a fork included. Restore " \
    "it from where it was kept; only for a log that has never had a head signed, start "   \
    "with --new-log"

int signer_state_open(signer_state *s, const char *path, uid_t owner, int new_log, char *err,
                      size_t errlen)
{
    struct stat st;
    int rc;

    memset(s, 0, sizeof *s);
    s->fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (new_log ? O_CREAT : 0), 0600);
    if (s->fd < 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "%s: no such state file: " NO_STATE_HELP, path);
        else
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* Whoever may write it may make the signer forget what it signed:
     * only its owner, who must be this process's user or the one it
     * becomes. */
    if (fstat(s->fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen, "%s: writable by others than its owner (mode %03o): chmod 600 it",
                 path, (unsigned)(st.st_mode & 0777));
        return -1;
    }
    if (st.st_uid != geteuid() && st.st_uid != owner) {
        snprintf(err, errlen, "%s: owned by uid %u, neither the signer's user nor this process's",
                 path, (unsigned)st.st_uid);
        return -1;
    }
    /* A state made now must keep its name through a power cut: without
     * it the signer would take whatever head came first, fork or not.
     * (Here, before the filter that forbids syncing a folder.) */
    if (db_sync_folder(path) != 0) {
        snprintf(err, errlen, "%s: cannot sync its folder: %s", path, strerror(errno));
        return -1;
    }
    if (flock(s->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s: another signer holds this state", path);
        return -1;
    }
    if (owner != (uid_t)-1 && fchown(s->fd, owner, (gid_t)-1) != 0) {
        snprintf(err, errlen, "%s: cannot give it to uid %u: %s", path, (unsigned)owner,
                 strerror(errno));
        return -1;
    }
    rc = read_slots(s);
    if (rc < 0) {
        snprintf(err, errlen, "%s: not a signer's state (no valid head in it); refusing to "
                 "start rather than forget what was signed", path);
        return -1;
    }
    if (rc == 0 && !new_log) {
        snprintf(err, errlen, "%s: empty: " NO_STATE_HELP, path);
        return -1;
    }
    /* Left in a service file, --new-log would let the next start make a
     * new log over a lost state: it is refused once a head is signed. */
    if (rc == 1 && new_log) {
        snprintf(err, errlen, "%s: --new-log, but this log's state holds a signed head "
                 "(tree size %llu): start without --new-log", path,
                 (unsigned long long)s->last.tree_size);
        return -1;
    }
    s->have_last = rc;
    return 0;
}

int signer_state_record(signer_state *s, const sth *head)
{
    uint8_t slot[SIGNER_SLOT_LEN];
    uint64_t seq = s->seq + 1;

    signer_slot_encode(slot, seq, head);
    if (pwrite(s->fd, slot, sizeof slot, (off_t)(seq % 2) * SIGNER_SLOT_STRIDE) !=
            (ssize_t)sizeof slot ||
        fdatasync(s->fd) != 0)
        return -1;
    s->seq = seq;
    s->last = *head;
    s->have_last = 1;
    return 0;
}

void signer_state_close(signer_state *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}
