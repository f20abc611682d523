/* html_page.h -- the frame of every page herald shows a person.
 *
 * Citizens read notices on small phones, in Korean with English beneath;
 * the platforms' pages, the agency's refusal page and the hub's verify
 * page all open the same way (language, charset, phone viewport, a
 * bilingual title and heading, and everything inside one <main> landmark
 * so screen readers can jump to it), so that frame is written once. */
#ifndef HERALD_HTML_PAGE_H
#define HERALD_HTML_PAGE_H

#include "buf.h"

/* Opens the document and its <main>, and writes the <h1>. site (may be NULL) is added to
 * the <title>; style (may be NULL) is the page's CSS. Every text is
 * escaped. */
void html_page_begin(buf *b, const char *title_ko, const char *title_en, const char *site,
                     const char *style);
/* The two halves of html_page_begin, for a page that puts a <header>
 * (a console's navigation) between them: the document up to <body>, then
 * the <main> and its <h1>. */
void html_page_head(buf *b, const char *title_ko, const char *title_en, const char *site,
                    const char *style);
void html_page_main(buf *b, const char *title_ko, const char *title_en);
/* Closes the <main> and the document. */
void html_page_end(buf *b);

#endif
