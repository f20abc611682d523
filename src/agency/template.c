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
#include "html_seen.h"
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
    html_seen_text r[2];
    void *block = html_seen_readings_new(len, r);
    long at = -1, k;

    if (!block) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    /* the bytes (a comment or an attribute is stored and served too), and
     * what is seen: "8001<b>01-1234567</b>" shows one; as the page shows
     * it, and what shows apart (a title) */
    if ((k = rrn_find_valid(text, len, RRN_ANY_DAY)) >= 0) {
        at = k;
    } else {
        html_seen_split(text, len, &r[0], &r[1]);
        for (int i = 0; at < 0 && i < 2; i++)
            if ((k = rrn_find_valid(r[i].text, r[i].n, RRN_ANY_DAY)) >= 0)
                at = (long)r[i].from[k];
    }
    html_seen_readings_free(block, len);
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

/* ---- what the document shows where a value meets the text ----
 *
 * Each literal run is free of RRNs (holds_rrn), and each value is checked
 * by whoever supplies it; but side by side they can make one, as
 * "800101-((rest))" with rest "1234567" does, or as "<b>((front))</b>-((rest))"
 * does on the screen and on paper though no run of bytes holds it. So the
 * rendered document is read twice, as bytes (a comment or an attribute is
 * stored and served too) and as it is seen (html_seen.h), and a run that
 * rrn_find_valid takes in either (possible on any date, as for the
 * template's own text) and that is not all inside one value is refused,
 * naming a value it touches. */

/* Where one value went in the document. */
typedef struct span {
    size_t start, end;
    long field;
} span;

/* The field of a value the run over [first, end) of the document
 * touches; -1 when it touches none, or lies all inside one and inside_ok
 * (that value's supplier judges its bytes: a date to come may be a
 * reference; but not what only shows as one, like full-width digits,
 * which it cannot see). */
static long field_touched(const span *v, size_t nv, size_t first, size_t end, int inside_ok)
{
    long touched = -1;

    for (size_t i = 0; i < nv; i++) {
        if (v[i].start <= first && end <= v[i].end)
            return inside_ok ? -1 : v[i].field;
        if (touched < 0 && first < v[i].end && end > v[i].start)
            touched = v[i].field;
    }
    return touched;
}

/* The first index of text whose character comes from offset off of the
 * document or later (from[] only grows); from NULL: off itself. */
static size_t text_index(const uint32_t *from, size_t n, size_t off)
{
    size_t lo = 0, hi = n;

    if (!from)
        return off < n ? off : n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (from[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The field to blame for the first run in text[0..n) that touches a
 * value, or -1. from[i] is the document offset character i came from;
 * NULL when text is the document itself. A run touching a value starts
 * at most RUN_MAX - 1 characters before it and ends as far after it, so
 * only those windows are read (one more character each side, to see
 * that the run stands alone): the rest of the document is the template's
 * own text, checked when it was compiled. */
#define RUN_MAX 14
static long run_field(const char *doc, size_t len, const char *text, size_t n,
                      const uint32_t *from, const span *v, size_t nv)
{
    long bad = -1, k;

    for (size_t i = 0; i < nv && bad < 0; i++) {
        size_t lo = text_index(from, n, v[i].start), hi = text_index(from, n, v[i].end);
        lo = lo > RUN_MAX ? lo - RUN_MAX : 0;
        hi = hi + RUN_MAX + 1 < n ? hi + RUN_MAX + 1 : n;
        for (size_t at = lo; bad < 0 && (k = rrn_find_valid_from(text, hi, at, RRN_ANY_DAY)) >= 0;
             at = (size_t)k + 1) {
            size_t last = (size_t)k + 13 + (text[k + 6] == '-') - 1;
            if (!from) {
                bad = field_touched(v, nv, (size_t)k, last + 1, 1);
                continue;
            }
            /* a run seen as it is written (a byte a character) is one the
             * bytes held too, its value's supplier's to judge; one that
             * only shows as one inside a value (full-width digits, a soft
             * hyphen) is judged here, as the supplier would: on the day */
            size_t end = html_seen_end(doc, len, from[last]);
            if ((bad = field_touched(v, nv, from[k], end, 1)) >= 0 ||
                end - from[k] == last - (size_t)k + 1)
                continue;
            bad = field_touched(v, nv, from[k], end, 0);
            if (bad >= 0 && rrn_find_valid_from(text, last + 1, (size_t)k, rrn_today()) != k)
                bad = -1;
        }
    }
    return bad;
}

/* The field to blame for an RRN doc[0..len) shows, or -1; -2 when out of
 * memory. */
static long shown_rrn_field(const char *doc, size_t len, const span *v, size_t nv)
{
    html_seen_text r[2];
    void *block = html_seen_readings_new(len, r);
    long bad;

    if (!block)
        return -2;
    bad = run_field(doc, len, doc, len, NULL, v, nv);
    if (bad < 0) /* as the page shows it, and what shows apart (a title) */
        html_seen_split(doc, len, &r[0], &r[1]);
    for (int i = 0; bad < 0 && i < 2; i++)
        bad = run_field(doc, len, r[i].text, r[i].n, r[i].from, v, nv);
    html_seen_readings_free(block, len);
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
    size_t mark = out->len, nv = 0;
    span *v = malloc(t->npieces * sizeof *v);
    long bad = -1;

    *field = NULL;
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < t->npieces; i++) {
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
            free(v);
            return -1;
        }
        v[nv].start = out->len - mark;
        buf_html(out, value);
        v[nv].end = out->len - mark;
        v[nv++].field = p->field;
    }
    if (!out->broken)
        bad = shown_rrn_field(doc_of(out, mark), out->len - mark, v, nv);
    free(v);
    if (out->broken || bad == -2) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
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
