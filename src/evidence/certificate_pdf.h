/* certificate_pdf.h -- a verified certificate rendered as a one-page PDF
 * (see certificate_pdf.c). */
#ifndef HERALD_CERTIFICATE_PDF_H
#define HERALD_CERTIFICATE_PDF_H

#include <stddef.h>

#include "certificate.h"

/* Writes the page for res to path, with a QR code of verify_url (may be
 * NULL). Returns 0, or -1 with err. */
int certificate_pdf_write(const cert_result *res, const char *verify_url, const char *path,
                          char *err, size_t errlen);

#endif
