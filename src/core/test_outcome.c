/* test_outcome.c -- see test_outcome.h. The delays are those of a quick
 * real notice on loopback: relay within a second, the inbox within a few,
 * reading a few seconds later; paper and failure once the hub has found
 * that no platform reaches the recipient. */
#include "test_outcome.h"

#include <string.h>

static const struct {
    const char *rrn, *name;
} magic[TEST_OUTCOMES] = {
    [TEST_UNREAD] = {TEST_RRN_UNREAD, "unread"},
    [TEST_READ] = {TEST_RRN_READ, "read"},
    [TEST_PAPER] = {TEST_RRN_PAPER, "paper"},
    [TEST_FAILED] = {TEST_RRN_FAILED, "failed"},
};

static const test_step delivered[] = {
    {"relayed", 1000, NULL},
    {"received", 2500, NULL},
    {"read", 6000, NULL},
};
static const test_step paper[] = {
    {"postal", 4000, "no platform reaches the recipient: sent on paper (test)"},
};
static const test_step failed[] = {
    {"failed", 3000, "neither a platform nor a postal address reaches the recipient (test)"},
};

test_outcome test_outcome_of(const char *digits)
{
    for (int o = 0; o < TEST_OUTCOMES; o++) {
        const char *m = magic[o].rrn;
        /* the magic RRN without its hyphen */
        if (!strncmp(digits, m, 6) && !strncmp(digits + 6, m + 7, 7))
            return (test_outcome)o;
    }
    return TEST_UNREAD;
}

const char *test_outcome_name(test_outcome o)
{
    return (unsigned)o < TEST_OUTCOMES ? magic[o].name : "unread";
}

int test_outcome_parse(const char *name)
{
    for (int o = 0; o < TEST_OUTCOMES; o++)
        if (name && !strcmp(name, magic[o].name))
            return o;
    return -1;
}

int test_outcome_step(test_outcome o, int i, test_step *out)
{
    const test_step *v = delivered;
    int n = 2;

    if (o == TEST_READ)
        n = 3;
    else if (o == TEST_PAPER)
        v = paper, n = 1;
    else if (o == TEST_FAILED)
        v = failed, n = 1;
    if (i < 0 || i >= n)
        return 0;
    *out = v[i];
    return 1;
}
