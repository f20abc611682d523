/* json_wipe.c -- see json_wipe.h. */
#include "json_wipe.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>

#include "crypto.h"

static void (*release_wiped)(void *) = free;

static void wiping_free(void *p)
{
    if (!p)
        return;
    secure_wipe(p, malloc_usable_size(p));
    release_wiped(p);
}

json_t *json_load_body(const char *body, size_t len, int *line, int *column)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

    if (line)
        *line = jerr.line;
    if (column)
        *column = jerr.column;
    secure_wipe(&jerr, sizeof jerr);
    return v;
}

void json_wipe_on_free(void (*release)(void *))
{
    release_wiped = release;
    json_set_alloc_funcs(malloc, wiping_free);
}

int json_body_too_many(const char *body, size_t len, size_t max_values, size_t max_containers)
{
    size_t values = 0, containers = 0;
    int in_string = 0;

    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if ((c == '[' || c == '{') && ++containers > max_containers) {
            return 1;
        } else if ((c == ',' || c == '[' || c == '{') && ++values > max_values) {
            return 1;
        }
    }
    return 0;
}
