/* html_seen.h -- the text a reader of an HTML document sees, with where
 * each character came from in its source.
 *
 * The agency refuses a document that would show what may be a resident
 * registration number made where a value meets the template's text
 * (template.c). Looking at the bytes is not enough: "<b>800101</b>-1234567"
 * or "800101&#45;1234567" hold no run of thirteen digits, yet a browser
 * and the printed letter show one. So the check looks at what is seen. */
#ifndef HERALD_HTML_SEEN_H
#define HERALD_HTML_SEEN_H

#include <stddef.h>
#include <stdint.h>

/* Writes what a reader sees of html[0..len) to out (room for len bytes,
 * not terminated) and, for each character written, the offset in html it
 * comes from to from[] (room for len). Tags and comments are left out; a
 * tag that breaks the line or the block (<br>, <p>, <td>, <li> ...) is
 * seen as one space. A character reference is decoded when it is plain
 * ASCII (&#45; is '-', &#49; is '1', &nbsp; a space) and seen as 'x'
 * otherwise. An unterminated tag hides the rest. Returns the count. */
size_t html_seen(const char *html, size_t len, char *out, uint32_t *from);

#endif
