/* demo_flow.c -- the steps of `herald demo` once the roles are up:
 * citizens sign up at their platforms, the agency sends, some citizens
 * read, and the outcome is counted. Each step uses only what a real party
 * would use: the platforms' back-office API, the agency's command line,
 * a browser on the citizen pages. */
#include "demo_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "browser.h"
#include "demo_alerts.h"
#include "clock.h"
#include "http_client.h"
#include "log.h"
#include "procs.h"

#define SIGNUP_BATCH 1000

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static http_client *platform_admin(const demo *d, int p, char *err, size_t errlen)
{
    char path[4096], key[300], url[64];

    snprintf(path, sizeof path, "%s/platform-%s/admin.apikey", d->dir, demo_platform_names[p]);
    if (http_client_read_key(path, key, sizeof key, err, errlen) != 0)
        return NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d", d->port_platform[p]);
    return http_client_new(url, key);
}

static json_t *member_json(const citizen *c, int p)
{
    return json_pack("{ss ss ss ss sb si}", "name", c->name, "phone", c->phone,
                     "rrn", c->rrn, "pin", c->pin, "consent", c->consent[p],
                     "preference", c->preference[p]);
}

static int post_members(demo *d, http_client *hc, int p, json_t *batch, char *err, size_t errlen)
{
    json_t *body = json_pack("{sO}", "members", batch), *reply = NULL, *r;
    int status = http_client_json(hc, "POST", "/v1/members", body, &reply, err, errlen);
    size_t i;

    json_decref(body);
    if (status != 200) {
        json_decref(reply);
        if (status == 0 || !*err)
            snprintf(err, errlen, "sign-up at %s failed (HTTP %d)", demo_platform_names[p], status);
        return -1;
    }
    json_array_foreach(json_object_get(reply, "results"), i, r) {
        if (json_object_get(r, "error"))
            log_warn("sign-up at %s: %s", demo_platform_names[p],
                     json_string_value(json_object_get(r, "error")));
        else
            d->members[p]++;
    }
    json_decref(reply);
    return 0;
}

int demo_flow_signup(demo *d, char *err, size_t errlen)
{
    double t0 = demo_now();

    for (int p = 0; p < POP_PLATFORMS; p++) {
        http_client *hc = platform_admin(d, p, err, errlen);
        json_t *batch = json_array();
        citizen c;

        if (!hc)
            return -1;
        for (long i = 0; i < d->notices; i++) {
            population_citizen(d->seed, (uint64_t)i, d->today, &c);
            if (c.member[p])
                json_array_append_new(batch, member_json(&c, p));
            if (json_array_size(batch) == SIGNUP_BATCH || (i == d->notices - 1 && json_array_size(batch))) {
                if (post_members(d, hc, p, batch, err, errlen) != 0) {
                    json_decref(batch);
                    http_client_free(hc);
                    return -1;
                }
                json_array_clear(batch);
            }
        }
        json_decref(batch);
        http_client_free(hc);
        fprintf(stderr, "demo: %ld citizens signed up at %s\n", d->members[p],
                demo_platform_names[p]);
    }
    d->t_signup = demo_now() - t0;
    return 0;
}

/* The platforms report sign-ups to the hub's directory in the background;
 * sending before that lands would send everyone to paper. Waits until the
 * platforms say nothing is left to report. */
static int wait_directory(demo *d, char *err, size_t errlen)
{
    for (int p = 0; p < POP_PLATFORMS; p++) {
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", d->port_platform[p]);
        http_client *hc = http_client_new(url, NULL);
        int done = 0;
        for (int t = 0; t < 600 && !done; t++) {
            json_t *reply = NULL;
            char e[256];
            if (http_client_call(hc, "GET", "/v1/health", NULL, 0, &reply, e, sizeof e) == 200) {
                json_t *pending = json_object_get(reply, "pending_reports");
                done = !json_is_integer(pending) || json_integer_value(pending) == 0;
            }
            json_decref(reply);
            if (!done)
                sleep_ms(100);
        }
        http_client_free(hc);
        if (!done) {
            snprintf(err, errlen, "platform %s did not report its members to the hub in 60 s",
                     demo_platform_names[p]);
            return -1;
        }
    }
    return 0;
}

static const char template_html[] =
    "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>((title))</title></head>\n"
    "<body style=\"font-family: sans-serif; max-width: 36em; margin: 1em auto; padding: 0 1em\">\n"
    "<main>\n<h1>((title))</h1>\n"
    "<p><strong>((name))</strong> 님께 / Dear ((name)),</p>\n"
    "<p>2026년 자동차세 납부 금액은 <strong>((amount))원</strong>입니다. "
    "납부 기한: ((deadline)).<br>\n"
    "Your 2026 vehicle tax is <strong>KRW ((amount))</strong>, due ((deadline)).</p>\n"
    "<p>주소 / Address: ((address))</p>\n"
    "<p style=\"color: #555\">문서 번호 / Reference: ((reference))<br>국세청 / National Tax Service</p>\n"
    "</main>\n</body></html>\n";

static int write_recipients(const demo *d, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    citizen c;

    if (!f) {
        snprintf(err, errlen, "%s: cannot create", path);
        return -1;
    }
    fputs("rrn,name,address,amount\n", f);
    for (long i = 0; i < d->notices; i++) {
        population_citizen(d->seed, (uint64_t)i, d->today, &c);
        /* Addresses hold commas: RFC 4180 quoting. */
        fprintf(f, "%s,%s,\"%s\",%ld\n", c.rrn, c.name, c.address, c.amount);
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: write failed", path);
        return -1;
    }
    return 0;
}

/* Counts per state, as the agency knows them from the hub's feed. */
static json_t *agency_status(const demo *d)
{
    char cfg[4096], line[1024], log[4096];
    json_error_t jerr;

    snprintf(cfg, sizeof cfg, "%s/agency/agency.ini", d->dir);
    snprintf(log, sizeof log, "%s/agency/status.log", d->dir);
    char *argv[] = {"agency", "status", "--config", cfg, NULL};
    if (procs_run(log, argv, line, sizeof line) != 0)
        return NULL;
    return json_loads(line, 0, &jerr);
}

static long count_of(json_t *status, const char *state)
{
    json_t *v = json_object_get(status, state);
    return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* Waits until no notice is still on its way (accepted or relayed). Gives
 * up only after 120 s without progress: a million notices take longer
 * than that in all, but never stall that long. */
static int wait_settled(demo *d, char *err, size_t errlen)
{
    long least_moving = -1, most_known = 0;
    double last_progress = demo_now();

    while (demo_now() - last_progress < 120) {
        json_t *s = agency_status(d);
        long moving = s ? count_of(s, "accepted") + count_of(s, "relayed") : -1;
        long total = 0;
        const char *k;
        json_t *v;
        json_object_foreach(s, k, v)
            total += json_is_integer(v) ? (long)json_integer_value(v) : 0;
        json_decref(s);
        if (moving == 0 && total > 0)
            return 0;
        /* Progress: fewer in flight, or more known to the agency. */
        if (moving >= 0 && (least_moving < 0 || moving < least_moving || total > most_known)) {
            least_moving = least_moving < 0 || moving < least_moving ? moving : least_moving;
            most_known = total > most_known ? total : most_known;
            last_progress = demo_now();
        }
        /* `agency status` counts every document: at a million, polling
         * each second would cost the roles a tenth of a core. */
        sleep_ms(moving > 10000 ? (d->notices > 300000 ? 2000 : 1000) : 100);
    }
    snprintf(err, errlen, "notices stopped moving for 120 s (%ld still in flight); see %s/*/*.log",
             least_moving, d->dir);
    return -1;
}

/* CPU seconds and bytes written to storage of the children waited for so
 * far (here: `agency send`). */
static void children_usage(double *cpu_seconds, double *written)
{
    struct rusage ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    *cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    *written = (double)ru.ru_oublock * 512.0;
}

/* Adds sign * (each role's usage so far) to the delivery totals. */
static void add_role_usage(demo *d, double sign)
{
    for (int i = 0; i < d->procs.count; i++) {
        d->cpu_delivery[i] += sign * procs_cpu_seconds(&d->procs.list[i]);
        d->written_delivery[i] += sign * (double)procs_write_bytes(&d->procs.list[i]);
    }
}

void demo_deadline(char out[11], long long now_ms)
{
    time_t t = (time_t)((now_ms + (9LL + 24LL * DEMO_DEADLINE_DAYS) * 3600000LL) / 1000);
    struct tm tm;

    gmtime_r(&t, &tm); /* shifted by nine hours: the date in Korea */
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int demo_flow_prepare(demo *d, char *err, size_t errlen)
{
    char csv[4096], tpl[4096];

    if (wait_directory(d, err, errlen) != 0)
        return -1;
    snprintf(csv, sizeof csv, "%s/agency/recipients.csv", d->dir);
    snprintf(tpl, sizeof tpl, "%s/agency/template.html", d->dir);
    return write_recipients(d, csv, err, errlen) != 0 ||
                   demo_write_file(tpl, template_html, 0644, err, errlen) != 0
               ? -1
               : 0;
}

int demo_flow_send(demo *d, char *err, size_t errlen)
{
    char csv[4096], tpl[4096], cfg[4096], log[4096];
    double t0;

    if (demo_flow_prepare(d, err, errlen) != 0)
        return -1;
    snprintf(csv, sizeof csv, "%s/agency/recipients.csv", d->dir);
    snprintf(tpl, sizeof tpl, "%s/agency/template.html", d->dir);
    snprintf(cfg, sizeof cfg, "%s/agency/agency.ini", d->dir);
    snprintf(log, sizeof log, "%s/agency/send.log", d->dir);
    fprintf(stderr, "demo: sending %ld notices (progress in %s)\n", d->notices, log);
    add_role_usage(d, -1);
    double cpu0, written0, cpu1, written1;
    children_usage(&cpu0, &written0);
    t0 = demo_now();
    d->send_started_ms = clock_now_ms();
    char *argv[] = {"agency", "send", "--config", cfg, "--template", tpl,
                    "--title", "2026년 자동차세 납부 안내 / Vehicle tax 2026",
                    "--deadline", d->deadline, csv, NULL};
    int rc = procs_run(log, argv, d->send_result, sizeof d->send_result);
    if (rc != 0 && rc != 2) {
        snprintf(err, errlen, "agency send failed (exit %d); see %s", rc, log);
        return -1;
    }
    d->t_send = demo_now() - t0;
    children_usage(&cpu1, &written1);
    d->cpu_delivery[PROCS_MAX] = cpu1 - cpu0;
    d->written_delivery[PROCS_MAX] = written1 - written0;
    if (wait_settled(d, err, errlen) != 0)
        return -1;
    d->t_settle = demo_now() - t0;
    add_role_usage(d, 1);
    fprintf(stderr, "demo: sent in %.1f s, delivered in %.1f s: %s\n", d->t_send, d->t_settle,
            d->send_result);
    return 0;
}

/* The platform a citizen reads on: their first choice among those they
 * consented to, or -1. */
static int reading_platform(const citizen *c)
{
    int best = -1;

    for (int p = 0; p < POP_PLATFORMS; p++)
        if (c->member[p] && c->consent[p] &&
            (best < 0 || c->preference[p] < c->preference[best]))
            best = p;
    return best;
}

/* The platform citizen i reads on, or -1 when they do not read: every
 * k-th reachable citizen reads, spread evenly over the file. */
static int reader_platform(const demo *d, long i, const citizen *c)
{
    int p = reading_platform(c);
    return p >= 0 && (i * 7919 % 100) < d->read_share ? p : -1;
}

int demo_flow_write_readers(const demo *d, char *err, size_t errlen)
{
    char path[4096];
    citizen c;
    FILE *f;

    demo_path(d, path, sizeof path, "readers.csv", NULL);
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot create", path);
        return -1;
    }
    fputs("phone,pin,platform_url\n", f);
    for (long i = 0; i < d->notices; i++) {
        population_citizen(d->seed, (uint64_t)i, d->today, &c);
        int p = reader_platform(d, i, &c);
        if (p >= 0)
            fprintf(f, "%s,%s,http://127.0.0.1:%d\n", c.phone, c.pin, d->port_platform[p]);
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: write failed", path);
        return -1;
    }
    return 0;
}

/* Collects the distinct "/notices/ID" links of an inbox page. */
static int inbox_links(const char *html, char ids[][64], int max)
{
    int n = 0;
    const char *p = html;

    while (n < max && (p = strstr(p, "href=\"/notices/")) != NULL) {
        p += strlen("href=\"/notices/");
        size_t len = strcspn(p, "\"/?");
        if (len == 0 || len >= 64)
            continue;
        int seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = strlen(ids[i]) == len && !strncmp(ids[i], p, len);
        if (!seen) {
            memcpy(ids[n], p, len);
            ids[n++][len] = '\0';
        }
    }
    return n;
}

/* The document behind a view token, as a citizen would get it: a 503
 * (the agency has not heard yet that the hub accepted the notice, which a
 * reader right behind the relay can beat) is tried again a few times,
 * 0.2 s apart. The view token is not used up by a 503. */
static int get_document(browser *b, const char *url, page *pg)
{
    int rc = browser_get(b, url, pg);

    for (int i = 0; i < 25 && rc == 0 && pg->status == 503; i++) {
        browser_page_free(pg);
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        rc = browser_get(b, url, pg);
    }
    return rc;
}

/* A read that did not get its document: counted, and the first few said
 * on stderr with the step and the answer's status (0: no answer), so that
 * a "refused" in the summary can be traced. */
static void read_failed(demo *d, const char *step, int platform, int status)
{
    if (d->open_failures++ < 20)
        fprintf(stderr, "demo: a citizen's read failed at %s on platform %d: status %d\n",
                step, platform, status);
}

/* One citizen: sign in, open the inbox, open each notice (PIN again), and
 * follow the view token to the agency's document. */
static void read_as(demo *d, const citizen *c, int p)
{
    char base[64], url[256], ids[8][64];
    browser *b = browser_new();
    page pg = {0};

    snprintf(base, sizeof base, "http://127.0.0.1:%d", d->port_platform[p]);
    /* The sign-in page first: its form's token is bound to the cookie it
     * sets (login CSRF). */
    snprintf(url, sizeof url, "%s/", base);
    if (!b || browser_get(b, url, &pg) != 0 || pg.status != 200) {
        read_failed(d, "GET /", p, pg.status);
        browser_page_free(&pg);
        browser_free(b);
        return;
    }
    browser_page_free(&pg);
    snprintf(url, sizeof url, "%s/login", base);
    const char *login[] = {"phone", c->phone, "pin", c->pin, NULL, NULL};
    if (browser_post_form(b, url, login, &pg) != 0) {
        read_failed(d, "POST /login", p, 0);
        browser_free(b);
        return;
    }
    browser_page_free(&pg);
    snprintf(url, sizeof url, "%s/inbox", base);
    if (browser_get(b, url, &pg) != 0 || pg.status != 200) {
        read_failed(d, "GET /inbox", p, pg.status);
        browser_page_free(&pg);
        browser_free(b);
        return;
    }
    int n = inbox_links(pg.body, ids, 8);
    browser_page_free(&pg);
    for (int i = 0; i < n; i++) {
        const char *pin[] = {"pin", c->pin, NULL, NULL};
        snprintf(url, sizeof url, "%s/notices/%s/open", base, ids[i]);
        if (browser_post_form(b, url, pin, &pg) != 0 || pg.status != 303 || !pg.location[0]) {
            read_failed(d, "POST /notices/ID/open", p, pg.status);
            browser_page_free(&pg);
            continue;
        }
        char doc[sizeof pg.location];
        memcpy(doc, pg.location, sizeof doc);
        browser_page_free(&pg);
        if (get_document(b, doc, &pg) == 0 && pg.status == 200)
            d->opened++;
        else
            read_failed(d, "GET the agency's document", p, pg.status);
        browser_page_free(&pg);
    }
    browser_free(b);
}

int demo_flow_read(demo *d, char *err, size_t errlen)
{
    citizen c;
    double t0 = demo_now();

    for (long i = 0; i < d->notices; i++) {
        population_citizen(d->seed, (uint64_t)i, d->today, &c);
        int p = reader_platform(d, i, &c);
        if (p < 0)
            continue;
        read_as(d, &c, p);
    }
    fprintf(stderr, "demo: %ld documents read through the citizen pages, %ld refused\n",
            d->opened, d->open_failures);
    if (d->read_share > 0 && d->opened == 0) {
        snprintf(err, errlen, "no citizen could read a notice; see %s/*/*.log", d->dir);
        return -1;
    }
    /* The reads reach the hub through the agency's reporter and come back
     * through the feed: wait for them to be counted, giving up only after
     * 60 s without one more (at a million notices the agency may still be
     * working through the feed). */
    long most = -1;
    for (double last = demo_now(); demo_now() - last < 60;) {
        json_t *s = agency_status(d);
        long read = count_of(s, "read");
        json_decref(s);
        if (read >= d->opened) {
            d->t_read = demo_now() - t0;
            return 0;
        }
        if (read > most) {
            most = read;
            last = demo_now();
        }
        sleep_ms(100);
    }
    snprintf(err, errlen, "reads stopped being confirmed by the hub for 60 s (%ld of %ld); "
             "see %s/*/*.log", most, d->opened, d->dir);
    return -1;
}

/* The agency's cost report (`herald agency report`): what the notices
 * became and the paper they saved, printed before the summary line. */
static int print_cost_report(const demo *d, char *err, size_t errlen)
{
    char cfg[4096], log[4096];

    snprintf(cfg, sizeof cfg, "%s/agency/agency.ini", d->dir);
    snprintf(log, sizeof log, "%s/agency/report.log", d->dir);
    char *argv[] = {"agency", "report", "--config", cfg, NULL};
    printf("\n$ herald agency report --config %s\n", cfg);
    if (procs_run_echo(log, argv, stdout) != 0) {
        snprintf(err, errlen, "herald agency report failed; see %s", log);
        return -1;
    }
    putchar('\n');
    return 0;
}

int demo_flow_summary(demo *d, char *err, size_t errlen)
{
    json_t *s = agency_status(d), *sent;
    json_error_t jerr;

    if (!s) {
        snprintf(err, errlen, "cannot read the agency's status");
        return -1;
    }
    /* The alerts' receipts come after the notices settle: wait for them
     * too, then count from the platforms' outboxes and the hub's log. */
    demo_alerts a;
    char alerts[512];
    if (demo_alerts_settle(d, err, errlen) != 0 || demo_alerts_count(d, 1, &a, err, errlen) != 0) {
        json_decref(s);
        return -1;
    }
    demo_alerts_json(&a, alerts, sizeof alerts);
    fflush(stdout);
    if (print_cost_report(d, err, errlen) != 0) {
        json_decref(s);
        return -1;
    }
    sent = json_loads(d->send_result, 0, &jerr);
    long accepted = count_of(sent, "accepted") + count_of(sent, "duplicates");
    long read = count_of(s, "read");
    printf("{\"submitted\":%ld,\"accepted\":%ld,\"received\":%ld,\"read\":%ld,\"postal\":%ld,"
           "%s}\n",
           d->notices, accepted, count_of(s, "received") + read, read, count_of(s, "postal"),
           alerts);
    fflush(stdout);
    json_decref(sent);
    json_decref(s);
    return 0;
}

void demo_flow_print_signins(const demo *d, int how_many)
{
    citizen c;

    for (long i = 0, shown = 0; i < d->notices && shown < how_many; i++) {
        population_citizen(d->seed, (uint64_t)i, d->today, &c);
        int p = reading_platform(&c);
        if (p < 0)
            continue;
        printf("  %s / %s  on %s (http://127.0.0.1:%d/)\n", c.phone, c.pin,
               demo_platform_names[p], d->port_platform[p]);
        if (d->port_phones)
            printf("      its phone: http://127.0.0.1:%d/phones/%s\n", d->port_phones, c.phone);
        shown++;
    }
}
