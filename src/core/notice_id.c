/* notice_id.c -- see notice_id.h. */
#include "notice_id.h"

#define RAND_A_MAX 0xfffu
#define RAND_B_MAX ((UINT64_C(1) << 62) - 1)

/* Fresh randomness leaves the top bit of rand_a clear, so at least 2^73
 * ids fit in one millisecond before the counter has to borrow the next. */
static void reseed(notice_id_gen *g, long long ms, const uint8_t r[NOTICE_ID_RANDOM_LEN])
{
    g->last_ms = ms;
    g->rand_a = (uint16_t)(((r[0] & 0x07u) << 8) | r[1]);
    g->rand_b = 0;
    for (int i = 2; i < NOTICE_ID_RANDOM_LEN; i++)
        g->rand_b = (g->rand_b << 8) | r[i];
    g->rand_b &= RAND_B_MAX;
}

static void count_up(notice_id_gen *g, const uint8_t fresh[NOTICE_ID_RANDOM_LEN])
{
    if (g->rand_b < RAND_B_MAX) {
        g->rand_b++;
        return;
    }
    g->rand_b = 0;
    if (g->rand_a < RAND_A_MAX) {
        g->rand_a++;
        return;
    }
    reseed(g, g->last_ms + 1, fresh); /* borrow the next millisecond */
}

static void format(const notice_id_gen *g, char out[NOTICE_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    uint64_t ms = (uint64_t)g->last_ms & ((UINT64_C(1) << 48) - 1);
    int o = 0;

    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | (g->rand_a >> 8));
    b[7] = (uint8_t)g->rand_a;
    b[8] = (uint8_t)(0x80 | (g->rand_b >> 56));
    for (int i = 9; i < 16; i++)
        b[i] = (uint8_t)(g->rand_b >> (8 * (15 - i)));
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

void notice_id_next(notice_id_gen *g, long long now_ms,
                    const uint8_t fresh[NOTICE_ID_RANDOM_LEN], char out[NOTICE_ID_LEN + 1])
{
    if (now_ms > g->last_ms)
        reseed(g, now_ms, fresh);
    else
        count_up(g, fresh); /* same millisecond, or the clock went back */
    format(g, out);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int notice_id_is_well_formed(const char *s, size_t len)
{
    if (len != NOTICE_ID_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (hexval(s[i]) < 0) {
            return 0;
        }
    }
    return s[14] == '7' && hexval(s[19]) >= 8 && hexval(s[19]) <= 11;
}

long long notice_id_ms(const char id[NOTICE_ID_LEN])
{
    long long ms = 0;

    for (int i = 0; i < 13; i++)
        if (i != 8)
            ms = (ms << 4) | hexval(id[i]);
    return ms;
}
