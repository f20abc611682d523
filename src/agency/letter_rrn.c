/* letter_rrn.c -- see letter_rrn.h. */
#include "letter_rrn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "html_seen.h"
#include "rrn.h"

/* The 13 digits of the run at s[k] (rrn_find_valid's), hyphen left out. */
static void run_digits(const char *s, long k, char out[13])
{
    int hyphen = s[k + 6] == '-';

    memcpy(out, s + k, 6);
    memcpy(out + 6, s + k + 6 + hyphen, 7);
}

/* 1 when seen[0..n) shows a run with these digits, on any date. */
static int shows_run(const char *seen, size_t n, const char digits[13])
{
    char d[13];
    long k;

    for (size_t at = 0; (k = rrn_find_valid_from(seen, n, at, RRN_ANY_DAY)) >= 0;
         at = (size_t)k + 1) {
        run_digits(seen, k, d);
        if (!memcmp(d, digits, 13))
            return 1;
    }
    return 0;
}

int letter_rrn_added(const char *html, size_t html_len, const char *text, size_t text_len,
                     int today)
{
    html_seen_text r[2];
    void *block = html_seen_readings_new(html_len, r);
    char digits[13];
    int adds = 0;
    long k;

    if (!block)
        return 1;
    html_seen_split(html, html_len, &r[0], &r[1]);
    for (size_t at = 0; !adds && (k = rrn_find_valid_from(text, text_len, at, today)) >= 0;
         at = (size_t)k + 1) {
        run_digits(text, k, digits);
        adds = !shows_run(r[0].text, r[0].n, digits) && !shows_run(r[1].text, r[1].n, digits);
    }
    html_seen_readings_free(block, html_len);
    secure_wipe(digits, sizeof digits);
    return adds;
}
