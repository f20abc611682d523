/* hub_api_notices.c -- POST /v1/notices: an agency's submissions
 * (protocol.md, "hub"). Each item is checked here (its CI turned into rk
 * and wiped the moment it is read, its link held to the agency's
 * documents URL), the batch is charged to the agency's limits, routed
 * through the directory, and stored in one hub_db call; urgent notices go
 * to the relay before the bulk ones. The route is in hub_api.c's table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "batch.h"
#include "buf.h"
#include "ci.h"
#include "crypto.h"
#include "field.h"
#include "hub.h"
#include "hub_api.h"
#include "hub_api_internal.h"
#include "log.h"

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* What a batch of submissions may state once (batch.h). Whatever becomes
 * of the batch, batch_free wipes its CIs. */
static const char *const notice_shared[] = {"title", "deadline", NULL};
static const char *const notice_secrets[] = {"ci", NULL};
static const batch_spec notices_spec = {
    .key = "notices", .shareable = notice_shared, .secrets = notice_secrets,
};

/* rk from the item's CI, which is wiped whatever it holds: the CI goes
 * no further. 0, or -1 when it is missing or malformed. */
static int take_ci(json_t *o, hub_submission *s)
{
    size_t len = 0;
    const char *v = hub_api_str(o, "ci", &len);
    int ok = v && ci_is_well_formed(v, len);

    if (ok)
        ci_rk(v, s->rk);
    if (v)
        secure_wipe((char *)v, len);
    return ok ? 0 : -1;
}

/* 1 when link lies under documents (hub.ini's, checked at start: a URL
 * with a path ending in '/'): the same scheme and host (the host in any
 * case), the same path before, and after it no "." or ".." segment nor a
 * percent-encoded dot, slash or backslash, which a browser would resolve
 * to another path on that host (with the view token the platform adds). */
static int link_under(const char *link, const char *documents)
{
    const char *host = strstr(documents, "://") + 3;
    size_t to_path = (size_t)(strchr(host, '/') - documents), n = strlen(documents);
    const char *rest = link + n;

    if (strlen(link) < n || strncasecmp(link, documents, to_path) != 0 ||
        strncmp(link + to_path, documents + to_path, n - to_path) != 0)
        return 0;
    for (const char *slash = rest - 1; slash; slash = strchr(slash + 1, '/')) {
        size_t seg = strcspn(slash + 1, "/?#");
        if ((seg == 1 && slash[1] == '.') || (seg == 2 && slash[1] == '.' && slash[2] == '.'))
            return 0;
    }
    return !strcasestr(rest, "%2e") && !strcasestr(rest, "%2f") && !strcasestr(rest, "%5c");
}

/* Checks one submitted notice into s; returns NULL or the item's error.
 * The CI is read (and wiped) first, so that no refused item keeps one. */
static const char *check_notice(json_t *o, json_t *common, hub_submission *s, long long now,
                                const char *documents)
{
    size_t len = 0;
    const char *v;

    if (!json_is_object(o))
        return "each notice must be an object";
    if (take_ci(o, s) != 0)
        return "ci must be 88 characters of padded base64";
    s->reference = hub_api_str(o, "reference", &len);
    if (!s->reference || !field_reference_ok(s->reference, len))
        return FIELD_RULE_REFERENCE;
    if (field_id_has_rrn(s->reference, len))
        return FIELD_RULE_REFERENCE_RRN;
    s->title = batch_str(o, common, "title", &len);
    if (!s->title || !field_title_ok(s->title, len))
        return FIELD_RULE_TITLE;
    s->doc_sha256 = hub_api_str(o, "doc_sha256", &len);
    if (!s->doc_sha256 || !field_sha256_ok(s->doc_sha256, len))
        return FIELD_RULE_DOC_SHA256;
    v = batch_str(o, common, "deadline", &len);
    if (!v || field_deadline_parse(v, len, &s->deadline) != 0)
        return FIELD_RULE_DEADLINE;
    if ((v = field_deadline_refusal(s->deadline, now)) != NULL)
        return v;
    s->link = hub_api_str(o, "link", &len);
    if (!s->link || !field_link_ok(s->link, len))
        return FIELD_RULE_LINK;
    /* The platform sends the member there once signed in: an agency key
     * must not make the official channel point at another site. */
    if (documents && !link_under(s->link, documents))
        return "link is not under this agency's documents URL (hub.ini [agency NAME] documents)";
    json_t *urgent = json_object_get(o, "urgent");
    if (urgent && !json_is_boolean(urgent))
        return FIELD_RULE_URGENT;
    s->urgent = json_is_true(urgent);
    return NULL;
}

static void notices_answer(json_t *items, const char **errors, hub_submission *subs,
                           buf *out, size_t *fresh)
{
    size_t i, k = 0;
    json_t *o;

    /* A notice's result runs to 110-130 bytes. */
    batch_results_open(out, json_array_size(items), 128);
    json_array_foreach(items, i, o) {
        size_t len = 0;
        const char *ref = hub_api_str(o, "reference", &len);
        int ok = ref && field_reference_ok(ref, len) && !field_id_has_rrn(ref, len);
        batch_results_next(out, i);
        if (errors[i]) {
            batch_results_error(out, "reference", ok ? ref : NULL, errors[i]);
            continue;
        }
        hub_submission *s = &subs[k++];
        *fresh += !s->duplicate;
        hub_api_echo(out, "reference", ref, ok);
        buf_puts(out, ",\"notice\":\"");
        buf_puts(out, s->id);
        buf_puts(out, "\",\"state\":\"");
        buf_puts(out, notice_state_name(s->state));
        buf_puts(out, s->duplicate ? "\",\"duplicate\":true}" : "\",\"duplicate\":false}");
    }
    batch_results_close(out);
}

typedef struct routing {
    hub *h;
    hub_submission *subs;
    int urgent_only; /* behind a bulk backlog: bulk items are not routed */
} routing;

/* Only a platform with the person's consent: a pre-notice is the relay
 * worker's last resort (hub_db_relay.c). */
static void first_known(void *ctx, size_t i, char routes[][HUB_NAME_MAX + 1], int n,
                        int consenting)
{
    routing *r = ctx;
    char *platform = r->subs[i].platform;

    (void)n;
    platform[0] = '\0';
    if (r->urgent_only && !r->subs[i].urgent)
        return;
    for (int k = 0; k < consenting && !platform[0]; k++)
        if (hub_platform_known(r->h, routes[k]))
            memcpy(platform, routes[k], HUB_NAME_MAX + 1);
}

/* Each recipient's first platform the hub knows, "" if none: looked up
 * before the writer's lock is taken (see hub_directory.c). Behind a bulk
 * backlog in the database (urgent_only), bulk items get none: the claim
 * finds them after it, and a batch of bulk items alone is not looked up
 * at all. Returns 0 or -1, and in *held how many bulk items it held. */
static int route_all(hub *h, hub_submission *subs, size_t k, int urgent_only, size_t *held)
{
    routing r = {h, subs, urgent_only};

    *held = 0;
    for (size_t i = 0; i < k && urgent_only; i++)
        *held += !subs[i].urgent;
    if (*held == k)
        return 0; /* their platforms stay "" (calloc) */
    return hub_directory_routes_many(h->dir, subs->rk, sizeof *subs, k, first_known, &r);
}

/* 1 when a new bulk item that had a platform was not routed. */
static int left_bulk(const hub_submission *subs, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!subs[i].urgent && !subs[i].duplicate && subs[i].platform[0] && !subs[i].routed)
            return 1;
    return 0;
}

/* Stores the checked items. The ones routed in the same transaction go
 * to the relay worker in memory after the commit (hub_relay_queue.h),
 * into places taken before it. Bulk items left in the database (no room,
 * or a backlog there) are reported before the answer, so that a later
 * call's bulk items wait behind them. Returns 0, or -1 (see
 * hub_db_submit). */
static int submit_routed(hub *h, const char *agency, hub_submission *subs, size_t k)
{
    int bulk;
    size_t may = hub_relay_queue_reserve(&h->routed, k, &bulk), n_routed = 0, held = 0;
    hub_notice *routed = may ? malloc(may * sizeof *routed) : NULL;
    int rc;

    if (!routed) { /* the worker's claim finds them instead */
        hub_relay_queue_unreserve(&h->routed, may);
        may = 0;
    }
    rc = route_all(h, subs, k, !bulk, &held);
    if (rc == 0)
        rc = hub_db_submit(h->db, agency, subs, k, clock_now_ms(), may, routed, &n_routed);
    if (held || left_bulk(subs, k))
        hub_relay_queue_spilled(&h->routed);
    int urgent = 0;
    for (size_t i = 0; i < n_routed; i++) {
        hub_relay_queue_put(&h->routed, &routed[i]);
        urgent |= routed[i].urgent;
    }
    hub_relay_queue_unreserve(&h->routed, may - n_routed);
    free(routed);
    for (size_t i = 0; i < k && !urgent; i++)
        urgent = subs[i].urgent && !subs[i].duplicate;
    if (urgent)
        hub_wake_urgent(h);
    return rc;
}

/* A batch sent again after its answer was lost holds notices the hub
 * has: with the day's quota spent, only its new ones are charged to the
 * quota, so that the agency learns the others' ids today rather than
 * after midnight; the bucket is charged every item, as the work is done
 * again. The verdict, *charged set to the quota taken. */
static hub_limit_verdict resent_within_quota(hub *h, const char *agency, json_t *items,
                                             long long now_ms, long long *charged,
                                             long long *wait_ms)
{
    size_t n = json_array_size(items), known = 0, i, len;
    const char **refs = calloc(n ? n : 1, sizeof *refs);
    hub_limit_verdict v = HUB_LIMIT_QUOTA;
    json_t *o;

    if (!refs)
        return v;
    json_array_foreach(items, i, o) refs[i] = hub_api_str(o, "reference", &len);
    if (hub_db_known_references(h->db, agency, refs, n, &known) == 0 && known > 0) {
        *charged = (long long)(n - known);
        v = hub_limits_take_apart(h->limits, agency, *charged, (long long)n, now_ms, wait_ms);
    }
    free(refs);
    return v;
}

/* 1 when the agency may submit n notices now (taken from its bucket and
 * quota); else answers 429 with Retry-After in whole seconds, the text
 * saying which limit it met, or 413 for a batch larger than a day's
 * quota: no wait would let it pass, and a client that waits out every
 * 429 would wait for ever. */
static int within_limits(hub *h, const char *agency, json_t *items, long long now_ms,
                         long long *charged, http_response *resp)
{
    size_t n = json_array_size(items);
    long long wait_ms;
    long rate, quota;
    char after[24];
    hub_limit_verdict v = h->limits ? hub_limits_take(h->limits, agency, (long long)n, now_ms,
                                                      &wait_ms)
                                    : HUB_LIMIT_OK;

    *charged = h->limits ? (long long)n : 0;
    if (v == HUB_LIMIT_QUOTA)
        v = resent_within_quota(h, agency, items, now_ms, charged, &wait_ms);
    if (v == HUB_LIMIT_OK)
        return 1;
    hub_limits_of(h->limits, agency, &rate, &quota);
    if (v == HUB_LIMIT_OVER_QUOTA) {
        http_reply_error(resp, 413, "daily quota: a batch of %zu notices is more than %s may"
                         " submit in a day (%ld); send batches of at most %ld", n, agency, quota,
                         quota);
        log_warn("POST /v1/notices agency=%s items=%zu: 413, more than its daily quota of %ld",
                 agency, n, quota);
        return 0;
    }
    long long secs = (wait_ms + 999) / 1000;
    snprintf(after, sizeof after, "%lld", secs);
    if (v == HUB_LIMIT_RATE)
        http_reply_error(resp, 429, "rate limit: at most %ld notices a second for %s;"
                         " retry after %lld s", rate, agency, secs);
    else
        http_reply_error(resp, 429, "daily quota: %s has submitted its %ld notices for today"
                         " (Korean time); retry after %lld s", agency, quota, secs);
    http_add_header(resp, "Retry-After", after);
    log_warn("POST /v1/notices agency=%s items=%zu: 429 (%s), retry after %lld s", agency, n,
             v == HUB_LIMIT_RATE ? "rate" : "quota", secs);
    return 0;
}

void hub_api_post_notices(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    size_t n, k = 0, fresh = 0, i;
    int stored = 0;
    long long taken_ms, charged;
    hub_submission *subs;
    const char **errors;
    struct timespec t0;
    batch b;
    json_t *o;
    buf out;

    if (hub_api_read_batch(&b, &notices_spec, req, resp) != 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    n = json_array_size(b.items);
    taken_ms = clock_now_ms();
    if (!within_limits(h, who->name, b.items, taken_ms, &charged, resp)) {
        batch_free(&b);
        return;
    }
    subs = calloc(n + 1, sizeof *subs);
    errors = calloc(n + 1, sizeof *errors);
    if (!subs || !errors) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    long long now = clock_now_ms();
    json_array_foreach(b.items, i, o) {
        errors[i] = check_notice(o, b.common, &subs[k], now, who->documents);
        if (!errors[i])
            k++;
    }
    if (submit_routed(h, who->name, subs, k) != 0) {
        hub_api_store_failed(h, resp, "the batch was not stored");
        goto done;
    }
    stored = 1;
    notices_answer(b.items, errors, subs, &out, &fresh);
    metrics_add(&h->submitted[HUB_SUBMITTED_NEW], fresh);
    metrics_add(&h->submitted[HUB_SUBMITTED_DUPLICATE], k - fresh);
    metrics_add(&h->submitted[HUB_SUBMITTED_REJECTED], n - k);
    if (h->limits && (long long)fresh < charged) /* the quota counts new notices */
        hub_limits_untake(h->limits, who->name, charged - (long long)fresh, 0, taken_ms);
    hub_api_reply_buf(resp, &out);
    if (fresh)
        hub_wake_relay(h);
    log_info("POST /v1/notices agency=%s items=%zu new=%zu duplicate=%zu rejected=%zu %ld ms",
             who->name, n, fresh, k - fresh, n - k, elapsed_ms(&t0));
done:
    /* Sent again after its 500 or 503, the batch must not be charged twice. */
    if (!stored && h->limits) /* the tokens were n's, whatever the quota's charge */
        hub_limits_untake(h->limits, who->name, charged, (long long)n, taken_ms);
    free(subs);
    free(errors);
    batch_free(&b);
}
