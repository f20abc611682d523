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

void demo_letters_print(const demo *d)
{
    json_error_t jerr;
    json_t *r = json_loads(d->letters_result, 0, &jerr);
    const char *pdf = json_string_value(json_object_get(r, "pdf"));
    const char *manifest = json_string_value(json_object_get(r, "manifest"));
    long long n = json_integer_value(json_object_get(r, "letters"));

    if (!pdf || !manifest) {
        printf("\nPaper letters: none to print.\n");
    } else {
        char pdf_abs[PATH_MAX], man_abs[PATH_MAX];
        if (!realpath(pdf, pdf_abs))
            snprintf(pdf_abs, sizeof pdf_abs, "%s", pdf);
        if (!realpath(manifest, man_abs))
            snprintf(man_abs, sizeof man_abs, "%s", manifest);
        printf("\nPaper letters for the print house (%lld in one PDF, for DL window envelopes):\n"
               "  pdf        %s\n  manifest   %s\n"
               "  open with  xdg-open %s\n"
               "        or   pdftotext -layout %s - | less\n",
               n, pdf_abs, man_abs, pdf_abs, pdf_abs);
    }
    fflush(stdout);
    json_decref(r);
}
