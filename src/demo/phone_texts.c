/* phone_texts.c -- see phone_texts.h. */
#include "phone_texts.h"

#include <stdio.h>
#include <string.h>

/* A destination longer than this is no phone number. */
#define DESTINATION_MAX 32

int phone_texts_number(const char *destination, char out[14])
{
    char digits[DESTINATION_MAX + 1];
    size_t n = 0;
    const char *s = destination;

    if (!s || strlen(s) > DESTINATION_MAX)
        return -1;
    if (*s == '+')
        s++;
    for (; *s; s++) {
        if (*s == '-' || *s == ' ')
            continue;
        if (*s < '0' || *s > '9')
            return -1;
        digits[n++] = *s;
    }
    digits[n] = '\0';
    const char *local = digits;
    /* International: 82 10 NNNN NNNN is 010 NNNN NNNN at home. */
    if (n == 12 && !strncmp(digits, "8210", 4)) {
        digits[1] = '0';
        local = digits + 1;
        n = 11;
    }
    if (n != 11 || strncmp(local, "010", 3) != 0)
        return -1;
    snprintf(out, 14, "%.3s-%.4s-%.4s", local, local + 3, local + 7);
    return 0;
}

/* The per-number object: the SMSC peer calls it destinations, the
 * gateway phones. */
static json_t *numbers_of(json_t *stats)
{
    json_t *o = json_object_get(stats, "destinations");

    if (!o)
        o = json_object_get(stats, "phones");
    return json_is_object(o) ? o : NULL;
}

static json_t *texts_of(json_t *destination)
{
    json_t *texts = json_object_get(destination, "texts");
    return json_is_array(texts) ? texts : NULL;
}

int phone_texts_each(json_t *stats, const char *phone,
                     void (*fn)(void *ctx, const char *text), void *ctx)
{
    json_t *destinations = numbers_of(stats), *dest, *t;
    const char *key;
    char number[14];
    int shown = 0;
    size_t i;

    if (!destinations)
        return 0;
    json_object_foreach(destinations, key, dest) {
        if (phone_texts_number(key, number) != 0 || strcmp(number, phone) != 0 ||
            !texts_of(dest))
            continue;
        json_array_foreach(texts_of(dest), i, t) {
            if (shown == PHONE_TEXTS_MAX)
                return shown;
            if (!json_is_string(t) || json_string_length(t) > PHONE_TEXT_MAX_BYTES ||
                strlen(json_string_value(t)) != json_string_length(t)) /* a NUL inside */
                continue;
            fn(ctx, json_string_value(t));
            shown++;
        }
    }
    return shown;
}

void phone_texts_counts(json_t *stats, void (*fn)(void *ctx, const char *phone, int texts),
                        void *ctx)
{
    json_t *destinations = numbers_of(stats), *dest;
    const char *key;
    char number[14];

    if (!destinations)
        return;
    json_object_foreach(destinations, key, dest)
        if (phone_texts_number(key, number) == 0 && texts_of(dest))
            fn(ctx, number, (int)json_array_size(texts_of(dest)));
}
