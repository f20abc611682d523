/* signer_state.h -- the last tree head `herald signer` signed, on disk.
 *
 * The signer refuses a head inconsistent with the last one it signed
 * (sth_request.h), so that head must outlive a crash or a restart: it is
 * written and synced before its signature leaves the process. The file
 * holds two slots of 92 bytes (at 0 and 512), written in turn, each
 * "HSS1" | uint64be sequence | uint64be timestamp_ms | uint64be
 * tree_size | root_hash[32] | SHA-256 of those 60 bytes; the valid slot
 * with the higher sequence is the state, so a write torn by a power cut
 * leaves the previous head. The file is locked: one signer per state. */
#ifndef HERALD_SIGNER_STATE_H
#define HERALD_SIGNER_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sth.h"

#define SIGNER_SLOT_LEN 92
#define SIGNER_SLOT_STRIDE 512

typedef struct signer_state {
    int fd;
    uint64_t seq;
    int have_last;
    sth last;
} signer_state;

/* Opens and locks path (owned by owner unless it is (uid_t)-1), and
 * reads the last head. A missing or empty file is refused unless new_log
 * says the log has never had a head signed (then it is created, mode
 * 0600); so is one that holds no valid slot, or that others may write: it
 * is not for the signer to forget what it signed. Returns 0, or -1 with
 * why. */
int signer_state_open(signer_state *s, const char *path, uid_t owner, int new_log, char *err,
                      size_t errlen);
/* Records head as the last signed, synced. Returns 0 or -1. */
int signer_state_record(signer_state *s, const sth *head);
void signer_state_close(signer_state *s);

/* One slot's bytes and back (exposed for tests): parse returns 0 with the
 * sequence and head, -1 if the slot is not a valid one. */
void signer_slot_encode(uint8_t out[SIGNER_SLOT_LEN], uint64_t seq, const sth *head);
int signer_slot_parse(const uint8_t in[SIGNER_SLOT_LEN], uint64_t *seq, sth *head);

#endif
