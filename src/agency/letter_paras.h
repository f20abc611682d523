/* letter_paras.h -- a letter's body as paragraphs, each laid out once.
 *
 * A batch's letters come from a few templates, so most of each body is
 * the same text letter after letter; only the paragraphs holding a
 * recipient's fields differ. Shaping (HarfBuzz through pango) was the
 * largest cost of a letter, so the body is split at its line breaks and
 * a paragraph seen before in the batch reuses its layout. What is kept is
 * bounded: a paragraph is kept from its second sighting on (a name or an
 * amount, seen once, is laid out and dropped), and the kept set is
 * emptied when it grows past a fixed count. A kept paragraph is also
 * drawn once into a cairo recording surface, which a PDF holds once and
 * shows wherever it is painted: a paragraph of the template costs each
 * letter a reference instead of its glyphs. */
#ifndef HERALD_LETTER_PARAS_H
#define HERALD_LETTER_PARAS_H

#include <pango/pangocairo.h>
#include <stddef.h>

typedef struct letter_paras letter_paras;

/* Layouts made in ctx with font, wrapped at width (pango units). NULL when
 * out of memory. */
letter_paras *letter_paras_new(PangoContext *ctx, const PangoFontDescription *font, int width);
/* Lays out text (paragraphs separated by '\n'); the layouts stay valid
 * until the next call. 0, or -1 when out of memory. */
int letter_paras_set(letter_paras *c, const char *text);
size_t letter_paras_count(const letter_paras *c);
PangoLayout *letter_paras_get(const letter_paras *c, size_t i);
/* Paragraph i drawn with its top left at the origin, when it is one the
 * batch has seen before; NULL for one laid out for this letter alone. */
cairo_surface_t *letter_paras_recording(const letter_paras *c, size_t i);
void letter_paras_free(letter_paras *c);

#endif
