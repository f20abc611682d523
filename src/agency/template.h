/* template.h -- documents from an HTML template with ((field)) placeholders.
 *
 * An agency renders one document per citizen, millions of times from the
 * same template, so the template is parsed once into literal runs and
 * placeholder slots, and each render is a walk over that list appending to
 * a buf. Values are HTML-escaped; the text around placeholders is copied
 * verbatim, it is the agency's own markup.
 *
 * Placeholder names are [A-Za-z0-9_]{1,64} between "((" and "))". A "(" just
 * before a placeholder is text, so "(((name)))" gives the value in
 * parentheses. Field names come from the template, never from recipient
 * data, so error messages may name them. */
#ifndef HERALD_TEMPLATE_H
#define HERALD_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

#define TEMPLATE_MAX_BYTES (1u << 20)
#define TEMPLATE_MAX_PLACEHOLDERS 1000
#define TEMPLATE_MAX_NAME 64

typedef struct template template;

/* Returns a field's value (UTF-8, NUL-terminated), or NULL if there is no
 * such field. */
typedef const char *(*template_lookup)(void *ctx, const char *name);

/* Compiles len bytes of text. NULL with "line N: reason" in err for an
 * unclosed "((", an empty or invalid name, more than 1 MiB of text or more
 * than 1,000 placeholders; or with "out of memory". */
template *template_compile(const char *text, size_t len, char *err, size_t errlen);

/* Appends the document to out, asking lookup for each placeholder. Returns
 * 0, or -1 with err set: a missing field, one whose value makes what may
 * be an RRN with the text beside it (each named in err), or out of
 * memory. On failure out is left as it was before the call, the partial
 * document wiped (it may hold personal data). */
int template_render(const template *t, template_lookup lookup, void *ctx,
                    buf *out, char *err, size_t errlen);
/* The same, and on failure *field is the name of the field at fault
 * (the template's own), or NULL (out of memory). */
int template_render_at(const template *t, template_lookup lookup, void *ctx, buf *out,
                       char *err, size_t errlen, const char **field);

/* The distinct field names, in order of first use, so a caller can check
 * its data has them all before rendering anything. */
const char *const *template_fields(const template *t, size_t *count);

void template_free(template *t);

#endif
