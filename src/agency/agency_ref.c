/* agency_ref.c -- see agency_ref.h. */
#include "agency_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void agency_ref_run_id(const uint8_t csv_sha[SHA256_LEN],
                       const uint8_t template_sha[SHA256_LEN], const char *title,
                       const char *deadline, char out[AGENCY_RUN_ID_LEN + 1])
{
    static const char tag[] = "herald-run-v1";
    uint8_t msg[sizeof tag + 2 * (SHA256_LEN + 1)], inner[SHA256_LEN], sum[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    size_t n = 0;

    memcpy(msg, tag, sizeof tag); /* the NUL separates the fields */
    n += sizeof tag;
    memcpy(msg + n, csv_sha, SHA256_LEN);
    n += SHA256_LEN;
    msg[n++] = 0;
    memcpy(msg + n, template_sha, SHA256_LEN);
    n += SHA256_LEN;
    msg[n++] = 0;
    /* Title and deadline are variable length: hash them apart so that no
     * two (title, deadline) pairs give the same bytes. */
    sha256_2(title, strlen(title) + 1, deadline, strlen(deadline) + 1, inner);
    sha256_2(msg, n, inner, sizeof inner, sum);
    hex_encode(hex, sum, sizeof sum);
    memcpy(out, hex, AGENCY_RUN_ID_LEN);
    out[AGENCY_RUN_ID_LEN] = '\0';
}

void agency_ref_make(const char *run_id, long line, char out[FIELD_REFERENCE_MAX + 1])
{
    snprintf(out, FIELD_REFERENCE_MAX + 1, "%s-%ld", run_id, line);
}

void agency_ref_api(const char *caller_ref, char out[FIELD_REFERENCE_MAX + 1])
{
    static const char tag[] = "herald-api-ref-v1";
    uint8_t sum[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    size_t n = strlen(caller_ref);
    char *m = malloc(sizeof tag + n);

    if (!m) { /* never trusted as a reference: nothing matches it */
        snprintf(out, FIELD_REFERENCE_MAX + 1, "api-");
        return;
    }
    memcpy(m, tag, sizeof tag);
    memcpy(m + sizeof tag, caller_ref, n);
    sha256(m, sizeof tag + n, sum);
    free(m);
    hex_encode(hex, sum, sizeof sum);
    snprintf(out, FIELD_REFERENCE_MAX + 1, "api-%.32s", hex);
}

void agency_ref_api_at(const char *caller_ref, long long at_ms,
                       char out[FIELD_REFERENCE_MAX + 1])
{
    char hashed[FIELD_REFERENCE_MAX + 1];

    agency_ref_api(caller_ref, hashed);
    snprintf(out, FIELD_REFERENCE_MAX + 1, "api-%012llx%.20s",
             (unsigned long long)at_ms & 0xffffffffffffULL, hashed + 4);
}

int agency_ref_link(const char *public_url, const char *reference,
                    char out[FIELD_LINK_MAX + 1])
{
    size_t n = strlen(public_url);
    int w;

    if (n && public_url[n - 1] == '/')
        n--;
    w = snprintf(out, FIELD_LINK_MAX + 1, "%.*s/documents/%s", (int)n, public_url, reference);
    return w < 0 || w > FIELD_LINK_MAX ? -1 : 0;
}

/* Room left in a link after its base: "/documents/" and a reference. */
#define LINK_TAIL_MAX 100

int agency_ref_public_url_ok(const char *u)
{
    size_t n = strlen(u);
    const char *host;

    if (n > FIELD_LINK_MAX - LINK_TAIL_MAX || !field_link_ok(u, n))
        return 0;
    host = u + (strncmp(u, "https://", 8) ? 7 : 8);
    if (!*host || *host == '/' || strpbrk(host, "?#\""))
        return 0;
    return 1;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* The calendar is field_deadline_parse's; the agency only narrows the
 * years. */
static const char *check_date(const char *s)
{
    int y, m, d;
    long long ms;

    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return "deadline must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.sss]Z";
    if (y < 2000 || y > 2999)
        return "deadline year must be 2000 to 2999";
    if (field_deadline_parse(s, 10, &ms) != 0)
        return "deadline is not a real date";
    return NULL;
}

static const char *check_time(const char *s)
{
    int h, mi, se, ms;
    size_t n = strlen(s);

    if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) || s[5] != ':' ||
        !digits(s + 6, 2, &se))
        return "deadline time must be HH:MM:SS[.sss]Z";
    if (h > 23 || mi > 59 || se > 59)
        return "deadline time is not a real time";
    if (n == 9 && s[8] == 'Z')
        return NULL;
    if (n == 13 && s[8] == '.' && digits(s + 9, 3, &ms) && s[12] == 'Z')
        return NULL;
    return "deadline time must be HH:MM:SS[.sss]Z (UTC)";
}

const char *agency_ref_deadline_check(const char *s)
{
    size_t n = strlen(s);
    const char *why;

    if (n < 10)
        return "deadline must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.sss]Z";
    if ((why = check_date(s)) != NULL)
        return why;
    if (n == 10)
        return NULL;
    if (s[10] != 'T')
        return "deadline must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.sss]Z";
    return check_time(s + 11);
}

int agency_ref_state_known(const char *s)
{
    static const char *const states[] = {"stored", "accepted", "relayed", "received",
                                         "read", "postal", "cancelled", "paid"};

    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (!strcmp(s, states[i]))
            return 1;
    return 0;
}

int agency_ref_state_final(const char *s)
{
    return !strcmp(s, "read") || !strcmp(s, "postal") || !strcmp(s, "cancelled") ||
           !strcmp(s, "paid");
}
