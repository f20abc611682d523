/* hub_leaf_file.h -- the bytes of evidence leaves, in an append-only file
 * beside hub.db (hub.db.leaves).
 *
 * Storing each ~320-byte leaf in the evidence table cost the hub's writer
 * a B-tree write of it under its lock, and the bytes went through the WAL
 * and a checkpoint. Most leaves are made before the lock (hub_prepared_leaves), so
 * their bytes are written here first, in one piece per batch, and synced;
 * the table row then only says where they are. The order matters: bytes
 * are on disk before any commit that points at them. Bytes no committed
 * row points at (a batch that rolled back, a leaf left unused) are dead
 * and stay; the file only ever grows, and is never cut at a restart.
 *
 * docs/design.md §4 fixes the leaves' bytes and the tree over them, not where the
 * bytes lie. Safe to call from any thread. */
#ifndef HERALD_HUB_LEAF_FILE_H
#define HERALD_HUB_LEAF_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hub_leaf_file hub_leaf_file;

#define HUB_LEAF_FILE_PATH_MAX 4200

/* Opens path, creating it (mode 0600, its folder synced) if needed, and
 * locks it: a second hub on the same folder is refused. Returns NULL
 * with a message in err. */
hub_leaf_file *hub_leaf_file_open(const char *path, char *err, size_t errlen);
void hub_leaf_file_close(hub_leaf_file *f);

/* Appends len bytes at an offset of their own (*off) and makes them
 * durable (a sync, or one that other puts made meanwhile). Returns 0, or
 * -1 when the file cannot take them: after a failed write or sync every
 * later put fails too (the caller keeps its bytes elsewhere), as the
 * kernel reports a lost write only once. */
int hub_leaf_file_put(hub_leaf_file *f, const void *bytes, size_t len, uint64_t *off);

/* Reads len bytes at off. Returns 0, or -1 if the file does not hold them. */
int hub_leaf_file_get(hub_leaf_file *f, uint64_t off, void *out, size_t len);

/* Bytes in the file, dead ones included, into *size. Returns 0 or -1. */
int hub_leaf_file_size(hub_leaf_file *f, uint64_t *size);

#endif
