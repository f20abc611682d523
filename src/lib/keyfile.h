/* keyfile.h -- reading and writing key files.
 *
 * Every key file is one line of base64. Secrets are created with mode 0600
 * and O_EXCL (an existing key is never overwritten: losing the CI key would
 * change every citizen's CI), and a secret file that others can read is
 * refused, as ssh refuses such identity files. */
#ifndef HERALD_KEYFILE_H
#define HERALD_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

/* Creates path with the given mode and writes line plus '\n'. Fails if the
 * file exists. Returns 0, or -1 with a message in err. */
int keyfile_create(const char *path, int mode, const char *line,
                   char *err, size_t errlen);

/* Reads a one-line base64 file that must decode to exactly len bytes. With
 * secret set, the file must not be readable by group or others. */
int keyfile_read(const char *path, int secret, uint8_t *out, size_t len,
                 char *err, size_t errlen);

#endif
