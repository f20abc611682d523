/* push_answer.c -- see push_answer.h. */
#include "push_answer.h"

#include <stdio.h>
#include <string.h>

#include "push_channel.h"

/* Of a body that is not JSON, this much is shown in the log. */
#define SHOWN_MAX 120

static const char default_reason[] = "rejected by the push gateway";

/* The start of body, printable, in out. */
static void shown(const char *body, size_t len, char *out, size_t outlen)
{
    size_t n = len < SHOWN_MAX ? len : SHOWN_MAX, j = 0;

    for (size_t i = 0; i < n && j + 1 < outlen; i++)
        out[j++] = body[i] >= ' ' && body[i] <= '~' ? body[i] : '?';
    out[j] = '\0';
}

/* Result i against alert id: 0 with *r filled, or -1 with why. */
static int result_read(json_t *o, size_t i, long long id, push_result *r, char *why,
                       size_t whylen)
{
    const char *got = json_string_value(json_object_get(o, "id"));
    const char *status = json_string_value(json_object_get(o, "status"));
    json_t *mid = json_object_get(o, "message_id"), *reason = json_object_get(o, "reason");
    char want[24];

    snprintf(want, sizeof want, "%lld", id);
    if (!got || strcmp(got, want) != 0) {
        snprintf(why, whylen, "result %zu is for id %s%.40s%s, not \"%s\"", i, got ? "\"" : "",
                 got ? got : "(none)", got ? "\"" : "", want);
        return -1;
    }
    memset(r, 0, sizeof *r);
    if (status && !strcmp(status, "accepted")) {
        if (!json_is_string(mid) ||
            !push_reference_ok(json_string_value(mid), json_string_length(mid))) {
            snprintf(why, whylen, "result %zu: accepted without a message_id of 1-%d printable "
                     "characters", i, PUSH_REFERENCE_MAX);
            return -1;
        }
        r->accepted = 1;
        r->message_id = json_string_value(mid);
        return 0;
    }
    if (status && !strcmp(status, "rejected")) {
        if (reason && !json_is_string(reason) && !json_is_null(reason)) {
            snprintf(why, whylen, "result %zu: reason is not a string", i);
            return -1;
        }
        r->reason = json_string_value(reason);
        if (!r->reason || !*r->reason)
            r->reason = default_reason;
        return 0;
    }
    snprintf(why, whylen, "result %zu: status is not \"accepted\" or \"rejected\"", i);
    return -1;
}

/* What was wrong goes to the log: whatever the gateway sent that it
 * quotes (an id, jansson's token) is made printable ASCII. */
static void printable(char *s)
{
    for (; *s; s++)
        if (*s < ' ' || *s > '~')
            *s = '?';
}

/* A phone the gateway echoes is not for the log in full: each run of 8
 * or more digits keeps its first 3 and last 4, as phones are logged
 * elsewhere (010****5678). */
static void mask_digit_runs(char *s)
{
    while (*s) {
        size_t run = 0;
        while (s[run] >= '0' && s[run] <= '9')
            run++;
        if (run >= 8)
            memset(s + 3, '*', run - 7);
        s += run ? run : 1;
    }
}

void push_answer_shown(const char *body, size_t len, char *out, size_t outlen)
{
    if (!body)
        len = 0;
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
        len--; /* a body's last line break would show as a '?' */
    if (outlen == 0)
        return;
    shown(len ? body : "", len, out, outlen);
    mask_digit_runs(out);
}

json_t *push_answer_read(const char *body, size_t len, const long long *ids, int n,
                         push_result *out, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *root = len ? json_loadb(body, len, 0, &jerr) : NULL, *results, *o;
    char start[SHOWN_MAX + 1];
    size_t i;

    if (!root) {
        shown(body, len, start, sizeof start);
        snprintf(why, whylen, "not JSON (%s): \"%s\"", len ? jerr.text : "empty body", start);
        printable(why);
        return NULL;
    }
    results = json_object_get(root, "results");
    if (!json_is_array(results)) {
        snprintf(why, whylen, "no \"results\" array");
        goto bad;
    }
    if (json_array_size(results) != (size_t)n) {
        snprintf(why, whylen, "%zu results for %d alerts", json_array_size(results), n);
        goto bad;
    }
    json_array_foreach(results, i, o) {
        if (result_read(o, i, ids[i], &out[i], why, whylen) != 0)
            goto bad;
    }
    return root;
bad:
    printable(why);
    json_decref(root);
    return NULL;
}
