/* phone_view.h -- the demo's phones, in a browser: while `herald demo`
 * stays up it serves, on a loopback port of its own, a page per demo
 * phone number with the texts that phone received (SMS from the SMSC
 * peer, push alerts from the gateway peer, read live from their GET
 * /stats), each link in a text clickable. A newcomer follows one from the
 * text to the platform's sign-in to the document, as the citizen would on
 * a phone; the page gives the demo citizen's PIN to sign in with. Plain
 * HTML for a 390 px screen, no JavaScript, everything escaped.
 *
 *   GET /                  the demo's phone numbers, 50 a page (?from=N)
 *   GET /phones/{number}   one phone: its texts, and its sign-in */
#ifndef HERALD_PHONE_VIEW_H
#define HERALD_PHONE_VIEW_H

#include <stddef.h>

#include "buf.h"
#include "demo.h"

typedef struct phone_view phone_view;

/* Starts serving on 127.0.0.1 (a free port, put in d->port_phones).
 * d must outlive the view. Returns NULL with err. */
phone_view *phone_view_start(demo *d, char *err, size_t errlen);
void phone_view_stop(phone_view *v);

/* text, HTML-escaped, with each http:// or https:// address in it made a
 * link to itself (the address ends at a space, a non-ASCII character or
 * a quote or bracket; a final . , ; : ! ? or ) is left outside). */
void phone_view_text_html(buf *b, const char *text);

#endif
