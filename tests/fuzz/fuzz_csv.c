/* fuzz_csv.c -- the agency's recipient CSV: header, rows, quoting, limits. */
#include <stdio.h>

#include "csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csv_limits lim = {.max_field = 256, .max_fields = 16, .max_record = 1024};
    char err[256];
    FILE *f = fmemopen((void *)data, size, "r");
    csv_reader *r;
    csv_header *h;
    csv_row row;
    int rc;

    if (!f || size == 0) {
        if (f)
            fclose(f);
        return 0;
    }
    r = csv_open(f, &lim);
    if (r) {
        h = csv_read_header(r, err, sizeof err);
        if (h) {
            csv_expect_fields(r, csv_header_count(h));
            (void)csv_header_index(h, "rrn");
            csv_header_free(h);
        }
        while ((rc = csv_next(r, &row, err, sizeof err)) != CSV_EOF && rc != CSV_FATAL)
            if (rc == CSV_ROW)
                for (size_t i = 0; i < csv_row_count(&row); i++)
                    (void)csv_row_len(&row, i);
        csv_close(r);
    }
    fclose(f);
    return 0;
}
