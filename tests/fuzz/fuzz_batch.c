/* fuzz_batch.c -- the batch reader every JSON API call goes through,
 * with the shapes the hub reads (notices with shared fields, events),
 * and the field rules applied to what it yields. */
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

    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        batch b;
        if (batch_read(&b, &specs[s], (const char *)data, size, err, sizeof err) != 0)
            continue;
        for (size_t i = 0; i < json_array_size(b.items); i++)
            if (json_is_object(json_array_get(b.items, i)))
                check_item(json_array_get(b.items, i), b.common);
        batch_free(&b);
    }
    return 0;
}
