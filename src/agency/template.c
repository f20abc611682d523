/* template.c -- see template.h.
 *
 * Compiling takes two passes over the text with the same scanner: the first
 * validates and counts, so the second fills arrays allocated at their exact
 * size. A compiled template is a list of pieces, each a literal run
 * followed by an optional placeholder. */
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "rrn.h"

typedef struct piece {
    size_t off, len; /* the literal run, in t->text */
    long field;      /* the placeholder after it, or -1 (the last piece) */
} piece;

struct template {
    char *text;
    piece *pieces;
    size_t npieces;
    char (*names)[TEMPLATE_MAX_NAME + 1];
    const char **fields; /* points into names, for template_fields */
    size_t nfields;
};

/* One placeholder as the scanner found it. */
typedef struct slot {
    size_t open;             /* offset of "((" */
    size_t name, name_len;   /* the name inside */
    size_t end;              /* offset just past "))" */
} slot;

static int is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static long line_at(const char *text, size_t pos)
{
    long line = 1;

    for (size_t i = 0; i < pos; i++)
        line += text[i] == '\n';
    return line;
}

static int has_close(const char *text, size_t len, size_t from)
{
    for (size_t i = from; i + 1 < len; i++)
        if (text[i] == ')' && text[i + 1] == ')')
            return 1;
    return 0;
}

/* Finds the next "((", skipping a "(" that only precedes one. */
static int find_open(const char *text, size_t len, size_t from, size_t *open)
{
    for (size_t i = from; i + 1 < len; i++) {
        if (text[i] == '(' && text[i + 1] == '(' && (i + 2 >= len || text[i + 2] != '(')) {
            *open = i;
            return 1;
        }
    }
    return 0;
}

/* Scans for the next placeholder from pos. Returns 1 and fills *s, 0 when
 * there is none left, -1 with *why set when the one found is malformed. */
static int scan(const char *text, size_t len, size_t pos, slot *s, const char **why)
{
    size_t i;

    if (!find_open(text, len, pos, &s->open))
        return 0;
    s->name = s->open + 2;
    for (i = s->name; i < len && is_name_char(text[i]); i++)
        ;
    s->name_len = i - s->name;
    if (i + 1 >= len || text[i] != ')' || text[i + 1] != ')') {
        *why = has_close(text, len, i) ?
            "placeholder names may only hold letters, digits and '_'" :
            "\"((\" is never closed by \"))\"";
        return -1;
    }
    if (s->name_len == 0) {
        *why = "empty placeholder \"(())\"";
        return -1;
    }
    if (s->name_len > TEMPLATE_MAX_NAME) {
        *why = "placeholder name longer than 64 characters";
        return -1;
    }
    s->end = i + 2;
    return 1;
}

/* First pass: validates and counts placeholders. */
static long count_slots(const char *text, size_t len, char *err, size_t errlen)
{
    size_t pos = 0;
    long n = 0;
    slot s;
    const char *why = NULL;
    int rc;

    while ((rc = scan(text, len, pos, &s, &why)) == 1) {
        if (++n > TEMPLATE_MAX_PLACEHOLDERS) {
            snprintf(err, errlen, "line %ld: more than %d placeholders",
                     line_at(text, s.open), TEMPLATE_MAX_PLACEHOLDERS);
            return -1;
        }
        pos = s.end;
    }
    if (rc < 0) {
        snprintf(err, errlen, "line %ld: %s", line_at(text, s.open), why);
        return -1;
    }
    return n;
}

/* The index of a field name, adding it if new. */
static long field_index(template *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (strlen(t->names[i]) == len && memcmp(t->names[i], name, len) == 0)
            return (long)i;
    memcpy(t->names[t->nfields], name, len);
    t->names[t->nfields][len] = '\0';
    t->fields[t->nfields] = t->names[t->nfields];
    return (long)t->nfields++;
}

/* Second pass: the text is known good, so scan cannot fail here. */
static void fill_pieces(template *t, size_t len)
{
    size_t pos = 0;
    slot s;
    const char *why;

    while (scan(t->text, len, pos, &s, &why) == 1) {
        piece *p = &t->pieces[t->npieces++];
        p->off = pos;
        p->len = s.open - pos;
        p->field = field_index(t, t->text + s.name, s.name_len);
        pos = s.end;
    }
    t->pieces[t->npieces].off = pos;
    t->pieces[t->npieces].len = len - pos;
    t->pieces[t->npieces].field = -1;
    t->npieces++;
}

/* Every document rendered from the template would carry its literal text
 * into the agency's database and onto paper, so what may be an RRN there
 * (possible on any date, as in a title) is refused with its line, never
 * its digits. 1 when it is. */
static int holds_rrn(const char *text, size_t len, char *err, size_t errlen)
{
    long at = rrn_find_valid(text, len, RRN_ANY_DAY);

    if (at < 0)
        return 0;
    snprintf(err, errlen, "line %ld: the text holds what may be a resident registration number;"
             " a template holds none (RRNs go in the rrn column only)", line_at(text, (size_t)at));
    return 1;
}

template *template_compile(const char *text, size_t len, char *err, size_t errlen)
{
    template *t;
    long n;

    if (len > TEMPLATE_MAX_BYTES) {
        snprintf(err, errlen, "line 1: template larger than %u bytes", TEMPLATE_MAX_BYTES);
        return NULL;
    }
    n = count_slots(text, len, err, errlen);
    if (n < 0 || holds_rrn(text, len, err, errlen))
        return NULL;
    t = calloc(1, sizeof *t);
    if (t) {
        t->text = malloc(len + 1);
        t->pieces = calloc((size_t)n + 1, sizeof *t->pieces);
        t->names = calloc(n ? (size_t)n : 1, sizeof *t->names);
        t->fields = calloc(n ? (size_t)n : 1, sizeof *t->fields);
    }
    if (!t || !t->text || !t->pieces || !t->names || !t->fields) {
        snprintf(err, errlen, "out of memory");
        template_free(t);
        return NULL;
    }
    if (len)
        memcpy(t->text, text, len);
    t->text[len] = '\0';
    fill_pieces(t, len);
    return t;
}

/* Takes out back to mark, wiping what the failed render wrote. */
static void roll_back(buf *out, size_t mark)
{
    if (out->broken || !out->data || out->len < mark)
        return;
    secure_wipe(out->data + mark, out->len - mark);
    out->len = mark;
}

/* ---- seams: where a value meets the text beside it ----
 *
 * Each literal run is free of RRNs (holds_rrn), and each value is checked
 * by whoever supplies it; but side by side they can make one, as
 * "800101-((rest))" with rest "1234567" does, and the document would
 * carry it into the agency's database and onto paper. So the bytes either
 * side of every seam are looked at once the document is rendered that far:
 * a run that crosses a seam is refused (possible on any date, as for the
 * template's own text). A run is at most 14 bytes, and whether it stands
 * alone needs one more on each side, so a seam is judged once 15 bytes
 * follow it, or at the end. */
#define RUN_MAX 14
#define SEAMS_OPEN (RUN_MAX + 2) /* distinct seams within the last 15 bytes, at most */

typedef struct seams {
    size_t at[SEAMS_OPEN]; /* offsets in the document, ascending */
    long field[SEAMS_OPEN];
    size_t n;
} seams;

static int is_run_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-';
}

/* 1 when a run rrn_find_valid takes crosses offset at of doc. Only a
 * digit or the hyphen on both sides can be one: most seams end there. */
static int crossed(const char *doc, size_t len, size_t at)
{
    size_t from = at > RUN_MAX ? at - RUN_MAX : 0;
    size_t to = at + RUN_MAX + 1 < len ? at + RUN_MAX + 1 : len;
    long k;

    if (at == 0 || at >= len || !is_run_char(doc[at - 1]) || !is_run_char(doc[at]))
        return 0;
    for (; (k = rrn_find_valid_from(doc, to, from, RRN_ANY_DAY)) >= 0; from = (size_t)k + 1) {
        size_t n = 13 + (doc[k + 6] == '-');
        if ((size_t)k < at && (size_t)k + n > at)
            return 1;
    }
    return 0;
}

/* Judges the seams that have enough after them (all at the end, done):
 * the field of the first one crossed, or -1. */
static long seams_judge(seams *s, const char *doc, size_t len, int done)
{
    size_t k = 0;
    long bad = -1;

    while (k < s->n && (done || s->at[k] + RUN_MAX + 1 <= len)) {
        if (bad < 0 && crossed(doc, len, s->at[k]))
            bad = s->field[k];
        k++;
    }
    if (k == 0)
        return -1;
    memmove(s->at, s->at + k, (s->n - k) * sizeof s->at[0]);
    memmove(s->field, s->field + k, (s->n - k) * sizeof s->field[0]);
    s->n -= k;
    return bad;
}

static long seams_add(seams *s, const char *doc, size_t len, size_t at, long field)
{
    long bad = s->n ? seams_judge(s, doc, len, 0) : -1;

    /* what ends in neither a digit nor the hyphen starts no run across */
    if (at == 0 || !is_run_char(doc[at - 1]) || (s->n > 0 && s->at[s->n - 1] == at))
        return bad;
    if (s->n == SEAMS_OPEN) /* cannot happen: every open seam lies in the last 15 bytes */
        return field;
    s->at[s->n] = at;
    s->field[s->n++] = field;
    return bad;
}

/* The document so far: what out holds past mark. */
static const char *doc_of(const buf *out, size_t mark)
{
    return out->data ? out->data + mark : "";
}

int template_render(const template *t, template_lookup lookup, void *ctx,
                    buf *out, char *err, size_t errlen)
{
    const char *field;

    return template_render_at(t, lookup, ctx, out, err, errlen, &field);
}

int template_render_at(const template *t, template_lookup lookup, void *ctx, buf *out,
                       char *err, size_t errlen, const char **field)
{
    size_t mark = out->len;
    seams s = {.n = 0};
    long bad = -1;

    *field = NULL;

    for (size_t i = 0; i < t->npieces && bad < 0; i++) {
        const piece *p = &t->pieces[i];
        const char *value;

        buf_append(out, t->text + p->off, p->len);
        if (p->field < 0)
            continue;
        value = lookup(ctx, t->fields[p->field]);
        if (!value) {
            snprintf(err, errlen, "missing field '%s'", t->fields[p->field]);
            *field = t->fields[p->field];
            roll_back(out, mark);
            return -1;
        }
        if (out->broken)
            break;
        bad = seams_add(&s, doc_of(out, mark), out->len - mark, out->len - mark, p->field);
        buf_html(out, value);
        if (bad < 0 && !out->broken)
            bad = seams_add(&s, doc_of(out, mark), out->len - mark, out->len - mark, p->field);
    }
    if (out->broken) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (bad < 0)
        bad = seams_judge(&s, doc_of(out, mark), out->len - mark, 1);
    if (bad >= 0) {
        snprintf(err, errlen, "field '%s' and the text beside it would show what may be a"
                 " resident registration number; only the rrn column may hold one",
                 t->fields[bad]);
        *field = t->fields[bad];
        roll_back(out, mark);
        return -1;
    }
    return 0;
}

const char *const *template_fields(const template *t, size_t *count)
{
    *count = t->nfields;
    return t->fields;
}

void template_free(template *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->pieces);
    free(t->names);
    free(t->fields);
    free(t);
}
