/* batch_common.c -- see batch_common.h. */
#include "batch_common.h"

#include <stdio.h>
#include <string.h>

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

int batch_common(json_t *root, const char *const *shareable, json_t **common, char *err,
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
