/* verify_page.h -- the hub's public certificate check page, as HTML text.
 *
 * A person (a citizen, a clerk at a court) pastes a distribution
 * certificate and sees whether the hub's log key vouches for it, and the
 * timeline it proves. No I/O here, so the escaping of everything that came
 * from the pasted text is unit-tested. Korean first, English beneath. */
#ifndef HERALD_VERIFY_PAGE_H
#define HERALD_VERIFY_PAGE_H

#include "buf.h"
#include "certificate.h"

/* The whole page. pasted (may be NULL) refills the text area. With
 * checked set, a verdict follows the form: VALID with res's timeline when
 * why is NULL, INVALID with why otherwise. log_key_b64 is the key checked
 * against, shown so that a person can compare it with the one published. */
void verify_page_render(buf *b, const char *log_key_b64, const char *pasted, int checked,
                        const cert_result *res, const char *why);

#endif
