/* smpp_message_id.c -- message ids as receipts are matched by; see
 * smpp_message_id.h. */
#include "smpp_message_id.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "str_copy.h"

int smpp_id_form_parse(const char *s, smpp_id_form *out)
{
    if (!strcmp(s, "text"))
        *out = SMPP_ID_TEXT;
    else if (!strcmp(s, "decimal"))
        *out = SMPP_ID_DECIMAL;
    else if (!strcmp(s, "hex"))
        *out = SMPP_ID_HEX;
    else
        return -1;
    return 0;
}

const char *smpp_id_form_name(smpp_id_form form)
{
    return form == SMPP_ID_DECIMAL ? "decimal" : form == SMPP_ID_HEX ? "hex" : "text";
}

/* A digit's value in base, or -1. */
static int digit_value(char c, unsigned base)
{
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    return v >= 0 && (unsigned)v < base ? v : -1;
}

/* id as a number in base; -1 when it is none or does not fit 64 bits.
 * Leading zeros are allowed, whatever their count. */
static int number_of(const char *id, unsigned base, uint64_t *out)
{
    uint64_t n = 0;

    if (!id[0])
        return -1;
    for (const char *p = id; *p; p++) {
        int d = digit_value(*p, base);
        if (d < 0 || n > (UINT64_MAX - (uint64_t)d) / base)
            return -1;
        n = n * base + (uint64_t)d;
    }
    *out = n;
    return 0;
}

int smpp_message_id_key(const char *id, smpp_id_form form, char *out, size_t cap)
{
    uint64_t n;

    if (form == SMPP_ID_TEXT || number_of(id, form == SMPP_ID_HEX ? 16 : 10, &n)) {
        str_copy(out, cap, id);
        return form == SMPP_ID_TEXT ? 0 : -1;
    }
    snprintf(out, cap, "%llu", (unsigned long long)n);
    return 0;
}
