/* population.c -- see population.h. */
#include "population.h"

#include <stdio.h>
#include <string.h>

#include "pin.h"
#include "rrn.h"

/* splitmix64: a tiny, well-mixed generator; each citizen is derived from
 * (seed, index) alone so any one can be regenerated without the others. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned n)
{
    return (unsigned)(mix(s) % n);
}

static const char *const surnames[] = {"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"};
static const char *const syllables[] = {"민", "서", "지", "현", "우", "준", "영", "수", "하", "은", "도", "윤", "예", "진", "연", "호", "성", "경", "미", "숙"};
static const char *const cities[] = {"서울특별시 종로구", "서울특별시 강남구", "부산광역시 해운대구", "대구광역시 수성구", "인천광역시 남동구", "광주광역시 북구", "대전광역시 유성구", "경기도 수원시 팔달구", "강원특별자치도 춘천시", "제주특별자치도 제주시"};
static const char *const streets[] = {"세종대로", "테헤란로", "해운대로", "달구벌대로", "인주대로", "무등로", "대학로", "정조로", "중앙로", "연북로"};

static void make_name(uint64_t *s, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", surnames[pick(s, 16)], syllables[pick(s, 20)],
             syllables[pick(s, 20)]);
}

static void make_address(uint64_t *s, char *out, size_t len)
{
    snprintf(out, len, "%s %s %u, %u동 %u호", cities[pick(s, 10)], streets[pick(s, 10)],
             1 + pick(s, 300), 101 + pick(s, 20), 101 + pick(s, 1500));
}

/* Birth dates and sex digits, enumerated: before 2000, 65 years from
 * 1935 by 12 months by 28 days by two sex digits (1, 2); after October
 * 2020, the years from 2021 that are over by today, the sex digits 3, 4. */
#define RRN_OLD_FIRST 1935
#define RRN_OLD_YEARS 65
#define RRN_NEW_FIRST 2021
#define RRN_SERIALS 100000ULL
#define RRN_SERIAL_MULTIPLIER 77773ULL /* odd, not a multiple of 5 */

static uint64_t rrn_new_years(int today)
{
    int y = today / 10000 - RRN_NEW_FIRST;
    return y < 1 ? 1 : y > 5 ? 5 : (uint64_t)y;
}

/* RRNs are unique by construction, as real ones are (two citizens with
 * one RRN are one person to herald: the second sign-up is refused). The
 * index's last five decimal digits, spread by an odd multiplier, give the
 * serial; citizens with the same serial differ in the rest of the index,
 * which moves their birth date and sex digit along the enumeration from a
 * start drawn for that serial. So from 2026 on no two of the first 336
 * million citizens share an RRN (the 3,360 dates and sex digits of
 * 2021-2025 by 100,000 serials; fewer in earlier years). s still advances
 * as when every part was drawn once, so every other field of a citizen
 * stays as it was (the draw of a date was repeated only for one after
 * today, which no date of 2021-2025 is from 2026 on). */
static void make_rrn(uint64_t *s, uint64_t seed, uint64_t i, int today, int post2020,
                     char out[15])
{
    uint64_t residue = i % RRN_SERIALS, h = seed * 0x9e3779b97f4a7c15ULL + residue;
    uint64_t years = post2020 ? rrn_new_years(today) : RRN_OLD_YEARS;
    uint64_t combos = years * 12 * 28 * 2;
    uint64_t c = (mix(&h) % combos + i / RRN_SERIALS) % combos;
    unsigned serial = (unsigned)((residue * RRN_SERIAL_MULTIPLIER + seed) % RRN_SERIALS);
    int sdigit = (post2020 ? 3 : 1) + (int)(c % 2);
    int day = 1 + (int)(c / 2 % 28), month = 1 + (int)(c / 56 % 12);
    int year = (post2020 ? RRN_NEW_FIRST : RRN_OLD_FIRST) + (int)(c / 672);
    char d[13];

    for (int k = 0; k < 5; k++) /* year, month, day, sex digit, serial */
        pick(s, 2);
    snprintf(d, sizeof d, "%02d%02d%02d%d%05u", year % 100, month, day, sdigit, serial);
    /* Before October 2020 the last digit is the check digit; after, random. */
    int last = post2020 ? (int)pick(s, 10) : rrn_check_digit(d);
    snprintf(out, 15, "%.6s-%.6s%d", d, d + 6, last);
}

/* Membership: most people on the messenger, many also on the carrier,
 * some on the carrier only, and about one in ten on neither (paper). */
static void make_membership(uint64_t *s, citizen *c)
{
    unsigned r = pick(s, 100);

    c->member[0] = r < 75;
    c->member[1] = (r >= 45 && r < 90);
    for (int p = 0; p < POP_PLATFORMS; p++)
        c->consent[p] = c->member[p] && pick(s, 100) < 95;
    /* Members of both mostly prefer the messenger. */
    int messenger_first = pick(s, 100) < 80;
    c->preference[0] = messenger_first ? 1 : 2;
    c->preference[1] = messenger_first ? 2 : 1;
}

/* Phone numbers: 010 and eight digits, i * PHONE_MULTIPLIER +
 * PHONE_OFFSET mod 10^8. PHONE_INVERSE * PHONE_MULTIPLIER = 1 mod 10^8,
 * which takes a number back to its index. */
#define PHONE_MULTIPLIER 7919ULL
#define PHONE_INVERSE 40017679ULL
#define PHONE_OFFSET 12345678ULL
#define PHONE_SPACE 100000000ULL

/* A PIN the platforms accept: one they would refuse (guessable, or found
 * in the phone number or date of birth) moves on to the next value, so
 * the draws after it stay as they were. */
static void make_pin(unsigned v, const citizen *c, char *pin, size_t cap)
{
    rrn r;
    const char *why;
    int birth = rrn_parse(c->rrn, strlen(c->rrn), 99991231, 0, &r, &why) != RRN_INVALID
                    ? r.year * 10000 + r.month * 100 + r.day
                    : 0;

    snprintf(pin, cap, "%06u", v);
    while (pin_guessable(pin) || pin_echoes(pin, c->phone, birth)) {
        v = (v + 1) % 1000000;
        snprintf(pin, cap, "%06u", v);
    }
}

void population_citizen(uint64_t seed, uint64_t i, int today, citizen *c)
{
    uint64_t s = seed * 0x2545f4914f6cdd1dULL + i;

    memset(c, 0, sizeof *c);
    mix(&s);
    c->post2020 = pick(&s, 100) < 3;
    make_rrn(&s, seed, i, today, c->post2020, c->rrn);
    make_name(&s, c->name, sizeof c->name);
    make_address(&s, c->address, sizeof c->address);
    /* Phone numbers are unique by construction: the index spread over
     * eight digits with a fixed odd multiplier, which is a bijection mod
     * 10^8. */
    uint64_t p = (i * PHONE_MULTIPLIER + PHONE_OFFSET) % PHONE_SPACE;
    snprintf(c->phone, sizeof c->phone, "010-%04u-%04u", (unsigned)(p / 10000),
             (unsigned)(p % 10000));
    make_pin(pick(&s, 1000000), c, c->pin, sizeof c->pin);
    c->amount = 10000 + 1000 * (long)pick(&s, 500);
    make_membership(&s, c);
}

int population_reachable(const citizen *c)
{
    for (int p = 0; p < POP_PLATFORMS; p++)
        if (c->member[p] && c->consent[p])
            return 1;
    return 0;
}

int population_index_of_phone(const char *phone, uint64_t n, uint64_t *i)
{
    uint64_t p = 0;
    int digits = 0;

    if (strncmp(phone, "010", 3) != 0)
        return -1;
    for (const char *c = phone + 3; *c; c++) {
        if (*c == '-')
            continue;
        if (*c < '0' || *c > '9' || ++digits > 8)
            return -1;
        p = p * 10 + (uint64_t)(*c - '0');
    }
    if (digits != 8)
        return -1;
    /* (p - offset) * inverse, mod 10^8: both factors are below 10^8, so
     * the product fits in 64 bits. */
    uint64_t k = (p + PHONE_SPACE - PHONE_OFFSET) % PHONE_SPACE * PHONE_INVERSE % PHONE_SPACE;
    if (k >= n)
        return -1;
    *i = k;
    return 0;
}
