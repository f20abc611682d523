/* json_field.c -- see json_field.h. */
#include "json_field.h"

#include <stdarg.h>
#include <stdio.h>

#include "crypto.h"

int json_field_fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

json_t *json_field_load(const char *json, size_t len, size_t max, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *root;

    if (len > max) {
        json_field_fail(why, whylen, "larger than %zu bytes", max);
        return NULL;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) { /* jansson says what: a duplicate key, bad UTF-8, bytes after it ... */
        for (char *c = jerr.text; *c; c++) /* it may quote the input: no control bytes out */
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
        json_field_fail(why, whylen, "not JSON: %s (line %d column %d)", jerr.text, jerr.line,
                        jerr.column);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_field_fail(why, whylen, "not a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}

int json_field_b64(json_t *o, const char *name, uint8_t *out, size_t n)
{
    json_t *v = json_object_get(o, name);

    return json_is_string(v) &&
                   base64_decode(out, n, json_string_value(v), json_string_length(v)) == (long)n
               ? 0
               : -1;
}

int json_field_u64(json_t *o, const char *name, uint64_t *out)
{
    json_t *v = json_object_get(o, name);

    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}
