/* phone.c -- see phone.h. */
#include "phone.h"

#include <string.h>

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
    /* A mobile number: what else has 10-13 digits (an RRN typed into the
     * wrong box, most of all) would be kept as the member's name to sign
     * in with and sent to the SMSC as a destination. */
    return d >= PHONE_MIN_DIGITS && d <= PHONE_MAX_DIGITS && out[0] == '0' && out[1] == '1'
               ? 0
               : -1;
}
