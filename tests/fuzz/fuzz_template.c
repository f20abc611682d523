/* fuzz_template.c -- an agency's document template: compiled, then
 * rendered with every field it names set. */
#include "buf.h"
#include "fuzz.h"
#include "template.h"

static const char *lookup(void *ctx, const char *name)
{
    (void)ctx;
    return name[0] == 'x' ? NULL : "<b>&\"value\"</b>";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    template *t = template_compile((const char *)data, size, err, sizeof err);
    buf out = {0};
    size_t n;

    if (!t)
        return 0;
    (void)template_fields(t, &n);
    (void)template_render(t, lookup, NULL, &out, err, sizeof err);
    buf_free(&out);
    template_free(t);
    return 0;
}
