/* phone.c -- see phone.h. */
#include "phone.h"

#include <string.h>

#include "crypto.h"
#include "rrn.h"

/* The digits of in, as phone_normalize takes them: their count, or -1. */
static int digits_of(const char *in, char out[PHONE_MAX_CHARS + 1])
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
    return (int)d;
}

int phone_normalize(const char *in, char out[PHONE_MAX_CHARS + 1])
{
    int d = digits_of(in, out);

    /* An RRN typed into the phone box is never a name to look up, keep in
     * the sign-in limits' table or log, even masked; and what was refused
     * is not left behind in out. */
    if (d >= PHONE_MIN_CHARS &&
        !(d == 13 && rrn_find_valid(out, (size_t)d, RRN_ANY_DAY) >= 0))
        return 0;
    secure_wipe(out, PHONE_MAX_CHARS + 1);
    return -1;
}

int phone_is_mobile(const char *digits)
{
    size_t d = strlen(digits);

    return d >= PHONE_MIN_DIGITS && d <= PHONE_MAX_DIGITS && digits[0] == '0' &&
           digits[1] == '1';
}
