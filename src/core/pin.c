/* pin.c -- see pin.h. */
#include "pin.h"

#include <stdio.h>
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

/* 1 if every digit is the one before plus step, mod 10 (1234, 7890,
 * 9876, 0000 with step 0). */
static int steps_by(const char *pin, size_t n, int step)
{
    for (size_t i = 1; i < n; i++)
        if ((pin[i - 1] - '0' + step + 10) % 10 != pin[i] - '0')
            return 0;
    return 1;
}

/* 1 if pin is a shorter block said again (1212, 123123, 6969). */
static int repeats_block(const char *pin, size_t n)
{
    for (size_t period = 1; period <= n / 2; period++) {
        size_t i;
        if (n % period)
            continue;
        for (i = period; i < n && pin[i] == pin[i - period]; i++)
            ;
        if (i == n)
            return 1;
    }
    return 0;
}

/* 1 if every digit comes twice in a row (1122, 778899). */
static int doubles_digits(const char *pin, size_t n)
{
    if (n % 2)
        return 0;
    for (size_t i = 0; i < n; i += 2)
        if (pin[i] != pin[i + 1])
            return 0;
    return 1;
}

/* Chosen for what they say or where they lie, not for their digits:
 * 1004 reads "cheonsa" (angel) in Korean; 2580 and 0852 are the keypad's
 * middle column. */
static const char *const well_known[] = {"1004", "2580", "0852", NULL};

const char *pin_guessable(const char *pin)
{
    size_t n = strlen(pin);

    if (steps_by(pin, n, 0))
        return "one digit repeated";
    if (steps_by(pin, n, 1) || steps_by(pin, n, -1))
        return "consecutive digits";
    if (repeats_block(pin, n))
        return "a short pattern repeated";
    if (doubles_digits(pin, n))
        return "each digit doubled";
    for (size_t i = 0; well_known[i]; i++)
        if (!strcmp(pin, well_known[i]))
            return "one of the most common PINs";
    return NULL;
}

const char *pin_echoes(const char *pin, const char *phone, int birth_yyyymmdd)
{
    char digits[32], birth[16];
    size_t n = 0;

    for (const char *c = phone; *c && n + 1 < sizeof digits; c++)
        if (*c >= '0' && *c <= '9')
            digits[n++] = *c;
    digits[n] = '\0';
    if (*pin && strstr(digits, pin))
        return "part of the phone number";
    if (birth_yyyymmdd > 0) {
        snprintf(birth, sizeof birth, "%08d", birth_yyyymmdd);
        if (*pin && strstr(birth, pin))
            return "part of the date of birth";
    }
    return NULL;
}
