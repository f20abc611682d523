/* batch.h -- the shape every role-to-role call shares: a batch in, results out.
 *
 * A call carries {"KEY":[item, ...]} with at most BATCH_MAX_ITEMS items and
 * is answered {"results":[...]}, one result per item in order. Reading the
 * body and refusing a bad one (400 with the place of a JSON error, never the
 * input itself; 413 past the item limit) is written once here, so every role
 * says the same thing about the same mistake.
 *
 * Items of one batch mostly repeat the same title, deadline, agency or
 * event: ~120 of a relayed item's ~380 bytes. jansson parses ~13 ns a byte,
 * so a body may carry {"common": {...}} with the fields the endpoint lets
 * items share; an item without such a field takes the common one, an item's
 * own field wins. */
#ifndef HERALD_BATCH_H
#define HERALD_BATCH_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

#define BATCH_MAX_ITEMS 10000

/* Lists are NULL-ended. */
typedef struct batch_spec {
    const char *key;              /* the array's key: "notices", "rrns", ... */
    const char *const *shareable; /* fields "common" may hold; NULL: common is ignored */
    size_t max_items;             /* 0 means BATCH_MAX_ITEMS */
    int objects;                  /* every item must be an object */
    const char *const *secrets;   /* items' string fields to wipe on free ("ci"), or NULL */
    int secret_items;             /* the items themselves are secret strings (RRNs) */
} batch_spec;

typedef struct batch {
    json_t *root;
    json_t *items;  /* borrowed from root */
    json_t *common; /* borrowed from root; NULL when absent */
    const batch_spec *spec;
} batch;

/* Parses body by spec. Returns 0, or the status to answer (400 or 413)
 * with the reason in err; nothing is left to free then, and secrets have
 * been wiped. */
int batch_read(batch *b, const batch_spec *spec, const char *body, size_t len, char *err,
               size_t errlen);
/* Wipes the spec's secrets and frees the body. */
void batch_free(batch *b);
/* Wipes a JSON string's bytes where jansson keeps them (anything else is
 * left): a secret in a parsed tree, before the tree is freed. */
void batch_wipe_string(json_t *s);

/* The "common" object of root (NULL when absent) in *common, borrowed.
 * Returns 0, or -1 with the reason in err when it is not an object or holds
 * a key outside shareable. */
int batch_read_common(json_t *root, const char *const *shareable, json_t **common, char *err,
                      size_t errlen);

/* item's key, or common's when item has none (common may be NULL). */
json_t *batch_field(json_t *item, json_t *common, const char *key);

/* The same when it is a string, with its length in *len (if len is not
 * NULL); NULL otherwise. */
const char *batch_str(json_t *item, json_t *common, const char *key, size_t *len);

/* The answer: batch_results_open, then for each item batch_results_next
 * and the item's object, then batch_results_close. item_bytes is what one
 * result usually takes: with it the answer is written in one allocation
 * (a second one and its copy cost 0.8 ms on a 4,000-item answer). */
void batch_results_open(buf *out, size_t items, size_t item_bytes);
void batch_results_next(buf *out, size_t index);
void batch_results_close(buf *out);
/* A whole result {"KEY":"value","error":"why"} (KEY omitted when NULL). */
void batch_results_error(buf *out, const char *key, const char *value, const char *why);

#endif
