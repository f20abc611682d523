/* html_seen.h -- the text a reader of an HTML document sees, with where
 * each character came from in its source.
 *
 * The agency refuses a document that would show what may be a resident
 * registration number made where a value meets the template's text
 * (template.c). Looking at the bytes is not enough: "<b>800101</b>-1234567",
 * "800101&#45;1234567", "800101&shy;1234567" or full-width digits hold no
 * run of thirteen ASCII digits, yet a browser and the printed letter show
 * one. So the check looks at what is seen. */
#ifndef HERALD_HTML_SEEN_H
#define HERALD_HTML_SEEN_H

#include <stddef.h>
#include <stdint.h>

/* Writes what a reader sees of html[0..len) to out (room for len bytes,
 * not terminated) and, for each character written, the offset in html it
 * comes from to from[] (room for len). Each character, written or as a
 * character reference (with or without its ';', as browsers read it), is
 * seen as:
 *   - itself when it is printable ASCII;
 *   - the digit it shows when it is a full-width or mathematical digit;
 *   - '-' when it is a dash a reader could take for a hyphen;
 *   - nothing at all when it shows nothing (soft hyphen, zero-width
 *     spaces and joiners, direction marks...);
 *   - a space when it is white space;
 *   - 'x' otherwise.
 * Tags and comments are left out; a tag that breaks the line or the
 * block (<br>, <p>, <td>, <li> ...) is seen as one space. An unterminated
 * tag hides the rest. Returns the count. */
size_t html_seen(const char *html, size_t len, char *out, uint32_t *from);
/* A reading of a document: its characters and where each came from. */
typedef struct html_seen_text {
    char *text;     /* room for the document's length */
    uint32_t *from; /* as much */
    size_t n;
} html_seen_text;

/* html_seen to page, in one pass with what it leaves out that shows
 * elsewhere, on its own, to apart (when not NULL): the content of each
 * title, style, script, iframe, noembed, noframes and template, read as
 * text and set apart by a space at each end (a title shows in the
 * browser's tab and the printed page's header). A check reads both. */
void html_seen_split(const char *html, size_t len, html_seen_text *page, html_seen_text *apart);
/* Room for both readings of a document of len bytes, in one block to
 * pass to html_seen_readings_free; NULL when out of memory. */
void *html_seen_readings_new(size_t len, html_seen_text r[2]);
/* Wipes the readings' text (it may hold what a document shows) and frees
 * the block; NULL is allowed. */
void html_seen_readings_free(void *block, size_t len);

/* Where the source of the seen character that came from html[at] ends:
 * past a reference's ';' (or its last digit or letter, when it has
 * none), or past the character's last UTF-8 byte. */
size_t html_seen_end(const char *html, size_t len, size_t at);

/* Where the markup opening at html[i] ('<' before a letter, '/', '!' or
 * '?') ends, as a browser ends it: a tag (a quote opening a value only
 * after a name and '='), a comment ("<!-->", "<!--->" and "--!>"
 * included) or a bogus comment ("<!DOCTYPE ...>", "<?...>", "</1...>",
 * ended by the first '>'): past its '>', or len. */
size_t html_markup_end(const char *html, size_t len, size_t i);
/* 1 when the '<' at html[i] begins markup, as in HTML: before a letter,
 * '/', '!' or '?' ("1 < 2" is text, and so is a "</" that ends the
 * document). */
int html_opens_markup(const char *html, size_t len, size_t i);

#endif
