/* letter_rrn.h -- whether a letter, as printed, shows what may be a
 * resident registration number that its page does not.
 *
 * A notice's document is checked as a browser shows it when it is
 * rendered (template.c, html_seen.h). The letter reads the same markup its
 * own way (letter_text.c), and a run of digits its reading makes, which no
 * browser shows, would go on paper unchecked. So the letter's text is
 * checked too, against what the page shows: a run the page shows as well
 * was judged at the render (a value's own, a reference dated ahead). */
#ifndef HERALD_LETTER_RRN_H
#define HERALD_LETTER_RRN_H

#include <stddef.h>

/* 1 when text[0..text_len), the letter's text of the document
 * html[0..html_len), holds a run possible on today (YYYYMMDD, rrn.h) that
 * the page does not show, on any date; 1 when out of memory too (refused
 * rather than printed unchecked); else 0. */
int letter_rrn_added(const char *html, size_t html_len, const char *text, size_t text_len,
                     int today);

#endif
