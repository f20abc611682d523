/* phone.c -- see phone.h. */
#include "phone.h"

#include <string.h>

#include "crypto.h"
#include "rrn.h"

int phone_normalize(const char *in, char out[PHONE_MAX_CHARS + 1])
{
    size_t n = strlen(in), d = 0;

    if (n < PHONE_MIN_CHARS || n > PHONE_MAX_CHARS || in[0] == '-' || in[n - 1] == '-')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (in[i] >= '0' && in[i] <= '9')
            out[d++] = in[i];
        else if (in[i] != '-' || in[i + 1] == '-')
            return -1;
    }
    out[d] = '\0';
    /* An RRN typed into the phone box is never a name to look up, keep in
     * the sign-in limits' table or log, even masked. */
    if (d == 13 && rrn_find_valid(out, d, RRN_ANY_DAY) >= 0) {
        secure_wipe(out, d);
        out[0] = '\0';
        return -1;
    }
    return d >= PHONE_MIN_CHARS ? 0 : -1;
}

int phone_is_mobile(const char *digits)
{
    size_t d = strlen(digits);

    return d >= PHONE_MIN_DIGITS && d <= PHONE_MAX_DIGITS && digits[0] == '0' &&
           digits[1] == '1';
}
