/* pin.h -- the PIN a member signs in with and opens notices with.
 *
 * A 4-8 digit PIN has at most 10^8 values, so no hash makes a stolen PIN
 * table safe; what protects members is refusing to let anyone guess
 * online (login_guard.h). Those limits allow an attacker a few tries a
 * phone, and a few tries are enough for the PINs people choose most
 * (1234, 0000, 1004), so a new PIN must not be one of them. This file
 * only says what a PIN looks like and which ones come first to mind. */
#ifndef HERALD_PIN_H
#define HERALD_PIN_H

#define PIN_MIN_DIGITS 4
#define PIN_MAX_DIGITS 8

/* 1 if pin is 4-8 ASCII digits. */
int pin_ok(const char *pin);

/* Why a well-formed PIN is among the first an attacker would try
 * ("one digit repeated", "consecutive digits", ...), or NULL when it is
 * not. Only a PIN being chosen is checked: members whose PIN predates
 * the rule still sign in with it. */
const char *pin_guessable(const char *pin);

/* Why pin repeats what others may know of its member, or NULL: it is
 * found in the phone number's digits, or in the date of birth written
 * YYYYMMDD (so 1985, 0315, 850315 and 19850315 for 15 March 1985).
 * birth_yyyymmdd is 0 when unknown. */
const char *pin_echoes(const char *pin, const char *phone, int birth_yyyymmdd);

#endif
