/* form.h -- application/x-www-form-urlencoded bodies from citizens' browsers.
 *
 * The citizen pages are plain HTML forms, so every login, sign-up and PIN
 * prompt arrives in this encoding. Parsing is strict and bounded: a fixed
 * number of fields, short names, values of limited length, percent escapes
 * that must be well formed, no NUL bytes, and text that must be valid UTF-8.
 * Anything else is rejected with a reason safe to show (it never quotes the
 * input, which may hold an RRN or a PIN). Values are wiped on form_free. */
#ifndef HERALD_FORM_H
#define HERALD_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 16
#define FORM_MAX_NAME 32
#define FORM_MAX_VALUE 1024

typedef struct form_field {
    char *name;
    char *value; /* decoded, NUL-terminated */
    size_t len;
} form_field;

typedef struct form {
    form_field fields[FORM_MAX_FIELDS];
    size_t count;
} form;

/* Parses body. Returns 0, or -1 with a reason in *why (and f left empty).
 * A field name may appear only once. */
int form_parse(form *f, const char *body, size_t len, const char **why);

/* form_parse with values of up to max_value bytes instead of
 * FORM_MAX_VALUE: for the rare form that carries a whole document (a
 * certificate pasted into the hub's verify page). */
int form_parse_max(form *f, const char *body, size_t len, size_t max_value, const char **why);

/* The decoded value of a field, or NULL when absent. */
const char *form_get(const form *f, const char *name);

/* Wipes and frees every value. */
void form_free(form *f);


/* 1 if s is 1..max bytes of valid UTF-8 without control characters: what a
 * person's name or a one-line text field may hold. */
int form_text_ok(const char *s, size_t max);

#endif
