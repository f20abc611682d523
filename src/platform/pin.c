/* pin.c -- see pin.h. */
#include "pin.h"

#include <string.h>

int pin_ok(const char *pin)
{
    size_t n = strlen(pin);

    if (n < PIN_MIN_DIGITS || n > PIN_MAX_DIGITS)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return 0;
    return 1;
}
