/* certificate_pdf.c -- a distribution certificate as one printed page.
 *
 * Courts and citizens read paper. The page shows what the JSON proves (the
 * notice, the signed tree head, the timeline of events, in Korean and
 * English) and a QR code that leads to the hub's verify page; the JSON
 * remains the thing that is verified. Drawn with cairo and pango so Korean
 * text is shaped properly with Noto CJK. */
#include "certificate_pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 50.0

/* Lays text out in width, and draws it at (x, y) when draw; the y under
 * it either way. */
static double lay_text(cairo_t *cr, double x, double y, double width, const char *font,
                       const char *text, int draw)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    int w, h;

    pango_layout_set_font_description(layout, desc);
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, text, -1);
    if (draw) {
        cairo_move_to(cr, x, y);
        pango_cairo_show_layout(cr, layout);
    }
    pango_layout_get_size(layout, &w, &h);
    pango_font_description_free(desc);
    g_object_unref(layout);
    return y + (double)h / PANGO_SCALE;
}

static double text_at(cairo_t *cr, double x, double y, double width, const char *font,
                      const char *text)
{
    return lay_text(cr, x, y, width, font, text, 1);
}

static void draw_qr(cairo_t *cr, const char *url, double x, double y, double size)
{
    QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

    if (!qr)
        return;
    double cell = size / (qr->width + 8);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < qr->width; r++)
        for (int c = 0; c < qr->width; c++)
            if (qr->data[r * qr->width + c] & 1)
                cairo_rectangle(cr, x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
    cairo_fill(cr);
    QRcode_free(qr);
}

static const char *event_korean(const char *event)
{
    static const struct { const char *en, *ko; } names[] = {
        {"SubmissionAcceptance", "발송 접수"},
        {"SubmissionRejection", "발송 거부"},
        {"RelayAcceptance", "중계 수락"},
        {"RelayRejection", "중계 거부"},
        {"RelayFailure", "중계 실패"},
        {"RelayToNonERDS", "우편 발송 전환"},
        {"ContentConsignment", "수신"},
        {"ConsignmentNotification", "수신 알림"},
        {"ConsignmentNotificationDelivery", "알림 도달"},
        {"ConsignmentNotificationFailure", "알림 실패"},
        {"ContentHandover", "열람"},
        {"ContentHandoverFailure", "열람 거부"},
        {"AcceptanceRejectionExpiry", "열람 기한 만료"},
        {"ReminderNotification", "열람 독려 알림"},
        {"ConsentPreNotification", "수신동의 사전안내"},
        {"ConsentAcceptance", "수신 동의"},
        {"PaymentReceived", "납부 확인"},
        {"PrintHandover", "우편 인쇄 인계"},
        {"NoticeCancellation", "발송 기관 철회"},
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].en, event))
            return names[i].ko;
    return "";
}

#define TIMELINE_FONT "Noto Sans CJK KR 9"
#define TIMELINE_NOTE_FONT "Noto Sans CJK KR Bold 9"

/* One event's line. */
static void event_line(const cert_event *e, char *line, size_t cap)
{
    char channel[sizeof e->channel + sizeof e->reference];

    cert_event_channel(e, channel, sizeof channel);
    snprintf(line, cap, "%s   %s / %s   (%s%s%s%s%s, leaf %llu)", e->at,
             event_korean(e->event), e->event, e->actor, e->reason[0] ? ": " : "", e->reason,
             channel[0] ? "; 채널 / channel " : "", channel, (unsigned long long)e->leaf_index);
}

static void more_line(size_t left, char *line, size_t cap)
{
    snprintf(line, cap, "… %zu개 이벤트 더 있음 / %zu more events: the JSON certificate holds"
             " them all (herald verify)", left, left);
}

/* The events from y down to at most end, each measured before it is
 * drawn; when some do not fit, a line saying how many (never a timeline
 * cut without saying so). */
static double draw_timeline(cairo_t *cr, const cert_result *res, double y, double end)
{
    double x = MARGIN + 8, w = PAGE_W - 2 * MARGIN - 8;
    char line[512], more[256];
    size_t i;

    y = text_at(cr, MARGIN, y, PAGE_W - 2 * MARGIN, "Noto Sans CJK KR Bold 11",
                "유통 이력 / Timeline of events") + 6;
    for (i = 0; i < res->count; i++) {
        event_line(&res->events[i], line, sizeof line);
        double next = lay_text(cr, x, y, w, TIMELINE_FONT, line, 0) + 3;
        /* room for the note too, unless this is the last event */
        more_line(res->count - i - 1, more, sizeof more);
        double note = i + 1 < res->count ? lay_text(cr, x, next, w, TIMELINE_NOTE_FONT, more, 0)
                                         : next;
        if (note > end)
            break;
        y = text_at(cr, x, y, w, TIMELINE_FONT, line) + 3;
    }
    if (i < res->count) {
        more_line(res->count - i, more, sizeof more);
        y = text_at(cr, x, y, w, TIMELINE_NOTE_FONT, more) + 3;
    }
    return y;
}

/* The legal effect under rule, and the rule, at y; drawn when draw, and
 * measured either way: the y under them. */
static double draw_effect(cairo_t *cr, const cert_result *res, const effect_rule *rule, double y,
                          int draw)
{
    char when[256], rule_text[EFFECT_RULE_TEXT_MAX + 1], line[1024];
    double w = PAGE_W - 2 * MARGIN - 120; /* clear of the QR code */

    effect_describe_certificate(rule, res, when, sizeof when);
    effect_rule_format(rule, rule_text, sizeof rule_text);
    snprintf(line, sizeof line, "효력 발생 / Legal effect: %s", when);
    y = lay_text(cr, MARGIN, y + 10, w, "Noto Sans CJK KR Bold 10", line, draw) + 2;
    snprintf(line, sizeof line, "규칙 / Rule: %s (the earliest of its terms)", rule_text);
    return lay_text(cr, MARGIN, y, w, "Noto Sans CJK KR 8", line, draw);
}

int certificate_pdf_write(const cert_result *res, const char *verify_url,
                          const effect_rule *rule, const char *path, char *err, size_t errlen)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    cairo_t *cr;
    char line[512];
    double y = MARGIN;

    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: cannot create PDF", path);
        cairo_surface_destroy(s);
        return -1;
    }
    cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    y = text_at(cr, MARGIN, y, PAGE_W - 2 * MARGIN, "Noto Sans CJK KR Bold 18",
                "전자문서 유통증명서") + 2;
    y = text_at(cr, MARGIN, y, PAGE_W - 2 * MARGIN, "Noto Sans CJK KR 12",
                "Certificate of electronic document distribution") + 18;
    snprintf(line, sizeof line, "문서 번호 / Notice: %s", res->notice);
    y = text_at(cr, MARGIN, y, PAGE_W - 2 * MARGIN, "Noto Sans Mono CJK KR 10", line) + 4;
    snprintf(line, sizeof line, "서명된 로그 / Signed log head: size %llu, time %llu ms",
             (unsigned long long)res->head.tree_size, (unsigned long long)res->head.timestamp_ms);
    y = text_at(cr, MARGIN, y, PAGE_W - 2 * MARGIN, "Noto Sans CJK KR 10", line) + 18;
    /* the timeline ends above the QR code (its top, PAGE_H - MARGIN -
     * 110), leaving room for the legal effect as measured */
    double end = PAGE_H - MARGIN - 110 - 4 - (rule ? draw_effect(cr, res, rule, 0, 0) : 0);
    y = draw_timeline(cr, res, y, end);
    if (rule)
        y = draw_effect(cr, res, rule, y, 1);
    int qr = verify_url && *verify_url;
    text_at(cr, MARGIN, PAGE_H - MARGIN - 60, PAGE_W - 2 * MARGIN - 130, "Noto Sans CJK KR 8",
            qr ? "이 증명서는 JSON 원본과 허브의 로그 공개키로 누구나 검증할 수 있습니다 "
                 "(herald verify). This page summarises the JSON certificate, which anyone can "
                 "verify offline against the hub's pinned log key; scan the code to check it."
               : "이 증명서는 JSON 원본과 허브의 로그 공개키로 누구나 검증할 수 있습니다 "
                 "(herald verify). This page summarises the JSON certificate, which anyone can "
                 "verify offline against the hub's pinned log key.");
    if (qr)
        draw_qr(cr, verify_url, PAGE_W - MARGIN - 110, PAGE_H - MARGIN - 110, 110);
    (void)y;
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    int ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    if (!ok) {
        snprintf(err, errlen, "%s: writing the PDF failed", path);
        return -1;
    }
    return 0;
}
