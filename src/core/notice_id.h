/* notice_id.h -- the hub's notice ids: UUIDv7-style, time-ordered.
 *
 * A 48-bit Unix millisecond timestamp leads, so ids made later sort later
 * and B-tree inserts stay sequential at hundreds of millions a year. The
 * rest is randomness (74 bits), except that ids made in the same (or an
 * earlier, if the clock stepped back) millisecond count up from the
 * previous one, so one process never produces ids out of order. Pure: the
 * caller supplies the clock and the random bytes, and serialises calls. */
#ifndef HERALD_NOTICE_ID_H
#define HERALD_NOTICE_ID_H

#include <stddef.h>
#include <stdint.h>

#define NOTICE_ID_LEN 36 /* 8-4-4-4-12 lower-case hex */
#define NOTICE_ID_RANDOM_LEN 10

typedef struct notice_id_gen {
    long long last_ms; /* timestamp of the last id; 0 before the first */
    uint16_t rand_a;   /* 12 bits after the version nibble */
    uint64_t rand_b;   /* 62 bits after the variant bits */
} notice_id_gen;

/* Makes the next id into out (37 bytes with the NUL). fresh holds random
 * bytes, used when the clock has moved on since the last id. */
void notice_id_next(notice_id_gen *g, long long now_ms,
                    const uint8_t fresh[NOTICE_ID_RANDOM_LEN], char out[NOTICE_ID_LEN + 1]);

/* 1 if s is 36 characters of lower-case hex in UUID layout with version 7
 * and the RFC 9562 variant. */
int notice_id_is_well_formed(const char *s, size_t len);

/* The millisecond timestamp an id carries. */
long long notice_id_ms(const char id[NOTICE_ID_LEN]);

#endif
