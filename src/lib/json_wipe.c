/* json_wipe.c -- see json_wipe.h. */
#include "json_wipe.h"

#include <stdio.h>

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

/* A phrase for each fault a client can mend; the rest are "malformed". */
static const char *error_what(enum json_error_code code)
{
    switch (code) {
    case json_error_duplicate_key: return "a key given twice in one object";
    case json_error_invalid_utf8: return "text that is not UTF-8";
    case json_error_premature_end_of_input: return "JSON cut short";
    case json_error_end_of_input_expected: return "more after the JSON value";
    case json_error_stack_overflow: return "JSON nested too deep";
    case json_error_numeric_overflow: return "a number out of range";
    case json_error_null_character:
    case json_error_null_byte_in_key: return "a NUL character";
    case json_error_out_of_memory: return "no memory to read the JSON";
    default: return "malformed JSON";
    }
}

json_t *json_load_body(const char *body, size_t len, json_body_error *err)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

    if (!v && err) {
        enum json_error_code code = json_error_code(&jerr);
        *err = (json_body_error){jerr.line, jerr.column, error_what(code),
                                 code == json_error_out_of_memory};
    }
    secure_wipe(&jerr, sizeof jerr);
    return v;
}

void json_body_error_text(const json_body_error *err, char *out, size_t cap)
{
    snprintf(out, cap, "%s at line %d column %d", err->what, err->line, err->column);
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
