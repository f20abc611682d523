/* agency_problem.h -- the one error shape of the agency's back-office API:
 * RFC 9457 problem details (application/problem+json),
 *
 *   {"type":"urn:herald:problem:invalid-field","title":"Bad Request",
 *    "status":400,"detail":"…","field":"deadline","row":3}
 *
 * with "errors":[{"row","field","detail"}] when a request has several.
 * Any RRN-shaped number in a detail is masked after its sixth digit on the
 * way out, whatever produced the text. */
#ifndef HERALD_AGENCY_PROBLEM_H
#define HERALD_AGENCY_PROBLEM_H

#include <jansson.h>

#include "agency_api_input.h"
#include "http_server.h"

/* The problem object (a new reference); field NULL or "" and row 0 are
 * left out. */
json_t *agency_problem_json(int status, const char *field, long row, const char *detail);

/* Answers resp with the problem. */
void agency_problem(http_response *resp, int status, const char *field, long row,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Answers with every error of e: the first names field and row, all are
 * in "errors". */
void agency_problem_errors(http_response *resp, int status, const api_errors *e);

/* One error as {"row","field","detail"} (row and field left out when 0
 * or empty), detail masked. */
json_t *agency_problem_item(long row, const char *field, const char *detail);

/* Masks in place every run of 6 digits, an optional '-' and 7 more: the
 * digits after the sixth become '*'. */
void agency_problem_mask(char *s);

/* An http_refusal (http_server.h): the server's own answers (401 before
 * a body, 413, 404) as problems. */
void agency_problem_refusal(void *ctx, int status, const char *msg, http_response *resp);

#endif
