/* agency_postal.c -- `herald agency postal`: the paper fallback's work
 * list, every notice the hub could not deliver electronically (state
 * postal), with the name and address that only the agency holds, as CSV
 * for the print shop. */
#include <stdio.h>
#include <string.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_db.h"
#include "agency_feed.h"
#include "agency_letters_print.h"
#include "agency_opts.h"
#include "cli.h"
#include "clock.h"
#include "http_client.h"
#include "log.h"

static const char postal_usage[] =
    "Usage: herald agency postal --config agency.ini [--sync] [--new]\n\n"
    "Prints, as CSV with a header row (reference,name,address,title), every notice\n"
    "whose state is postal: the hub reached nobody electronically, so the letter goes\n"
    "on paper. A notice the agency cancelled, or whose name and address were purged\n"
    "(retention), is not listed. Fields are quoted per RFC 4180 when they need it;\n"
    "a name, address or title starting with =, +, -, @, tab or CR starts with an\n"
    "apostrophe, so that a spreadsheet shows it as text rather than run it as a\n"
    "formula (references are as they are).\n\n"
    "  --config FILE  agency.ini\n"
    "  --sync         first pull the hub's changes feed once ([hub] url, key_file)\n"
    "  --new          only the notices no earlier --new listed, and remember these as\n"
    "                 listed (once the list is fully written): run it daily and each\n"
    "                 letter is printed once; if writing fails nothing is marked and\n"
    "                 the next run lists them again. The list is a print batch,\n"
    "                 named on standard error: --handed-over BATCH tells the hub when\n"
    "                 the print house has it (PrintHandover, from which a notice on\n"
    "                 paper takes effect); until then retention keeps its notices\n\n"
    "With --letters it prints the letters themselves (PDF files and a manifest); with\n"
    "--handed-over BATCH it tells the hub a printed batch went to the print house:\n"
    "see herald agency postal --letters --help.\n";

/* 1 when a spreadsheet would take a cell starting so for a formula (=,
 * +, -, @, tab, CR): opened in one, "=HYPERLINK(...)" in a name runs. */
static int formula_start(const char *s)
{
    return *s && strchr("=+-@\t\r", *s) != NULL;
}

/* RFC 4180: quote a field holding a comma, quote, CR or LF; double quotes.
 * Free text (a name, an address, a title) that a spreadsheet would take
 * for a formula gets an apostrophe before it, which makes it text (OWASP's
 * advice on CSV injection); a reference does not, as the print house
 * matches letters on it, and its characters ([A-Za-z0-9._:-]) make no
 * function call. */
static void put_csv_field(FILE *out, const char *s, int free_text)
{
    const char *mark = free_text && formula_start(s) ? "'" : "";

    if (!strpbrk(s, ",\"\r\n")) {
        fputs(mark, out);
        fputs(s, out);
        return;
    }
    fputc('"', out);
    fputs(mark, out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* One line of the list; the header row goes before the first (or alone,
 * for an empty list), and the list ends flushed to the file. */
typedef struct postal_out {
    FILE *f;
    int started;
} postal_out;

static int print_postal(void *ctx, const char *reference, const char *name,
                        const char *address, const char *title)
{
    postal_out *o = ctx;
    FILE *out = o->f;

    if (!o->started) {
        fputs("reference,name,address,title\r\n", out);
        o->started = 1;
    }
    if (!reference)
        return fflush(out) == 0 ? 0 : -1;
    put_csv_field(out, reference, 0);
    fputc(',', out);
    put_csv_field(out, name, 1);
    fputc(',', out);
    put_csv_field(out, address, 1);
    fputc(',', out);
    put_csv_field(out, title, 1);
    fputs("\r\n", out);
    return ferror(out) ? -1 : 0;
}

static int sync_feed(const agency_cfg *c, agency_db *db)
{
    http_client *hub = http_client_new(c->hub_url, c->hub_key);
    char err[512];
    long n;

    if (!hub)
        return cli_fail("agency postal", "cannot make an HTTP client");
    n = agency_feed_pull(db, hub, err, sizeof err);
    http_client_free(hub);
    if (n < 0)
        return cli_fail("agency postal", "changes feed: %s", err);
    log_info("changes feed: %ld notices changed state", n);
    return EXIT_OK;
}

/* Loads the config and opens the database; EXIT_OK or EXIT_FAIL. */
static int open_agency(const char *cmd, const char *config, int need, agency_cfg *c,
                       agency_db **db)
{
    char err[1024];

    log_set_name("agency");
    if (agency_config_load(c, config, need, err, sizeof err) != 0 ||
        !(*db = agency_db_open(c->db_path, err, sizeof err))) {
        agency_config_free(c);
        return cli_fail(cmd, "%s", err);
    }
    return EXIT_OK;
}

/* Lists (and with only_new marks) in one write transaction, so the notices
 * marked are exactly the ones written, and nothing is marked unless the
 * whole list reached standard output. */
static int list_postal(agency_db *db, int only_new)
{
    postal_out o = {stdout, 0};
    char at[25], batch[32];
    long long listed;
    int rc;

    clock_rfc3339_ms(at, clock_now_ms());
    agency_print_batch_id(batch, at);
    rc = agency_db_postal_list(db, only_new, at, batch, &listed, print_postal, &o);
    if (rc == AGENCY_DB_BUSY)
        return cli_fail("agency postal", "cannot lock the agency database");
    if (rc != 0)
        return cli_fail("agency postal", "cannot list postal notices%s",
                        only_new ? "; none was marked printed" : "");
    if (listed) /* on stderr: standard output is the print house's list */
        log_info("postal: %lld notices listed as print batch %s; once the print house has"
                 " them: herald agency postal --handed-over %s", listed, batch, batch);
    return EXIT_OK;
}

int agency_postal_main(int argc, char **argv)
{
    agency_opts o;
    agency_cfg c;
    agency_db *db;
    int rc;

    for (int i = 1; i < argc; i++) /* printed letters, or their hand-over */
        if (!strcmp(argv[i], "--letters") || !strncmp(argv[i], "--handed-over", 13))
            return agency_letters_main(argc, argv);
    if ((rc = agency_opts_parse(argc, argv, "agency postal", postal_usage,
                                AGENCY_OPT_SYNC | AGENCY_OPT_NEW, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (open_agency("agency postal", o.config, o.sync ? AGENCY_NEED_HUB : 0, &c, &db) !=
        EXIT_OK)
        return EXIT_FAIL;
    rc = o.sync ? sync_feed(&c, db) : EXIT_OK;
    if (rc == EXIT_OK)
        rc = list_postal(db, o.only_new);
    agency_db_close(db);
    agency_config_free(&c);
    return rc;
}
