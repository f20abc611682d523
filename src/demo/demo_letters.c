/* demo_letters.c -- see demo_letters.h. */
#include "demo_letters.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "procs.h"

int demo_letters(demo *d, char *err, size_t errlen)
{
    char cfg[4096], log[4096];
    int rc;

    /* Without serving, the demo is a benchmark's run (bench/e2e): a
     * million notices' letters would take it many minutes past what it
     * measures, and bench/postal measures them on their own. */
    if (d->no_serve)
        return 0;
    demo_path(d, cfg, sizeof cfg, "agency", "agency.ini");
    demo_path(d, log, sizeof log, "agency", "letters.log");
    char *argv[] = {"agency", "postal", "--config", cfg, "--letters", NULL};
    rc = procs_run(log, argv, d->letters_result, sizeof d->letters_result);
    if (rc != 0) {
        snprintf(err, errlen, "agency postal --letters failed (exit %d); see %s", rc, log);
        return -1;
    }
    return 0;
}

static void print_path(const char *label, const char *path)
{
    char abs[PATH_MAX];

    if (!realpath(path, abs))
        snprintf(abs, sizeof abs, "%s", path);
    printf("  %-10s %s\n", label, abs);
}

void demo_letters_print(const demo *d)
{
    json_error_t jerr;
    json_t *r = json_loads(d->letters_result, 0, &jerr);
    json_t *pdfs = json_object_get(r, "pdfs");
    const char *manifest = json_string_value(json_object_get(r, "manifest"));
    long long n = json_integer_value(json_object_get(r, "letters"));
    size_t files = json_array_size(pdfs), i;
    json_t *pdf;

    if (!files || !manifest) {
        printf("\nPaper letters: none to print.\n");
    } else {
        char first[PATH_MAX];
        const char *one = json_string_value(json_array_get(pdfs, 0));
        if (!realpath(one, first))
            snprintf(first, sizeof first, "%s", one);
        printf("\nPaper letters for the print house (%lld in %zu PDF%s, for DL window "
               "envelopes):\n", n, files, files == 1 ? "" : "s");
        json_array_foreach(pdfs, i, pdf)
            print_path("pdf", json_string_value(pdf));
        print_path("manifest", manifest);
        printf("  open with  xdg-open %s\n        or   pdftotext -layout %s - | less\n", first,
               first);
    }
    fflush(stdout);
    json_decref(r);
}
