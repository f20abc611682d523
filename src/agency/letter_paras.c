/* letter_paras.c -- see letter_paras.h. */
#include "letter_paras.h"

#include <stdlib.h>
#include <string.h>

#define KEPT_MAX 512     /* paragraphs whose layouts are kept */
#define SEEN_MAX 65536   /* paragraph hashes remembered, to keep the second sighting */

struct letter_paras {
    PangoContext *ctx;
    PangoFontDescription *font;
    int width;
    GHashTable *kept; /* text -> PangoLayout */
    GHashTable *seen; /* g_str_hash of a text, as a key only */
    PangoLayout **cur;
    size_t n, cap;
};

letter_paras *letter_paras_new(PangoContext *ctx, const PangoFontDescription *font, int width)
{
    letter_paras *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->ctx = g_object_ref(ctx);
    c->font = pango_font_description_copy(font);
    c->width = width;
    c->kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
    c->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    return c;
}

static PangoLayout *lay_out(letter_paras *c, const char *text, size_t len)
{
    PangoLayout *l = pango_layout_new(c->ctx);

    pango_layout_set_font_description(l, c->font);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_width(l, c->width);
    pango_layout_set_text(l, text, (int)len);
    pango_layout_get_line_count(l); /* lays it out now, once */
    return l;
}

/* The paragraph's layout, with a reference for the caller. */
static PangoLayout *paragraph(letter_paras *c, char *text, size_t len)
{
    char end = text[len];
    PangoLayout *l;

    text[len] = '\0';
    l = g_hash_table_lookup(c->kept, text);
    if (l) {
        text[len] = end;
        return g_object_ref(l);
    }
    l = lay_out(c, text, len);
    gpointer h = GUINT_TO_POINTER(g_str_hash(text));
    if (g_hash_table_contains(c->seen, h)) {
        if (g_hash_table_size(c->kept) >= KEPT_MAX)
            g_hash_table_remove_all(c->kept);
        g_hash_table_insert(c->kept, g_strdup(text), g_object_ref(l));
        g_object_set_data(G_OBJECT(l), "kept", l);
    } else {
        if (g_hash_table_size(c->seen) >= SEEN_MAX)
            g_hash_table_remove_all(c->seen);
        g_hash_table_add(c->seen, h);
    }
    text[len] = end;
    return l;
}

static void drop_current(letter_paras *c)
{
    for (size_t i = 0; i < c->n; i++)
        g_object_unref(c->cur[i]);
    c->n = 0;
}

int letter_paras_set(letter_paras *c, const char *text)
{
    char *copy = strdup(text), *p = copy;

    drop_current(c);
    if (!copy)
        return -1;
    for (;;) {
        size_t len = strcspn(p, "\n");
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16;
            PangoLayout **cur = realloc(c->cur, cap * sizeof *cur);
            if (!cur) {
                free(copy);
                return -1;
            }
            c->cur = cur, c->cap = cap;
        }
        c->cur[c->n++] = paragraph(c, p, len);
        if (!p[len])
            break;
        p += len + 1;
    }
    free(copy);
    return 0;
}

size_t letter_paras_count(const letter_paras *c)
{
    return c->n;
}

PangoLayout *letter_paras_get(const letter_paras *c, size_t i)
{
    return c->cur[i];
}

cairo_surface_t *letter_paras_recording(const letter_paras *c, size_t i)
{
    PangoLayout *l = c->cur[i];
    cairo_surface_t *rec = g_object_get_data(G_OBJECT(l), "recording");
    int w, h;

    if (rec || !g_object_get_data(G_OBJECT(l), "kept"))
        return rec;
    pango_layout_get_size(l, &w, &h);
    cairo_rectangle_t box = {0, 0, (double)w / PANGO_SCALE, (double)h / PANGO_SCALE + 1};
    rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &box);
    cairo_t *cr = cairo_create(rec);
    cairo_set_source_rgb(cr, 0, 0, 0);
    pango_cairo_show_layout(cr, l);
    cairo_destroy(cr);
    g_object_set_data_full(G_OBJECT(l), "recording", rec, (GDestroyNotify)cairo_surface_destroy);
    return rec;
}

void letter_paras_free(letter_paras *c)
{
    if (!c)
        return;
    drop_current(c);
    free(c->cur);
    g_hash_table_destroy(c->kept);
    g_hash_table_destroy(c->seen);
    pango_font_description_free(c->font);
    g_object_unref(c->ctx);
    free(c);
}
