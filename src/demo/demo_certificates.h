/* demo_certificates.h -- the certificates an agency keeps of a demo run. */
#ifndef HERALD_DEMO_CERTIFICATES_H
#define HERALD_DEMO_CERTIFICATES_H

#include <stddef.h>

#include "demo.h"

/* DIR/certificates/<id>.json for every notice read (after
 * demo_flow_read). Returns 0, or -1 with err. */
int demo_certificates(demo *d, char *err, size_t errlen);

#endif
