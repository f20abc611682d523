/* test_outcome.h -- what a notice posted with a test key becomes.
 *
 * A test key (`herald agency key add --test`) runs the agency's whole
 * pipeline but never reaches idsvc or the hub: the recipient's RRN picks a
 * simulated outcome, played out in seconds as the real one would be.
 * Four magic RRNs, synthetic (born 1900-01-01) with a valid check digit,
 * name the four outcomes; any other valid RRN is delivered and left
 * unread. docs/protocol.md ("Test keys") lists them.
 *
 * Pure: the RRN's digits in, a schedule of state changes out. */
#ifndef HERALD_TEST_OUTCOME_H
#define HERALD_TEST_OUTCOME_H

typedef enum test_outcome {
    TEST_UNREAD = 0, /* relayed, received, never read */
    TEST_READ,       /* relayed, received, read */
    TEST_PAPER,      /* no platform reaches the recipient: a letter */
    TEST_FAILED,     /* neither a platform nor paper reaches the recipient */
    TEST_OUTCOMES
} test_outcome;

#define TEST_RRN_READ "000101-1000018"
#define TEST_RRN_UNREAD "000101-1000023"
#define TEST_RRN_PAPER "000101-1000039"
#define TEST_RRN_FAILED "000101-1000044"

/* The outcome of an RRN given as its 13 digits (no hyphen). */
test_outcome test_outcome_of(const char *digits);

/* "read", "unread", "paper", "failed"; and back (-1 when unknown). */
const char *test_outcome_name(test_outcome o);
int test_outcome_parse(const char *name);

/* One state change after the notice was accepted. */
typedef struct test_step {
    const char *state;  /* relayed, received, read, postal, failed */
    long after_ms;      /* from the acceptance */
    const char *reason; /* NULL for none */
} test_step;

/* Step i (0, 1, ...) of outcome o: 1 with *out filled, 0 after the last. */
int test_outcome_step(test_outcome o, int i, test_step *out);

#endif
