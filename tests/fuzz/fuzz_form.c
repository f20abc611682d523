/* fuzz_form.c -- application/x-www-form-urlencoded bodies of the
 * citizen pages. */
#include "form.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why;
    form f;

    if (form_parse(&f, (const char *)data, size, &why) == 0) {
        (void)form_get(&f, "phone");
        const char *pin = form_get(&f, "pin");
        if (pin)
            (void)form_text_ok(pin, 64);
        form_free(&f);
    }
    return 0;
}
