/* letter_pdf.c -- see letter_pdf.h. Positions are in millimetres, as the
 * envelope and fold standards give them, turned into points here. */
#include "letter_pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "letter_paras.h"

#define MM(x) ((x) * 72.0 / 25.4)
#define PAGE_W MM(210.0)
#define PAGE_H MM(297.0)
#define LEFT 25.0   /* body margins, mm */
#define RIGHT 20.0
#define BOTTOM 277.0 /* the body ends above the footer line */
#define FIRST_TOP 100.0 /* the first page's body, under the window */
/* The DIN 5008 form B address field, mm from the sheet's top left. */
#define ADDR_X 20.0
#define ADDR_Y 45.0
#define ADDR_W 85.0
#define RETURN_H 5.0
#define NOTE_H 12.7
#define RECIPIENT_H 27.3
/* The information block beside it, and the QR code under it. */
#define INFO_X 125.0
#define QR_MM 28.0

struct letter_pdf {
    FILE *out;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoLayout *text;
    letter_paras *body;
    PangoFontDescription *fonts[6], *recipient[4];
    /* What every letter shows the same, drawn once and painted on each
     * letter: the PDF holds it once, as a form every first page uses. */
    cairo_surface_t *first_page; /* marks, return block, window's return line and class */
    cairo_surface_t *qr_note;    /* beside the code, at the origin: moved to its place */
    /* Blocks of text by font and width, each line laid out once a batch
     * when it repeats (the labels, the date line, the verify link). */
    struct block {
        int font;
        double w;
        letter_paras *lines;
    } blocks[8];
    int nblocks;
    letter_sender sender;
    int write_failed;
    int write_errno; /* errno of the first write that failed */
    double first_top; /* mm: the current letter's body on its first page */
};

enum { F_SMALL, F_NOTE, F_INFO, F_BODY, F_BOLD, F_RETURN };

const char *letter_fit_name(letter_fit f)
{
    static const char *const names[] = {"ok", "wrapped", "shrunk", "overflow",
                                        "missing_glyphs"};

    return (unsigned)f < 5 ? names[f] : "unknown";
}

static cairo_status_t write_out(void *ctx, const unsigned char *data, unsigned int len)
{
    letter_pdf *p = ctx;

    if (fwrite(data, 1, len, p->out) != len) {
        if (!p->write_failed)
            p->write_errno = errno;
        p->write_failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Lays text out in the shared layout at width mm; its height in mm. */
static double set_text(letter_pdf *p, const PangoFontDescription *font, double w,
                       const char *text)
{
    int pw, ph;

    pango_layout_set_font_description(p->text, font);
    pango_layout_set_width(p->text, (int)(MM(w) * PANGO_SCALE));
    pango_layout_set_text(p->text, text, -1);
    pango_layout_get_size(p->text, &pw, &ph);
    return (double)ph / PANGO_SCALE * 25.4 / 72.0;
}

/* Draws text at (x, y) mm; returns y below it. */
static double text_at(letter_pdf *p, int font, double x, double y, double w, const char *text)
{
    double h = set_text(p, p->fonts[font], w, text);

    cairo_move_to(p->cr, MM(x), MM(y));
    pango_cairo_show_layout(p->cr, p->text);
    return y + h;
}

/* The cache of lines for a font and width; NULL when out of memory. */
static letter_paras *block(letter_pdf *p, int font, double w)
{
    int i;

    for (i = 0; i < p->nblocks; i++)
        if (p->blocks[i].font == font && p->blocks[i].w == w)
            return p->blocks[i].lines;
    if (i == (int)(sizeof p->blocks / sizeof p->blocks[0]))
        return NULL;
    p->blocks[i] = (struct block){font, w, letter_paras_new(pango_layout_get_context(p->text),
                                                           p->fonts[font],
                                                           (int)(MM(w) * PANGO_SCALE))};
    return p->blocks[i].lines ? (p->nblocks++, p->blocks[i].lines) : NULL;
}

static double pango_mm(int v)
{
    return (double)v / PANGO_SCALE * 25.4 / 72.0;
}

/* A block of text laid out and measured before it is drawn: its lines in
 * the batch's cache for its font and width, or, out of memory, none (it
 * is then set again in the shared layout when drawn). The lines stay
 * valid until the next block of that font and width is laid out. */
typedef struct laid {
    letter_paras *lines;
    int font;
    double w, h; /* mm */
    const char *text;
} laid;

static laid lay_out(letter_pdf *p, int font, double w, const char *text)
{
    laid b = {block(p, font, w), font, w, 0, text};

    if (!b.lines || letter_paras_set(b.lines, text) != 0) {
        b.lines = NULL;
        b.h = set_text(p, p->fonts[font], w, text);
        return b;
    }
    for (size_t i = 0; i < letter_paras_count(b.lines); i++) {
        int h;
        pango_layout_get_size(letter_paras_get(b.lines, i), NULL, &h);
        b.h += pango_mm(h);
    }
    return b;
}

/* Draws a laid out block at (x, y) mm line by line, a line seen before in
 * the batch as its recording; returns y below it. */
static double draw_laid(letter_pdf *p, const laid *b, double x, double y)
{
    if (!b->lines)
        return text_at(p, b->font, x, y, b->w, b->text);
    for (size_t i = 0; i < letter_paras_count(b->lines); i++) {
        PangoLayout *lay = letter_paras_get(b->lines, i);
        cairo_surface_t *rec = letter_paras_recording(b->lines, i);
        int h;
        if (rec) {
            cairo_set_source_surface(p->cr, rec, MM(x), MM(y));
            cairo_paint(p->cr);
            cairo_set_source_rgb(p->cr, 0, 0, 0);
        } else {
            cairo_move_to(p->cr, MM(x), MM(y));
            pango_cairo_show_layout(p->cr, lay);
        }
        pango_layout_get_size(lay, NULL, &h);
        y += pango_mm(h);
    }
    return y;
}

/* Draws text at (x, y) mm; returns y below it. */
static double block_at(letter_pdf *p, int font, double x, double y, double w, const char *text)
{
    laid b = lay_out(p, font, w, text);

    return draw_laid(p, &b, x, y);
}

/* The code as a 1-bit image, one pixel a module, scaled without
 * smoothing: a few hundred bytes in the PDF where a path of its modules
 * cost a third of the run's time in number formatting. */
static void draw_qr(cairo_t *cr, const char *url, double x, double y, double size)
{
    QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    cairo_surface_t *img;
    int w, stride;

    if (!qr)
        return;
    w = qr->width + 2; /* a one-module quiet zone each side */
    img = cairo_image_surface_create(CAIRO_FORMAT_A1, w, w);
    stride = cairo_image_surface_get_stride(img);
    cairo_surface_flush(img);
    unsigned char *px = cairo_image_surface_get_data(img);
    memset(px, 0, (size_t)stride * w);
    for (int r = 0; r < qr->width; r++)
        for (int c = 0; c < qr->width; c++)
            if (qr->data[r * qr->width + c] & 1) {
                int col = c + 1;
                uint32_t *word = (uint32_t *)(px + (size_t)(r + 1) * stride) + col / 32;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                *word |= 1u << (col % 32);
#else
                *word |= 1u << (31 - col % 32);
#endif
            }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_translate(cr, MM(x), MM(y));
    cairo_scale(cr, MM(size) / w, MM(size) / w);
    cairo_pattern_t *pat = cairo_pattern_create_for_surface(img);
    cairo_pattern_set_filter(pat, CAIRO_FILTER_NEAREST); /* sharp modules */
    cairo_mask(cr, pat);
    cairo_pattern_destroy(pat);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    QRcode_free(qr);
}

/* Fold marks at 105 and 210 mm and the punch mark at 148.5 mm (DIN 5008). */
static void draw_marks(cairo_t *cr)
{
    static const double at[] = {105.0, 148.5, 210.0};

    cairo_set_line_width(cr, 0.3);
    for (int i = 0; i < 3; i++) {
        cairo_move_to(cr, MM(3.0), MM(at[i]));
        cairo_line_to(cr, MM(i == 1 ? 9.0 : 7.0), MM(at[i]));
    }
    cairo_stroke(cr);
}

/* The recipient in the 27.3 mm zone: 10 pt, else smaller to 7 pt, else
 * 7 pt past the zone; always whole. */
static letter_fit draw_recipient(letter_pdf *p, const letter *l)
{
    size_t n = strlen(l->name), m = strlen(l->address);
    char *text = malloc(n + m + 2);
    letter_fit fit = LETTER_FIT_OVERFLOW;

    if (!text)
        return LETTER_FIT_OVERFLOW;
    memcpy(text, l->name, n);
    text[n] = '\n';
    memcpy(text + n + 1, l->address, m + 1);
    for (int i = 0; i < 4; i++)
        if (set_text(p, p->recipient[i], ADDR_W - 5.0, text) <= RECIPIENT_H) {
            fit = i ? LETTER_FIT_SHRUNK
                    : pango_layout_is_wrapped(p->text) ? LETTER_FIT_WRAPPED : LETTER_FIT_OK;
            break;
        }
    /* A script no installed font covers prints as boxes: a letter the
     * post cannot deliver, which must not pass for one that fits. */
    if (pango_layout_get_unknown_glyphs_count(p->text) > 0)
        fit = LETTER_FIT_GLYPHS;
    cairo_move_to(p->cr, MM(ADDR_X + 5.0), MM(ADDR_Y + RETURN_H + NOTE_H));
    pango_cairo_show_layout(p->cr, p->text);
    free(text);
    return fit;
}

/* Paints a recorded part with its origin at (0, y) mm. */
static void paint_at(cairo_t *cr, cairo_surface_t *part, double y)
{
    cairo_set_source_surface(cr, part, 0, MM(y));
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
}

/* The first page's parts that are the same on every letter. */
static void draw_first_page_fixed(letter_pdf *p)
{
    const letter_sender *s = &p->sender;
    char line[1024];
    double y;

    draw_marks(p->cr);
    y = text_at(p, F_BOLD, LEFT, 12.0, 95.0, s->name);
    if (s->address[0])
        y = text_at(p, F_RETURN, LEFT, y + 0.5, 95.0, s->address);
    if (s->contact[0])
        text_at(p, F_RETURN, LEFT, y + 0.5, 95.0, s->contact);
    snprintf(line, sizeof line, "%s%s%s", s->name, s->address[0] ? " \xC2\xB7 " : "",
             s->address);
    for (char *c = line; *c; c++)
        if (*c == '\n')
            *c = ' ';
    text_at(p, F_SMALL, ADDR_X + 5.0, ADDR_Y + 1.0, ADDR_W - 5.0, line);
    text_at(p, F_NOTE, ADDR_X + 5.0, ADDR_Y + RETURN_H + 6.0, ADDR_W - 5.0, s->postal_class);
}

static void draw_qr_note(letter_pdf *p)
{
    text_at(p, F_NOTE, INFO_X + QR_MM + 1.0, 3.0, 210.0 - INFO_X - QR_MM - RIGHT,
            "QR 코드나 아래 주소로 로그인 후 온라인으로 열람할 수 있습니다.\n"
            "Scan the code or open the address below to read it online after signing in.");
}

/* Draws with draw into a recording surface the size of a page. */
static cairo_surface_t *record(letter_pdf *p, void (*draw)(letter_pdf *))
{
    cairo_rectangle_t page = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
    cairo_t *pdf = p->cr;

    p->cr = cairo_create(rec);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    draw(p);
    cairo_destroy(p->cr);
    p->cr = pdf;
    return rec;
}

/* The head beside and under the window, laid out for a page count: the
 * information block, then the QR code, then its links. */
typedef struct head {
    char info[1024], links[1024];
    laid info_b, links_b;
} head;

/* Lays out the head; returns the mm below its last line. */
static double lay_out_head(letter_pdf *p, const letter *l, int pages, head *h)
{
    snprintf(h->info, sizeof h->info,
             "문서 번호 / Reference\n%s\n고지 번호 / Notice\n%s\n발송일 / Date: %s \xC2\xB7 "
             "%d쪽 / %d page%s",
             l->reference, l->notice, p->sender.date, pages, pages, pages > 1 ? "s" : "");
    snprintf(h->links, sizeof h->links, "%s%s%s", l->read_url,
             l->verify_url ? "\n유통증명서 확인 / Check its certificate: " : "",
             l->verify_url ? l->verify_url : "");
    h->info_b = lay_out(p, F_INFO, 210.0 - INFO_X - RIGHT, h->info);
    h->links_b = lay_out(p, F_SMALL, 210.0 - INFO_X - 10.0, h->links);
    return ADDR_Y + h->info_b.h + QR_MM + 0.5 + h->links_b.h;
}

static void draw_head(letter_pdf *p, const letter *l, const head *h, letter_fit *fit)
{
    double y;

    paint_at(p->cr, p->first_page, 0);
    *fit = draw_recipient(p, l);
    y = draw_laid(p, &h->info_b, INFO_X, ADDR_Y);
    draw_qr(p->cr, l->read_url, INFO_X - 1.0, y, QR_MM);
    paint_at(p->cr, p->qr_note, y);
    draw_laid(p, &h->links_b, INFO_X, y + QR_MM + 0.5);
}

static void draw_footer(letter_pdf *p, const letter *l, int page, int pages)
{
    char line[512];

    snprintf(line, sizeof line, "%s \xC2\xB7 %s \xC2\xB7 %d / %d", p->sender.name, l->reference,
             page, pages);
    block_at(p, F_SMALL, LEFT, 284.0, 210.0 - LEFT - RIGHT, line);
}

/* Where each page's body begins: under the window and the head on the
 * first (fit_head), near the top after. */
static double body_top(const letter_pdf *p, int page)
{
    return page == 1 ? p->first_top : 20.0;
}

/* Ends a page of the body and starts the next one's continuation line. */
static void next_page(letter_pdf *p, const letter *l, int page, int pages)
{
    char head[256];

    draw_footer(p, l, page, pages);
    cairo_show_page(p->cr);
    snprintf(head, sizeof head, "%s \xC2\xB7 %s (계속 / continued)", p->sender.name,
             l->reference);
    block_at(p, F_SMALL, LEFT, 12.0, 210.0 - LEFT - RIGHT, head);
}

/* Goes through the body's lines, paragraph after paragraph, breaking pages
 * where a line would cross the bottom; draws them when l is given (pages
 * then the count from a first pass). Returns the page count. */
static int walk_body(letter_pdf *p, const letter *l, int pages)
{
    double flow = 0;   /* mm: the paragraph's top in the body's flow */
    double offset = 0; /* mm of the flow already on earlier pages */
    int page = 1;

    for (size_t i = 0; i < letter_paras_count(p->body); i++) {
        PangoLayout *lay = letter_paras_get(p->body, i);
        int w, h;
        pango_layout_get_size(lay, &w, &h);
        cairo_surface_t *rec = l ? letter_paras_recording(p->body, i) : NULL;
        if (rec && body_top(p, page) + flow - offset + pango_mm(h) <= BOTTOM) {
            /* the whole paragraph on this page: its recording */
            cairo_set_source_surface(p->cr, rec, MM(LEFT), MM(body_top(p, page) + flow - offset));
            cairo_paint(p->cr);
            cairo_set_source_rgb(p->cr, 0, 0, 0);
            flow += pango_mm(h);
            continue;
        }
        PangoLayoutIter *it = pango_layout_get_iter(lay);
        do {
            PangoRectangle r;
            pango_layout_iter_get_line_extents(it, NULL, &r);
            double top = flow + pango_mm(r.y);
            if (body_top(p, page) + top - offset + pango_mm(r.height) > BOTTOM) {
                if (l)
                    next_page(p, l, page, pages);
                page++;
                offset = top;
            }
            if (!l)
                continue;
            double base = flow + pango_mm(pango_layout_iter_get_baseline(it));
            cairo_move_to(p->cr, MM(LEFT), MM(body_top(p, page) + base - offset));
            pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
        } while (pango_layout_iter_next_line(it));
        pango_layout_iter_free(it);
        flow += pango_mm(h);
    }
    if (l) {
        draw_footer(p, l, page, pages);
        cairo_show_page(p->cr);
    }
    return page;
}

/* Lays out the head and finds where the body starts on the first page:
 * under the window, or lower when the head runs longer (a long reference
 * or link), so that no line is drawn over another. The head holds the
 * page count, which a lower start can raise: so again until the two
 * agree. The start only moves down, the count only up, so this ends.
 * Returns the page count. */
static int fit_head(letter_pdf *p, const letter *l, head *h)
{
    int pages = 0;

    p->first_top = FIRST_TOP;
    for (;;) {
        int n = walk_body(p, NULL, 0);
        if (n == pages)
            return pages;
        pages = n;
        /* box to box, as a paragraph's lines are: the usual head (two
         * lines of links) ends 0.06 mm under FIRST_TOP */
        double top = lay_out_head(p, l, pages, h);
        if (top <= p->first_top)
            return pages;
        p->first_top = top;
    }
}

/* Why drawing or writing failed, for an operator: the file's error (a
 * full disk) before cairo's own status. */
static void describe_failure(const letter_pdf *p, cairo_status_t st, char *err, size_t errlen)
{
    if (!err)
        return;
    if (p->write_failed)
        snprintf(err, errlen, "writing the PDF failed: %s",
                 p->write_errno ? strerror(p->write_errno) : "short write");
    else
        snprintf(err, errlen, "drawing the PDF failed: %s",
                 st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st) : "out of memory");
}

int letter_pdf_add(letter_pdf *p, const letter *l, int *pages, letter_fit *fit, char *err,
                   size_t errlen)
{
    if (letter_paras_set(p->body, l->text) != 0) {
        describe_failure(p, CAIRO_STATUS_SUCCESS, err, errlen);
        return -1;
    }
    head h;

    *pages = fit_head(p, l, &h);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    draw_head(p, l, &h, fit);
    walk_body(p, l, *pages);
    if (cairo_status(p->cr) == CAIRO_STATUS_SUCCESS && !p->write_failed)
        return 0;
    describe_failure(p, cairo_status(p->cr), err, errlen);
    return -1;
}

letter_pdf *letter_pdf_start(FILE *out, const letter_sender *sender, char *err, size_t errlen)
{
    static const char *const fonts[] = {
        "Noto Sans CJK KR 6", "Noto Sans CJK KR 7", "Noto Sans CJK KR 8",
        "Noto Sans CJK KR 10", "Noto Sans CJK KR Bold 11", "Noto Sans CJK KR 8",
    };
    static const char *const recipient[] = {"Noto Sans CJK KR 10", "Noto Sans CJK KR 9",
                                            "Noto Sans CJK KR 8", "Noto Sans CJK KR 7"};
    letter_pdf *p = calloc(1, sizeof *p);

    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->out = out;
    p->sender = *sender;
    p->surface = cairo_pdf_surface_create_for_stream(write_out, p, PAGE_W, PAGE_H);
    if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot start the PDF");
        cairo_surface_destroy(p->surface);
        free(p);
        return NULL;
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, "herald letters");
    p->cr = cairo_create(p->surface);
    p->text = pango_cairo_create_layout(p->cr);
    /* Font sizes in points of the page (pango's default is 96 dpi, which
     * would set "10" a third larger than 10 pt). */
    pango_cairo_context_set_resolution(pango_layout_get_context(p->text), 72.0);
    pango_layout_context_changed(p->text);
    for (size_t i = 0; i < sizeof fonts / sizeof fonts[0]; i++)
        p->fonts[i] = pango_font_description_from_string(fonts[i]);
    for (size_t i = 0; i < 4; i++)
        p->recipient[i] = pango_font_description_from_string(recipient[i]);
    pango_layout_set_wrap(p->text, PANGO_WRAP_WORD_CHAR);
    p->body = letter_paras_new(pango_layout_get_context(p->text), p->fonts[F_BODY],
                               (int)(MM(210.0 - LEFT - RIGHT) * PANGO_SCALE));
    p->first_page = record(p, draw_first_page_fixed);
    p->qr_note = record(p, draw_qr_note);
    if (!p->body) {
        snprintf(err, errlen, "out of memory");
        letter_pdf_finish(p, NULL, 0);
        return NULL;
    }
    return p;
}

int letter_pdf_finish(letter_pdf *p, char *err, size_t errlen)
{
    int ok;

    g_object_unref(p->text);
    letter_paras_free(p->body);
    for (int i = 0; i < p->nblocks; i++)
        letter_paras_free(p->blocks[i].lines);
    for (size_t i = 0; i < sizeof p->fonts / sizeof p->fonts[0]; i++)
        pango_font_description_free(p->fonts[i]);
    for (size_t i = 0; i < 4; i++)
        pango_font_description_free(p->recipient[i]);
    cairo_destroy(p->cr);
    cairo_surface_finish(p->surface);
    /* after the surface: the PDF writes the recorded parts at its end */
    cairo_surface_destroy(p->first_page);
    cairo_surface_destroy(p->qr_note);
    cairo_status_t st = cairo_surface_status(p->surface);
    ok = st == CAIRO_STATUS_SUCCESS && !p->write_failed;
    if (!ok)
        describe_failure(p, st, err, errlen);
    cairo_surface_destroy(p->surface);
    free(p);
    return ok ? 0 : -1;
}
