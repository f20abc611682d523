/* fuzz_batch.c -- the batch reader every JSON API call goes through,
 * with the shapes the hub reads (notices with shared fields, RRNs,
 * events), and the field rules applied to what it yields. The first byte
 * picks the shape ('0' notices, '1' RRNs, '2' events: its value modulo 3),
 * the rest is the body: one parse per input, not one per shape. */
#include "batch.h"
#include "field.h"
#include "fuzz.h"

static const char *const shared[] = {"deadline", "title", "link", NULL};
static const char *const secrets[] = {"ci", NULL};
static const batch_spec specs[] = {
    {.key = "notices", .shareable = shared, .objects = 1, .secrets = secrets},
    {.key = "rrns", .secret_items = 1},
    {.key = "events", .shareable = shared},
};

static void check_item(json_t *item, json_t *common)
{
    static const char *const keys[] = {"reference", "title", "link", "doc_sha256", "reason",
                                       "channel", "deadline"};
    size_t len;

    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *s = batch_str(item, common, keys[k], &len);
        if (!s)
            continue;
        (void)field_reference_ok(s, len);
        (void)field_title_ok(s, len);
        (void)field_link_ok(s, len);
        (void)field_channel_ok(s, len);
        (void)field_channel_ref_ok(s, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    batch b;

    if (size < 1)
        return 0;
    if (batch_read(&b, &specs[data[0] % 3], (const char *)data + 1, size - 1, err,
                   sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < json_array_size(b.items); i++)
        if (json_is_object(json_array_get(b.items, i)))
            check_item(json_array_get(b.items, i), b.common);
    batch_free(&b);
    return 0;
}
