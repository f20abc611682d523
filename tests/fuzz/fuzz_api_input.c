/* fuzz_api_input.c -- what a back-office system posts to `agency serve`:
 * one notice or a bulk as JSON, or a bulk as CSV (agency_api_input.c),
 * payment objects and columns included. The first byte picks the form
 * (its value modulo 3: '0' one notice, '1' a JSON bulk, '2' a CSV bulk),
 * the rest is the body. */
#include "agency_api_input.h"
#include "fuzz.h"

#define NOW 1795000000000LL /* 2026-11-18 */

static void touch(const api_rows *rs, const api_errors *e)
{
    size_t sum = 0;

    for (size_t i = 0; i < rs->nrows; i++)
        for (size_t c = 0; c < rs->ncols; c++)
            sum += strlen(api_row_field(&rs->rows[i], c));
    for (size_t i = 0; i < e->n; i++)
        sum += strlen(e->v[i].detail) + strlen(e->v[i].field);
    if (sum == (size_t)-1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const api_common common = {"tax", "T", "2026-12-31", NULL, NULL};
    const char *body = (const char *)data + 1;
    api_errors e = {0};
    api_rows rs;
    int rc;

    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: rc = api_input_notice(body, size - 1, NOW, &rs, &e); break;
    case 1: rc = api_input_bulk_json(body, size - 1, NOW, &rs, &e); break;
    default: rc = api_input_bulk_csv(body, size - 1, &common, NOW, &rs, &e); break;
    }
    if (rc == API_IN_OK || rc == API_IN_BAD)
        touch(&rs, &e);
    api_rows_free(&rs);
    api_errors_free(&e);
    return 0;
}
