/* multipart.h -- multipart/form-data bodies (RFC 7578): how a browser
 * uploads a file from a plain HTML form, with no script.
 *
 * The agency's console takes a recipient CSV this way. The parser works
 * on the body in place (parts point into it), and is strict and bounded:
 * a boundary of 1-70 characters, at most MULTIPART_MAX_PARTS parts, each
 * with a header block of at most MULTIPART_MAX_HEADERS bytes and a
 * Content-Disposition of form-data with a name; a body that does not end
 * with the closing delimiter is refused. Reasons never quote the input. */
#ifndef HERALD_MULTIPART_H
#define HERALD_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_PARTS 16
#define MULTIPART_MAX_HEADERS 1024
#define MULTIPART_NAME_MAX 64
#define MULTIPART_BOUNDARY_MAX 70

typedef struct multipart_part {
    char name[MULTIPART_NAME_MAX + 1];
    char filename[MULTIPART_NAME_MAX * 2 + 1]; /* "" when not a file */
    const char *data;                          /* into the body; not NUL-terminated */
    size_t len;
} multipart_part;

typedef struct multipart {
    multipart_part parts[MULTIPART_MAX_PARTS];
    size_t count;
} multipart;

/* The boundary parameter of a multipart/form-data Content-Type into out:
 * 0, or -1 when the header is not that or the boundary is bad. */
int multipart_boundary(const char *content_type, char out[MULTIPART_BOUNDARY_MAX + 1]);
/* Parses body. 0, or -1 with a reason in *why. */
int multipart_parse(multipart *m, const char *body, size_t len, const char *boundary,
                    const char **why);
/* The part named name, or NULL. */
const multipart_part *multipart_get(const multipart *m, const char *name);

#endif
