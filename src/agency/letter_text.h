/* letter_text.h -- the online document as plain text for a paper letter.
 *
 * A letter prints the very document a recipient reads online: the body
 * `agency send` rendered from the template and the recipient's fields and
 * stored. That body is the agency's HTML, so the letter needs its text:
 * paragraphs, headings, list items (an <ol>'s numbered) and line breaks
 * as lines, entities decoded, a link's target printed after its text
 * (paper cannot be clicked), the page's <head> (title, style) and
 * scripts left out. What a
 * letter cannot show (an image, a frame, an embedded object) is refused
 * by name rather than left out silently. Pure: no I/O. */
#ifndef HERALD_LETTER_TEXT_H
#define HERALD_LETTER_TEXT_H

#include <stddef.h>

#include "buf.h"

/* Appends the text of len bytes of HTML to out (NUL-terminated, UTF-8,
 * lines separated by '\n', no blank line repeated, none at either end).
 * Returns 0, or -1 with err naming what cannot be printed ("element
 * <img>", "entity &foo;", "invalid UTF-8", a direction control that would
 * reorder what is printed). */
int letter_text_from_html(const char *html, size_t len, buf *out, char *err, size_t errlen);

/* Why the n bytes at s cannot stand as a letter's name or address, or
 * NULL: a control character other than '\n' and '\t' (a Windows line
 * end's '\r' included, and the C1 controls U+0080-U+009F), not UTF-8, a
 * direction control (direction_control.h), or blank: nothing but white
 * space and characters that show nothing (an ideographic space, a
 * zero-width one: seen_text_blank), which print an empty address window.
 * Checked where notices come in (the API, agency send), so that no such
 * value stops a letter run, and by the run itself. */
const char *letter_field_problem(const char *s, size_t n);

/* Why the n bytes at s (UTF-8) cannot stand as a template's value (a
 * personalisation field), or NULL: a C1 control or a direction control,
 * which the letter would print (the page show) otherwise than stored, and
 * which would hide an RRN from its checks. Less than a name's rule: a
 * value may be blank, and other control characters print as nothing.
 * letter_field_problem applies it too. */
const char *letter_value_problem(const char *s, size_t n);

/* 0 when a letter can print documents made from template t, else -1 with
 * why in err. Values are escaped as they go in, so only the template's
 * own markup (an <img>, an unknown entity, a tag never closed) can stop a
 * letter: it is checked once, on a sample rendering, where templates come
 * in (agency send, the API, the console), so that no notice a letter
 * cannot print is ever taken, and no such notice stops a letter run. */
struct template;
int letter_template_problem(const struct template *t, char *err, size_t errlen);

#endif
