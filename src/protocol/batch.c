/* batch.c -- see batch.h. */
#include "batch.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "json_wipe.h"

static int listed(const char *key, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(key, *names))
            return 1;
    return 0;
}

/* "title, deadline" */
static void list_names(const char *const *names, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; names[i] && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", names[i]);
}

int batch_read_common(json_t *root, const char *const *shareable, json_t **common, char *err,
                      size_t errlen)
{
    json_t *c = json_object_get(root, "common"), *v;
    const char *key;
    char names[128];

    *common = NULL;
    if (!c)
        return 0;
    if (!json_is_object(c)) {
        list_names(shareable, names, sizeof names);
        snprintf(err, errlen, "common must be an object of shared fields (%s)", names);
        return -1;
    }
    json_object_foreach(c, key, v)
        if (!listed(key, shareable)) {
            list_names(shareable, names, sizeof names);
            snprintf(err, errlen, "common may hold only %s", names);
            return -1;
        }
    *common = c;
    return 0;
}

json_t *batch_field(json_t *item, json_t *common, const char *key)
{
    json_t *v = json_object_get(item, key);

    return v || !common ? v : json_object_get(common, key);
}

const char *batch_str(json_t *item, json_t *common, const char *key, size_t *len)
{
    json_t *v = batch_field(item, common, key);

    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}

void batch_wipe_string(json_t *s)
{
    if (json_is_string(s))
        secure_wipe((char *)json_string_value(s), json_string_length(s));
}

static void wipe_secrets(json_t *items, const batch_spec *spec)
{
    size_t i;
    json_t *o;

    if (!json_is_array(items) || (!spec->secrets && !spec->secret_items))
        return;
    json_array_foreach(items, i, o) {
        if (spec->secret_items)
            batch_wipe_string(o);
        for (const char *const *k = spec->secrets; k && *k; k++)
            batch_wipe_string(json_object_get(o, *k));
    }
}

/* Refuses the batch: wipes, frees, says why. Returns status. */
static int refuse(batch *b, int status, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    wipe_secrets(b->items, b->spec);
    json_decref(b->root);
    b->root = b->items = b->common = NULL;
    return status;
}

/* Values a batch may hold, counted before it is parsed: 64 for each
 * item the route takes (and one more item's worth for "common"); items
 * are flat objects of a few dozen fields at most. A body within its byte limit
 * can still be millions of tiny values ([0,0,0,...]), which jansson
 * would build at some 40 bytes each: 16 MB of them is over 300 MB of
 * memory on each worker thread at once. */
#define BATCH_VALUES_PER_ITEM 64

int batch_read(batch *b, const batch_spec *spec, const char *body, size_t len, char *err,
               size_t errlen)
{
    size_t max = spec->max_items ? spec->max_items : BATCH_MAX_ITEMS, i;
    json_t *o;
    char why[192];
    json_body_error jerr;

    b->spec = spec;
    b->items = b->common = NULL;
    b->root = NULL;
    if (body && json_body_too_many(body, len, (max + 1) * BATCH_VALUES_PER_ITEM,
                                   (max + 1) * BATCH_VALUES_PER_ITEM)) {
        snprintf(err, errlen, "more than %zu JSON values (%d for each of the %zu items a"
                 " request may hold)", (max + 1) * BATCH_VALUES_PER_ITEM, BATCH_VALUES_PER_ITEM,
                 max);
        return 413;
    }
    b->root = json_load_body(body ? body : "", len, &jerr);
    if (!b->root) {
        json_body_error_text(&jerr, err, errlen);
        return jerr.no_memory ? 503 : 400;
    }
    b->items = json_object_get(b->root, spec->key);
    if (!json_is_array(b->items)) {
        snprintf(why, sizeof why, "expected {\"%s\":[...]}", spec->key);
        return refuse(b, 400, err, errlen, why);
    }
    if (json_array_size(b->items) > max) {
        snprintf(why, sizeof why, "at most %zu items per request, got %zu", max,
                 json_array_size(b->items));
        return refuse(b, 413, err, errlen, why);
    }
    if (spec->shareable &&
        batch_read_common(b->root, spec->shareable, &b->common, why, sizeof why) != 0)
        return refuse(b, 400, err, errlen, why);
    if (spec->objects)
        json_array_foreach(b->items, i, o)
            if (!json_is_object(o)) {
                snprintf(why, sizeof why, "item %zu is not an object", i);
                return refuse(b, 400, err, errlen, why);
            }
    return 0;
}

void batch_free(batch *b)
{
    if (!b->root)
        return;
    wipe_secrets(b->items, b->spec);
    json_decref(b->root);
    b->root = b->items = b->common = NULL;
}

void batch_results_open(buf *out, size_t items, size_t item_bytes)
{
    buf_init(out, items * item_bytes + 16);
    buf_puts(out, "{\"results\":[");
}

void batch_results_next(buf *out, size_t index)
{
    if (index)
        buf_puts(out, ",");
}

void batch_results_close(buf *out)
{
    buf_puts(out, "]}");
}

void batch_results_error(buf *out, const char *key, const char *value, const char *why)
{
    buf_puts(out, "{");
    if (key) {
        buf_json_string(out, key);
        buf_puts(out, ":");
        if (value)
            buf_json_string(out, value);
        else
            buf_puts(out, "null");
        buf_puts(out, ",");
    }
    buf_puts(out, "\"error\":");
    buf_json_string(out, why);
    buf_puts(out, "}");
}
