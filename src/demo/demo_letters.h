/* demo_letters.h -- the paper letters of a demo run: the notices nobody
 * could receive on a phone, printed as the agency would for its print
 * house. */
#ifndef HERALD_DEMO_LETTERS_H
#define HERALD_DEMO_LETTERS_H

#include <stddef.h>

#include "demo.h"

/* Runs `herald agency postal --letters` (DIR/agency/letters/) once the
 * notices settled, keeping its JSON line. Returns 0, or -1 with err. */
int demo_letters(demo *d, char *err, size_t errlen);

/* Prints where the PDF and manifest are, and how to open them. */
void demo_letters_print(const demo *d);

#endif
