/* pin.h -- the PIN a member signs in with and opens notices with.
 *
 * A 4-8 digit PIN has at most 10^8 values, so no hash makes a stolen PIN
 * table safe; what protects members is refusing to let anyone guess
 * online (login_guard.h). This file only says what a PIN looks like. */
#ifndef HERALD_PIN_H
#define HERALD_PIN_H

#define PIN_MIN_DIGITS 4
#define PIN_MAX_DIGITS 8

/* 1 if pin is 4-8 ASCII digits. */
int pin_ok(const char *pin);

#endif
