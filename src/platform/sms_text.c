/* sms_text.c -- see sms_text.h. */
#include "sms_text.h"

#include "utf8.h"

#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

_Static_assert(SMS_TEXT_MAX_SEGMENTS <= 255, "the header numbers segments in one octet");
_Static_assert(SMS_TEXT_UDH_OCTETS + 2 * SMS_TEXT_PART_UNITS <= SMS_TEXT_OCTETS,
               "a part's units and header fit short_message");

/* The code point at s[*i], moving *i past it. s is valid UTF-8. */
static unsigned next_code_point(const unsigned char *s, size_t *i)
{
    unsigned c = s[*i], cp;
    size_t more;

    if (c < 0x80)
        more = 0, cp = c;
    else if (c < 0xe0)
        more = 1, cp = c & 0x1f;
    else if (c < 0xf0)
        more = 2, cp = c & 0x0f;
    else
        more = 3, cp = c & 0x07;
    (*i)++;
    while (more--)
        cp = (cp << 6) | (s[(*i)++] & 0x3f);
    return cp;
}

static size_t units_of(unsigned cp)
{
    return cp >= 0x10000 ? 2 : 1;
}

static size_t total_units(const unsigned char *s, size_t len)
{
    size_t i = 0, units = 0;

    while (i < len)
        units += units_of(next_code_point(s, &i));
    return units;
}

static void put_unit(sms_segment *g, unsigned u)
{
    g->data[g->len++] = (uint8_t)(u >> 8);
    g->data[g->len++] = (uint8_t)u;
}

static void put_code_point(sms_segment *g, unsigned cp)
{
    if (cp < 0x10000) {
        put_unit(g, cp);
        return;
    }
    cp -= 0x10000;
    put_unit(g, 0xd800 | (cp >> 10));
    put_unit(g, 0xdc00 | (cp & 0x3ff));
}

static void start_part(sms_segment *g, uint8_t ref, size_t total, size_t seq)
{
    const uint8_t udh[SMS_TEXT_UDH_OCTETS] = {0x05, 0x00, 0x03, ref, (uint8_t)total,
                                              (uint8_t)seq};

    memcpy(g->data, udh, sizeof udh);
    g->len = sizeof udh;
    g->udhi = 1;
}

/* Cuts a text of more than SMS_TEXT_SINGLE_UNITS units into parts of at
 * most SMS_TEXT_PART_UNITS, a pair moving whole to the next part when only
 * one unit is left. Writes them to out (total of them) unless out is NULL;
 * returns how many there are. */
static size_t cut_parts(const unsigned char *s, size_t len, uint8_t ref, size_t total,
                        sms_segment *out)
{
    size_t i = 0, parts = 1, used = 0;

    if (out)
        start_part(&out[0], ref, total, 1);
    while (i < len) {
        unsigned cp = next_code_point(s, &i);
        size_t w = units_of(cp);

        if (used + w > SMS_TEXT_PART_UNITS) {
            parts++, used = 0;
            if (out)
                start_part(&out[parts - 1], ref, total, parts);
        }
        used += w;
        if (out)
            put_code_point(&out[parts - 1], cp);
    }
    return parts;
}

/* s is valid UTF-8. */
static size_t segments_needed(const unsigned char *s, size_t len)
{
    if (total_units(s, len) <= SMS_TEXT_SINGLE_UNITS)
        return 1;
    return cut_parts(s, len, 0, 0, NULL);
}

size_t sms_text_count(const char *utf8, size_t len)
{
    if (len == 0 || !utf8_valid(utf8, len))
        return 0;
    return segments_needed((const unsigned char *)utf8, len);
}

static int refuse(size_t *n, const char **why, const char *reason)
{
    *n = 0;
    *why = reason;
    return -1;
}

int sms_text_segments(const char *utf8, size_t len, uint8_t ref, sms_segment out[], size_t max,
                      size_t *n, const char **why)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t total;

    if (len == 0)
        return refuse(n, why, "the text is empty");
    if (!utf8_valid(utf8, len))
        return refuse(n, why, "the text is not valid UTF-8");
    total = segments_needed(s, len);
    if (total > SMS_TEXT_MAX_SEGMENTS)
        return refuse(n, why, "the text is too long: an alert takes at most " STR(
                                  SMS_TEXT_MAX_SEGMENTS) " segments");
    if (total > max)
        return refuse(n, why, "the text needs more segments than the caller has room for");
    if (total == 1) {
        size_t i = 0;

        out[0].len = 0;
        out[0].udhi = 0;
        while (i < len)
            put_code_point(&out[0], next_code_point(s, &i));
    } else {
        cut_parts(s, len, ref, total, out);
    }
    *n = total;
    return 0;
}
