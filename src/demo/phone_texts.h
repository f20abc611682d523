/* phone_texts.h -- what each demo phone received, read from the peers'
 * GET /stats: the SMSC peer keeps per destination number the texts as
 * the phone shows them,
 * {"destinations":{"01012345678":{"texts":["...", ...], ...}, ...}}, and
 * the push gateway peer the same under "phones".
 *
 * The numbers are the destinations as the channels sent them, which may
 * be digits alone, with hyphens, or international (+82 10 ...): all are
 * taken to the demo's 010-NNNN-NNNN form before they are compared. The
 * answers come from another process, so every field is checked and
 * bounded; anything else is skipped, never trusted. Pure: no I/O. */
#ifndef HERALD_PHONE_TEXTS_H
#define HERALD_PHONE_TEXTS_H

#include <jansson.h>
#include <stddef.h>

/* The most texts shown per phone and source, and the longest text kept
 * (an alert is at most 10 SMS segments, 670 characters). */
#define PHONE_TEXTS_MAX 100
#define PHONE_TEXT_MAX_BYTES 4096

/* A destination as the demo writes numbers: "010-NNNN-NNNN". Accepts
 * digits with optional hyphens and spaces, and a leading +82 or 82 for
 * the leading 0. Returns 0, or -1 when it is not a 010 number of 11
 * digits. */
int phone_texts_number(const char *destination, char out[14]);

/* Calls fn with each text (NUL-terminated UTF-8, at most
 * PHONE_TEXT_MAX_BYTES) that stats holds for phone ("010-NNNN-NNNN"), in
 * the order received, at most PHONE_TEXTS_MAX. Returns how many. */
int phone_texts_each(json_t *stats, const char *phone,
                     void (*fn)(void *ctx, const char *text), void *ctx);

/* Calls fn once per destination in stats that is a demo number, with the
 * number ("010-NNNN-NNNN") and how many texts it holds. */
void phone_texts_counts(json_t *stats, void (*fn)(void *ctx, const char *phone, int texts),
                        void *ctx);

#endif
