/* batch_common.h -- fields a batch call states once for all its items.
 *
 * Items of one batch mostly repeat the same title, deadline, agency or
 * event: ~120 of a relayed item's ~380 bytes. jansson parses ~13 ns a
 * byte, so a platform spent a third of each relayed item's parsing on
 * text it had already read. A body may now carry {"common": {...}} with
 * the fields the endpoint lets items share; an item without such a field
 * takes the common one, an item's own field wins. */
#ifndef HERALD_BATCH_COMMON_H
#define HERALD_BATCH_COMMON_H

#include <jansson.h>
#include <stddef.h>

/* The body's "common" object (NULL when absent) in *common, borrowed from
 * root. Returns 0, or -1 with the reason to answer 400 with in err when
 * it is not an object or holds a key outside shareable (a NULL-terminated
 * list). */
int batch_common(json_t *root, const char *const *shareable, json_t **common, char *err,
                 size_t errlen);

/* item's key, or common's when item has none (common may be NULL). */
json_t *batch_field(json_t *item, json_t *common, const char *key);

/* The same when it is a string, with its length in *len (if len is not
 * NULL); NULL otherwise. */
const char *batch_str(json_t *item, json_t *common, const char *key, size_t *len);

#endif
