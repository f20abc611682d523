/* agency_letters_print.h -- printing a batch of letters into its PDF
 * files and manifest, the files side by side.
 *
 * One cairo PDF surface is one thread's work, and a letter costs about a
 * millisecond of CPU, so a large batch is split into runs of consecutive
 * references, one PDF file each, drawn at once by one thread each (each
 * with its own fonts: pango's default font map is per thread). The
 * caller's thread reads the database and turns each document into text,
 * feeding the runs in turn. The manifest, one row per letter in
 * reference order, says which file and page each letter is in. */
#ifndef HERALD_AGENCY_LETTERS_PRINT_H
#define HERALD_AGENCY_LETTERS_PRINT_H

#include <stddef.h>

#include "agency_config.h"
#include "agency_db.h"

#define LETTERS_FILES_MAX 16
#define LETTERS_PATH_MAX (AGENCY_PATH_MAX + 80)

/* The name of a batch's file in dir (the console and the purge find them
 * by it): part 0 is the manifest (letters-BATCH.csv); part k of a batch
 * printed as `parts` PDFs is letters-BATCH.pdf when there is one,
 * letters-BATCH-k.pdf when there are several. */
void letters_file_path(char *out, size_t cap, const char *dir, const char *batch, int k,
                       int parts);

/* What a file's name ends in until its batch is recorded. */
#define LETTERS_PART_SUFFIX ".part"

typedef struct letters_batch {
    /* set by the caller */
    const agency_cfg *cfg;
    const char *dir, *batch, *date;
    int files;     /* at most this many PDF files */
    long file_min; /* letters a file holds at least (0: no minimum) */
    /* set by letters_print */
    size_t n;
    long pages, flagged;
    char **refs; /* the n references printed, for the database */
    int parts;   /* PDF files written */
    int has_manifest;
    char pdf[LETTERS_FILES_MAX][LETTERS_PATH_MAX], manifest[LETTERS_PATH_MAX];
    char err[512];
} letters_batch;

/* Prints every letter still to print into b->parts PDF files and the
 * manifest, all mode 0600, synced, under their part names. 0, or -1 with
 * b->err set: then no file is left behind. Nothing is marked in the
 * database. */
int letters_print(letters_batch *b, agency_db *db);
/* A new print batch's id for a time (RFC 3339, UTC): YYYYMMDDTHHMMSSZ and
 * 8 hex digits, sorting by time and unique without a counter. The
 * letters' runs and `postal --new` name their batches so. */
void agency_print_batch_id(char out[32], const char *at);
/* Removes the files (the batch was not recorded after all). */
void letters_unlink(letters_batch *b);
/* Gives the files their names once the batch is recorded, the manifest
 * last, and syncs the folder; 0, or -1 with b->err set. Until then each
 * has LETTERS_PART_SUFFIX after its name, so that a run that dies midway
 * leaves no file a print house could take for a batch. */
int letters_publish(letters_batch *b);
void letters_batch_free(letters_batch *b);

#endif
