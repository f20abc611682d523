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

    if (form == SMPP_ID_TEXT) {
        str_copy(out, cap, id);
        return 0;
    }
    if (number_of(id, form == SMPP_ID_HEX ? 16 : 10, &n)) {
        str_copy(out, cap, "");
        return -1;
    }
    snprintf(out, cap, "%llu", (unsigned long long)n);
    return 0;
}

smpp_key_source smpp_receipt_key(const char *field, const char *text, smpp_id_form submit_form,
                                 smpp_id_form receipt_form, char *out, size_t cap, int *differ)
{
    char f[72], t[72]; /* ids are at most 64 octets, keys 20 */
    int f_ok = field[0] && !smpp_message_id_key(field, submit_form, f, sizeof f);
    int t_ok = text && !smpp_message_id_key(text, receipt_form, t, sizeof t);
    int numbers = submit_form != SMPP_ID_TEXT;

    *differ = f_ok && t_ok && strcmp(f, t) != 0;
    if (f_ok && (!numbers || !t_ok)) {
        str_copy(out, cap, f);
        return SMPP_KEY_FIELD;
    }
    if (t_ok) {
        str_copy(out, cap, t);
        return SMPP_KEY_TEXT;
    }
    snprintf(out, cap, "~%s", field[0] ? field : text ? text : "");
    return SMPP_KEY_NONE;
}
