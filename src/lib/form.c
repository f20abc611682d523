/* form.c -- see form.h. */
#include "form.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "utf8.h"

int form_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max || !utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes one name or value ('+' is a space, %XX a byte) into a new
 * string of at most max bytes. Returns NULL with *why set. */
static char *decode(const char *s, size_t len, size_t max, size_t *outlen, const char **why)
{
    char *out = malloc(len + 1);
    size_t n = 0;

    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
                *why = "malformed percent escape in form";
                goto fail;
            }
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        }
        if (c == 0) {
            *why = "NUL byte in form";
            goto fail;
        }
        if (n == max) {
            *why = "form field too long";
            goto fail;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (!utf8_valid(out, n)) {
        *why = "form text is not valid UTF-8";
        goto fail;
    }
    *outlen = n;
    return out;
fail:
    secure_wipe(out, len + 1);
    free(out);
    return NULL;
}

static int name_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Adds one "name=value" pair. */
static int add_pair(form *f, const char *p, size_t len, size_t max_value, const char **why)
{
    const char *eq = memchr(p, '=', len);
    size_t nlen = eq ? (size_t)(eq - p) : len, vlen = eq ? len - nlen - 1 : 0, dummy;
    form_field *fld;

    if (f->count == FORM_MAX_FIELDS) {
        *why = "too many form fields";
        return -1;
    }
    fld = &f->fields[f->count];
    fld->name = decode(p, nlen, FORM_MAX_NAME, &dummy, why);
    if (!fld->name)
        return -1;
    if (!*fld->name || !name_ok(fld->name) || form_get(f, fld->name)) {
        free(fld->name);
        fld->name = NULL;
        *why = "bad or repeated form field name";
        return -1;
    }
    fld->value = decode(eq ? eq + 1 : p + len, vlen, max_value, &fld->len, why);
    if (!fld->value) {
        free(fld->name);
        fld->name = NULL;
        return -1;
    }
    f->count++;
    return 0;
}

int form_parse(form *f, const char *body, size_t len, const char **why)
{
    return form_parse_max(f, body, len, FORM_MAX_VALUE, why);
}

int form_parse_max(form *f, const char *body, size_t len, size_t max_value, const char **why)
{
    const char *p = body, *end = body + len;

    memset(f, 0, sizeof *f);
    if (len > FORM_MAX_FIELDS * (FORM_MAX_NAME + 3 * max_value + 2)) {
        *why = "form too large";
        return -1;
    }
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
        if (n > 0 && add_pair(f, p, n, max_value, why) != 0) {
            form_free(f);
            return -1;
        }
        p += n + 1;
    }
    *why = NULL;
    return 0;
}

const char *form_get(const form *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (!strcmp(f->fields[i].name, name))
            return f->fields[i].value;
    return NULL;
}

void form_free(form *f)
{
    for (size_t i = 0; i < f->count; i++) {
        secure_wipe(f->fields[i].value, f->fields[i].len);
        free(f->fields[i].value);
        free(f->fields[i].name);
    }
    memset(f, 0, sizeof *f);
}
