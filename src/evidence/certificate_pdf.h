/* certificate_pdf.h -- a verified certificate rendered as a one-page PDF
 * (see certificate_pdf.c). */
#ifndef HERALD_CERTIFICATE_PDF_H
#define HERALD_CERTIFICATE_PDF_H

#include <stddef.h>

#include "certificate.h"
#include "legal_effect.h"

/* Writes the page for res to path, with a QR code of verify_url (may be
 * NULL) and, when rule is not NULL, the date the notice takes legal
 * effect under it (legal_effect.h). Returns 0, or -1 with err. */
int certificate_pdf_write(const cert_result *res, const char *verify_url,
                          const effect_rule *rule, const char *path, char *err, size_t errlen);

#endif
