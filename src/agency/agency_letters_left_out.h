/* agency_letters_left_out.h -- the letters a batch holds but must not
 * mail: their notices were cancelled or paid while the run drew them, so
 * the batch was recorded without them (agency_db_letters_mark), and
 * someone must take them out of the printed pile. */
#ifndef HERALD_AGENCY_LETTERS_LEFT_OUT_H
#define HERALD_AGENCY_LETTERS_LEFT_OUT_H

#include "agency_letters_print.h"

/* Logs a warning for each letter b->refs[i] with left_out[i] set, naming
 * its letter number, file and first page and page count from the batch's
 * manifest (read under its part name, so before letters_publish; without
 * them if it cannot be read). Returns how many were left out. */
long letters_name_left_out(const letters_batch *b, const unsigned char *left_out);

#endif
