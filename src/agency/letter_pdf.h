/* letter_pdf.h -- paper letters, one after another into one A4 PDF.
 *
 * The print house gets a single file; each letter starts on a new page
 * and runs over as many as its document needs. The first page is laid
 * out for a DL envelope (110 x 220 mm) with a left window (DIN 680: 90 x
 * 45 mm, 20 mm from the left edge, 15 mm from the bottom), the sheet
 * folded in three at 105 and 210 mm (DIN 5008 form B): the address field
 * is 20 mm from the left, 45 mm from the top, 85 x 45 mm; inside it a
 * 5 mm return line, a 12.7 mm zone for the postal class and 27.3 mm for
 * the recipient (docs/design.md §3, step 5). A recipient that does not fit
 * at 10 pt is set smaller, down to 7 pt; one that does not fit even then
 * is printed whole, past the zone, and flagged: never cut.
 *
 * Pages are written as they are drawn (cairo's PDF surface streams to the
 * file), so a batch of any size costs the memory of one letter. Drawn with
 * cairo and pango, Noto CJK, like the certificate PDF; what every letter
 * shares is drawn once and painted on each (letter_paras.h). A letter_pdf
 * is used by the thread that started it only (pango's default fonts are
 * per thread); several, one per thread, draw several files at once. */
#ifndef HERALD_LETTER_PDF_H
#define HERALD_LETTER_PDF_H

#include <stdio.h>

/* How the recipient's name and address fit the window. */
typedef enum letter_fit {
    LETTER_FIT_OK,       /* at 10 pt, no line wrapped */
    LETTER_FIT_WRAPPED,  /* at 10 pt, a line wrapped */
    LETTER_FIT_SHRUNK,   /* set smaller (9-7 pt) to fit */
    LETTER_FIT_OVERFLOW, /* too long even at 7 pt: printed whole, past the zone */
    LETTER_FIT_GLYPHS,   /* a character no installed font has: printed as a box */
} letter_fit;

const char *letter_fit_name(letter_fit f);

/* The agency's return block and what every letter of the batch shares. */
typedef struct letter_sender {
    const char *name, *address, *contact; /* address and contact may be "" */
    const char *postal_class;             /* printed in the window's note zone */
    const char *date;                     /* the batch's date, YYYY-MM-DD */
} letter_sender;

typedef struct letter {
    const char *reference, *notice;
    const char *name, *address; /* the recipient; address may hold line breaks */
    const char *text;           /* the document as text (letter_text.h) */
    const char *read_url;       /* QR code and printed: where to read it online */
    const char *verify_url;     /* printed: where to check its certificate; may be NULL */
} letter;

typedef struct letter_pdf letter_pdf;

/* Starts a PDF on out (left open; the caller closes it after
 * letter_pdf_finish). NULL with err set. */
letter_pdf *letter_pdf_start(FILE *out, const letter_sender *sender, char *err, size_t errlen);
/* Draws one letter from a new page; *pages its page count, *fit how its
 * address fit. 0, or -1 with err set (the file's error, as a full disk,
 * or cairo's) when the surface failed. */
int letter_pdf_add(letter_pdf *p, const letter *l, int *pages, letter_fit *fit, char *err,
                   size_t errlen);
/* Writes the rest of the file and frees p. 0, or -1 with err set. */
int letter_pdf_finish(letter_pdf *p, char *err, size_t errlen);

#endif
