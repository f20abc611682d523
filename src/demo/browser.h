/* browser.h -- a citizen's phone browser, scripted, for the demo and the
 * end-to-end tests: it keeps cookies, posts forms, and does not follow
 * redirects by itself, so the caller sees each hop (the platform's 303 to
 * the agency with a view token) as a person's browser would make it.
 * Like a browser submitting a page's form, a POST carries the hidden
 * token ("csrf") of the last page that had one and an Origin header naming
 * the site posted to: the platform refuses a form without them. */
#ifndef HERALD_BROWSER_H
#define HERALD_BROWSER_H

#include <stddef.h>

typedef struct browser browser;

typedef struct page {
    long status;
    char *body;          /* NUL-terminated; the caller frees with browser_page_free */
    size_t len;
    char location[2048]; /* the redirect target, or "" */
} page;

browser *browser_new(void);
void browser_free(browser *b);

/* GET url. Returns 0 when an answer came (any status), -1 otherwise. */
int browser_get(browser *b, const char *url, page *p);
/* POST url with an application/x-www-form-urlencoded body built from
 * NULL-terminated name/value pairs (values are percent-encoded here),
 * plus the last page's form token. */
int browser_post_form(browser *b, const char *url, const char *const *pairs, page *p);
void browser_page_free(page *p);

#endif
