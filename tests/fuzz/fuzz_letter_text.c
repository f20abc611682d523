/* fuzz_letter_text.c -- a stored document (the agency's template with
 * its fields) turned into a letter's text: tags, attributes, entities,
 * lists and links; then a name or address, and a value, checked as the
 * intake does. */
#include "buf.h"
#include "fuzz.h"
#include "letter_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    buf out;

    buf_init(&out, 256);
    (void)letter_text_from_html((const char *)data, size, &out, err, sizeof err);
    buf_free(&out);
    (void)letter_field_problem((const char *)data, size);
    (void)letter_value_problem((const char *)data, size);
    return 0;
}
