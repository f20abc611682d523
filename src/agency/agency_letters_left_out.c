/* agency_letters_left_out.c -- see agency_letters_left_out.h. A notice
 * the API cancels while a long run draws its letter no longer throws the
 * whole batch away: the batch goes without it, and this names the letter
 * to take out. The manifest has no column for it (its columns are the
 * print house's), so the names go to the log, as --handed-over's do for a
 * letter cancelled after its batch was recorded. */
#include "agency_letters_left_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The references left out, sorted for bsearch; NULL when none or out of
 * memory (*n then 0 or the count). */
static const char **left_out_refs(const letters_batch *b, const unsigned char *left_out,
                                  size_t *n)
{
    const char **refs;

    *n = 0;
    for (size_t i = 0; i < b->n; i++)
        *n += left_out[i] != 0;
    if (!*n || !(refs = malloc(*n * sizeof *refs)))
        return NULL;
    for (size_t i = 0, k = 0; i < b->n; i++)
        if (left_out[i])
            refs[k++] = b->refs[i];
    qsort(refs, *n, sizeof *refs, by_text);
    return refs;
}

/* The manifest's rows begin letter,reference,notice,file,first_page,pages:
 * none of these is ever quoted (references and notice ids are
 * [A-Za-z0-9._:-], the files letters-BATCH...pdf). */
static void name_from_manifest(FILE *f, const char **refs, size_t n)
{
    char line[1024];

    if (!fgets(line, sizeof line, f)) /* the header */
        return;
    while (fgets(line, sizeof line, f)) {
        char *save, *letter = strtok_r(line, ",", &save);
        char *ref = strtok_r(NULL, ",", &save);
        char *notice = strtok_r(NULL, ",", &save);
        char *file = strtok_r(NULL, ",", &save);
        char *page = strtok_r(NULL, ",", &save);
        char *pages = strtok_r(NULL, ",", &save);
        if (!pages || !bsearch(&ref, refs, n, sizeof *refs, by_text))
            continue;
        log_warn("letters: take out letter %s (reference %s, notice %s): %s, page %s, %s"
                 " page(s); its notice was cancelled or paid while the batch was printed,"
                 " and the batch is recorded without it", letter, ref, notice, file, page,
                 pages);
    }
}

long letters_name_left_out(const letters_batch *b, const unsigned char *left_out)
{
    char path[LETTERS_PATH_MAX + sizeof LETTERS_PART_SUFFIX];
    size_t n;
    const char **refs = left_out_refs(b, left_out, &n);
    FILE *f;

    snprintf(path, sizeof path, "%s%s", b->manifest, LETTERS_PART_SUFFIX);
    if (refs && (f = fopen(path, "r"))) {
        name_from_manifest(f, refs, n);
        fclose(f);
    } else {
        for (size_t i = 0; i < b->n; i++)
            if (left_out[i])
                log_warn("letters: take out the letter of reference %s: its notice was"
                         " cancelled or paid while the batch was printed, and the batch is"
                         " recorded without it (the manifest names its file and page)",
                         b->refs[i]);
    }
    free(refs);
    return (long)n;
}
