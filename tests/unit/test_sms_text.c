/* Unit tests for sms_text.c: one segment or several, the 67/70 unit
 * boundaries with ASCII, Hangul and surrogate pairs, the header's bytes,
 * the limits, and refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sms_text.h"

#define HANGUL_GA "\xea\xb0\x80" /* U+AC00, 가: 3 bytes, one unit */
#define EMOJI "\xf0\x9f\x98\x80"  /* U+1F600: 4 bytes, a pair D83D DE00 */

static sms_segment segs[SMS_TEXT_MAX_SEGMENTS];
static char text[20000];

/* text = n copies of piece, after prefix; returns its length. */
static size_t repeat(const char *prefix, const char *piece, size_t n)
{
    size_t len = strlen(prefix), k = strlen(piece);

    memcpy(text, prefix, len);
    for (size_t i = 0; i < n; i++, len += k)
        memcpy(text + len, piece, k);
    text[len] = '\0';
    return len;
}

static size_t cut(const char *s, size_t len, uint8_t ref)
{
    size_t n = 99;
    const char *why = NULL;

    assert_int_equal(sms_text_segments(s, len, ref, segs, SMS_TEXT_MAX_SEGMENTS, &n, &why), 0);
    assert_null(why);
    return n;
}

static void refused(const char *s, size_t len, size_t max)
{
    size_t n = 99;
    const char *why = NULL;

    assert_int_equal(sms_text_segments(s, len, 7, segs, max, &n, &why), -1);
    assert_int_equal(n, 0);
    assert_non_null(why);
}

static void header_is(const sms_segment *g, uint8_t ref, uint8_t total, uint8_t seq)
{
    const uint8_t udh[6] = {0x05, 0x00, 0x03, ref, total, seq};

    assert_true(g->udhi);
    assert_memory_equal(g->data, udh, 6);
}

static void ascii_single(void **state)
{
    (void)state;
    const uint8_t want[] = {0x00, 'H', 0x00, 'i', 0x00, '!'};

    assert_int_equal(cut("Hi!", 3, 1), 1);
    assert_false(segs[0].udhi);
    assert_int_equal(segs[0].len, sizeof want);
    assert_memory_equal(segs[0].data, want, sizeof want);
}

static void ascii_boundaries(void **state)
{
    (void)state;
    size_t len = repeat("", "a", 70);

    assert_int_equal(cut(text, len, 1), 1); /* 70 units: whole, no header */
    assert_false(segs[0].udhi);
    assert_int_equal(segs[0].len, 140);

    len = repeat("", "a", 71); /* 71: 67 + 4 */
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[0].len, 6 + 134);
    assert_int_equal(segs[1].len, 6 + 8);

    len = repeat("", "a", 134); /* two full parts */
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[1].len, 140);
    len = repeat("", "a", 135);
    assert_int_equal(cut(text, len, 1), 3);
    assert_int_equal(segs[2].len, 6 + 2);
}

static void hangul(void **state)
{
    (void)state;
    /* "안녕" U+C548 U+B155 */
    const uint8_t want[] = {0xc5, 0x48, 0xb1, 0x55};
    size_t len;

    assert_int_equal(cut("\xec\x95\x88\xeb\x85\x95", 6, 1), 1);
    assert_int_equal(segs[0].len, 4);
    assert_memory_equal(segs[0].data, want, 4);

    len = repeat("", HANGUL_GA, 70); /* 210 bytes of UTF-8, 70 units */
    assert_int_equal(len, 210);
    assert_int_equal(cut(text, len, 1), 1);
    assert_int_equal(segs[0].len, 140);
    assert_int_equal(segs[0].data[0], 0xac);
    assert_int_equal(segs[0].data[1], 0x00);

    len = repeat("", HANGUL_GA, 71);
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[0].len, 140);
    assert_int_equal(segs[1].len, 6 + 8);
    assert_int_equal(segs[1].data[6], 0xac);
}

static void emoji_pairs(void **state)
{
    (void)state;
    const uint8_t pair[] = {0xd8, 0x3d, 0xde, 0x00};
    size_t len;

    assert_int_equal(cut(EMOJI, 4, 1), 1);
    assert_int_equal(segs[0].len, 4);
    assert_memory_equal(segs[0].data, pair, 4);

    len = repeat("", EMOJI, 35); /* 70 units */
    assert_int_equal(cut(text, len, 1), 1);
    assert_int_equal(segs[0].len, 140);

    len = repeat("", EMOJI, 36); /* 72 units: a part holds 33 pairs, not 33.5 */
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[0].len, 6 + 132);
    assert_int_equal(segs[1].len, 6 + 12);
    assert_memory_equal(segs[1].data + 6, pair, 4);

    /* 66 units then a pair: the pair moves whole to part 2. */
    len = repeat("", "a", 66);
    memcpy(text + len, EMOJI "bbbbb", 9);
    len += 9;
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[0].len, 6 + 132);
    assert_int_equal(segs[0].data[6 + 131], 'a');
    assert_int_equal(segs[1].len, 6 + 14);
    assert_memory_equal(segs[1].data + 6, pair, 4);
    assert_int_equal(segs[1].data[6 + 5], 'b');

    /* 65 units then a pair: it fits, ending part 1 exactly. */
    len = repeat("", "a", 65);
    memcpy(text + len, EMOJI "bbbbb", 9);
    len += 9;
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[0].len, 140);
    assert_memory_equal(segs[0].data + 136, pair, 4);
    assert_int_equal(segs[1].len, 6 + 10);

    /* 69 units then a pair: 71 units, so not one segment. */
    len = repeat("", "a", 69);
    memcpy(text + len, EMOJI, 4);
    len += 4;
    assert_int_equal(cut(text, len, 1), 2);
    assert_int_equal(segs[0].len, 140);
    assert_int_equal(segs[1].len, 6 + 8);
    assert_memory_equal(segs[1].data + 10, pair, 4);
}

/* "abc..z" cycled over n characters. */
static size_t alphabet(size_t n)
{
    for (size_t i = 0; i < n; i++)
        text[i] = (char)('a' + i % 26);
    text[n] = '\0';
    return n;
}

static void two_segments_exact(void **state)
{
    (void)state;
    uint8_t want[140];
    size_t len = alphabet(100);

    assert_int_equal(cut(text, len, 0xa7), 2);
    header_is(&segs[0], 0xa7, 2, 1);
    header_is(&segs[1], 0xa7, 2, 2);
    for (size_t i = 0; i < 67; i++)
        want[2 * i] = 0, want[2 * i + 1] = (uint8_t)text[i];
    assert_int_equal(segs[0].len, 140);
    assert_memory_equal(segs[0].data + 6, want, 134);
    for (size_t i = 0; i < 33; i++)
        want[2 * i] = 0, want[2 * i + 1] = (uint8_t)text[67 + i];
    assert_int_equal(segs[1].len, 6 + 66);
    assert_memory_equal(segs[1].data + 6, want, 66);
}

static void three_segments_exact(void **state)
{
    (void)state;
    /* 67 x 가, 67 x a, then 나다 (U+B098 U+B2E4), reference 0. */
    static const uint8_t third[] = {0x05, 0x00, 0x03, 0x00, 0x03, 0x03,
                                    0xb0, 0x98, 0xb2, 0xe4};
    size_t len = repeat("", HANGUL_GA, 67);

    memset(text + len, 'a', 67);
    memcpy(text + len + 67, "\xeb\x82\x98\xeb\x8b\xa4", 6);
    len += 67 + 6;
    assert_int_equal(cut(text, len, 0), 3);
    header_is(&segs[0], 0, 3, 1);
    header_is(&segs[1], 0, 3, 2);
    for (size_t i = 0; i < 67; i++) {
        assert_int_equal(segs[0].data[6 + 2 * i], 0xac);
        assert_int_equal(segs[0].data[7 + 2 * i], 0x00);
        assert_int_equal(segs[1].data[6 + 2 * i], 0x00);
        assert_int_equal(segs[1].data[7 + 2 * i], 'a');
    }
    assert_int_equal(segs[0].len, 140);
    assert_int_equal(segs[1].len, 140);
    assert_int_equal(segs[2].len, sizeof third);
    assert_memory_equal(segs[2].data, third, sizeof third);
}

static void reference_wraps_octet(void **state)
{
    (void)state;
    size_t len = alphabet(200);

    assert_int_equal(cut(text, len, 0xff), 3);
    for (size_t k = 0; k < 3; k++)
        header_is(&segs[k], 0xff, 3, (uint8_t)(k + 1));
}

static void limits(void **state)
{
    (void)state;
    size_t len = alphabet(SMS_TEXT_MAX_SEGMENTS * 67);

    assert_int_equal(cut(text, len, 1), SMS_TEXT_MAX_SEGMENTS);
    header_is(&segs[SMS_TEXT_MAX_SEGMENTS - 1], 1, SMS_TEXT_MAX_SEGMENTS,
              SMS_TEXT_MAX_SEGMENTS);
    assert_int_equal(segs[SMS_TEXT_MAX_SEGMENTS - 1].len, 140);

    len = alphabet(SMS_TEXT_MAX_SEGMENTS * 67 + 1);
    assert_int_equal(sms_text_count(text, len), SMS_TEXT_MAX_SEGMENTS + 1);
    refused(text, len, SMS_TEXT_MAX_SEGMENTS);

    /* More than the header can number: still refused, and counted. */
    len = alphabet(255 * 67 + 1);
    assert_int_equal(sms_text_count(text, len), 256);
    refused(text, len, SMS_TEXT_MAX_SEGMENTS);

    /* The caller's room is a limit too. */
    len = alphabet(71);
    refused(text, len, 1);
    refused(text, len, 0);
    assert_int_equal(cut(text, len, 1), 2);
}

static void refusals(void **state)
{
    (void)state;
    size_t n = 99;
    const char *why = NULL;

    assert_int_equal(sms_text_segments("", 0, 1, segs, SMS_TEXT_MAX_SEGMENTS, &n, &why), -1);
    assert_int_equal(n, 0);
    assert_string_equal(why, "the text is empty");
    assert_int_equal(sms_text_count("", 0), 0);

    refused("\xff", 1, SMS_TEXT_MAX_SEGMENTS);
    refused("a\x80", 2, SMS_TEXT_MAX_SEGMENTS);            /* stray continuation */
    refused("\xc0\xaf", 2, SMS_TEXT_MAX_SEGMENTS);         /* overlong '/' */
    refused("\xed\xa0\x80", 3, SMS_TEXT_MAX_SEGMENTS);     /* a surrogate, encoded */
    refused("\xf4\x90\x80\x80", 4, SMS_TEXT_MAX_SEGMENTS); /* above U+10FFFF */
    refused("\xea\xb0", 2, SMS_TEXT_MAX_SEGMENTS);         /* cut short */
    refused(EMOJI, 3, SMS_TEXT_MAX_SEGMENTS);              /* cut short */
    assert_int_equal(sms_text_count("\xff", 1), 0);

    why = NULL;
    assert_int_equal(sms_text_segments("\xea\xb0", 2, 1, segs, 1, &n, &why), -1);
    assert_string_equal(why, "the text is not valid UTF-8");
}

/* UTF-16BE units back to UTF-8, for the round trip below. */
static size_t utf16_to_utf8(const uint8_t *u, size_t octets, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < octets; i += 2) {
        unsigned c = (unsigned)u[i] << 8 | u[i + 1];
        if (c >= 0xd800 && c < 0xdc00) {
            unsigned lo = (unsigned)u[i + 2] << 8 | u[i + 3];
            assert_true(lo >= 0xdc00 && lo < 0xe000);
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xc0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xe0 | c >> 12);
            out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | c >> 18);
            out[o++] = (char)(0x80 | (c >> 12 & 0x3f));
            out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    return o;
}

/* Random mixes of 1- to 4-byte characters of every length up to the
 * limit: the segments put back together are the text, no segment passes
 * 140 octets or ends inside a pair, and the headers count right. */
static void round_trip(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "\xc3\xa9", HANGUL_GA, EMOJI};
    static char back[sizeof text];
    unsigned seed = 17;

    for (int run = 0; run < 3000; run++) {
        size_t len = 0, chars = (size_t)(rand_r(&seed) % 700) + 1, n, blen = 0;
        const char *why;

        for (size_t i = 0; i < chars; i++) {
            const char *p = pieces[rand_r(&seed) % 4];
            memcpy(text + len, p, strlen(p));
            len += strlen(p);
        }
        size_t want = sms_text_count(text, len);
        if (sms_text_segments(text, len, (uint8_t)run, segs, SMS_TEXT_MAX_SEGMENTS, &n, &why) < 0) {
            assert_true(want > SMS_TEXT_MAX_SEGMENTS);
            continue;
        }
        assert_int_equal(n, want);
        for (size_t k = 0; k < n; k++) {
            const sms_segment *g = &segs[k];
            size_t skip = g->udhi ? 6 : 0;
            assert_true(g->len <= 140);
            assert_int_equal(g->udhi, n > 1);
            if (n > 1)
                header_is(g, (uint8_t)run, (uint8_t)n, (uint8_t)(k + 1));
            assert_int_equal((g->len - skip) % 2, 0);
            assert_false(g->data[g->len - 2] >= 0xd8 && g->data[g->len - 2] < 0xdc);
            blen += utf16_to_utf8(g->data + skip, g->len - skip, back + blen);
        }
        assert_int_equal(blen, len);
        assert_memory_equal(back, text, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ascii_single),
        cmocka_unit_test(ascii_boundaries),
        cmocka_unit_test(hangul),
        cmocka_unit_test(emoji_pairs),
        cmocka_unit_test(two_segments_exact),
        cmocka_unit_test(three_segments_exact),
        cmocka_unit_test(reference_wraps_octet),
        cmocka_unit_test(limits),
        cmocka_unit_test(refusals),
        cmocka_unit_test(round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
