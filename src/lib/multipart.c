/* multipart.c -- see multipart.h. */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int boundary_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

int multipart_boundary(const char *ct, char out[MULTIPART_BOUNDARY_MAX + 1])
{
    const char *p;
    size_t n = 0;

    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return -1;
    if (!(p = strcasestr(ct + 19, "boundary=")))
        return -1;
    p += 9;
    if (*p == '"') {
        p++;
        while (p[n] && p[n] != '"')
            n++;
        if (p[n] != '"')
            return -1;
    } else {
        while (p[n] && p[n] != ';' && p[n] != ' ')
            n++;
    }
    if (n == 0 || n > MULTIPART_BOUNDARY_MAX || p[n - 1] == ' ')
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!boundary_char(p[i]))
            return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

/* The value of param ("name", "filename") in a Content-Disposition line
 * of n bytes, quoted, into out: 1 found, 0 absent, -1 bad. */
static int disposition_param(const char *line, size_t n, const char *param, char *out,
                             size_t cap)
{
    size_t plen = strlen(param);

    for (size_t i = 0; i + plen + 2 <= n; i++) {
        if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == ';') &&
            !strncasecmp(line + i, param, plen) && line[i + plen] == '=') {
            const char *v = line + i + plen + 1, *end = line + n;
            size_t k = 0;
            if (v >= end || *v != '"')
                return -1;
            for (v++; v < end && *v != '"'; v++) {
                if (k + 1 >= cap || (unsigned char)*v < 0x20)
                    return -1;
                out[k++] = *v;
            }
            if (v >= end)
                return -1;
            out[k] = '\0';
            return 1;
        }
    }
    return 0;
}

/* Reads a part's header block (h, n bytes, lines ending CRLF). */
static int part_headers(multipart_part *p, const char *h, size_t n, const char **why)
{
    int have = 0;

    while (n > 0) {
        const char *eol = memmem(h, n, "\r\n", 2);
        size_t len = eol ? (size_t)(eol - h) : n;
        if (len > 20 && !strncasecmp(h, "Content-Disposition:", 20)) {
            const char *v = h + 20;
            size_t vl = len - 20;
            while (vl && *v == ' ')
                v++, vl--;
            if (vl < 9 || strncasecmp(v, "form-data", 9) != 0 ||
                disposition_param(v, vl, "name", p->name, sizeof p->name) != 1 ||
                disposition_param(v, vl, "filename", p->filename, sizeof p->filename) < 0) {
                *why = "a part's Content-Disposition is not form-data with a name";
                return -1;
            }
            have = 1;
        }
        if (!eol)
            break;
        n -= len + 2;
        h = eol + 2;
    }
    if (!have)
        *why = "a part has no Content-Disposition";
    return have ? 0 : -1;
}

int multipart_parse(multipart *m, const char *body, size_t len, const char *boundary,
                    const char **why)
{
    char delim[MULTIPART_BOUNDARY_MAX + 5];
    size_t dl = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    const char *p = body, *end = body + len;

    memset(m, 0, sizeof *m);
    /* The first delimiter has no CRLF before it. */
    if (len < dl - 2 || memcmp(body, delim + 2, dl - 2) != 0) {
        *why = "the body does not start with the boundary";
        return -1;
    }
    p += dl - 2;
    for (;;) {
        if (end - p >= 2 && !memcmp(p, "--", 2))
            return m->count ? 0 : (*why = "the form has no parts", -1);
        if (end - p < 2 || memcmp(p, "\r\n", 2) != 0 || m->count == MULTIPART_MAX_PARTS) {
            *why = m->count == MULTIPART_MAX_PARTS ? "too many parts" : "a bad delimiter line";
            return -1;
        }
        p += 2;
        size_t room = (size_t)(end - p);
        const char *hend = memmem(p, room < MULTIPART_MAX_HEADERS + 4 ? room
                                                                       : MULTIPART_MAX_HEADERS + 4,
                                  "\r\n\r\n", 4);
        multipart_part *part = &m->parts[m->count];
        if (!hend) {
            *why = "a part's headers are too long or unfinished";
            return -1;
        }
        if (part_headers(part, p, (size_t)(hend - p), why) != 0)
            return -1;
        part->data = hend + 4;
        const char *next = memmem(part->data, (size_t)(end - part->data), delim, dl);
        if (!next) {
            *why = "the body ends before its closing boundary";
            return -1;
        }
        part->len = (size_t)(next - part->data);
        m->count++;
        p = next + dl;
    }
}

const multipart_part *multipart_get(const multipart *m, const char *name)
{
    for (size_t i = 0; i < m->count; i++)
        if (!strcmp(m->parts[i].name, name))
            return &m->parts[i];
    return NULL;
}
