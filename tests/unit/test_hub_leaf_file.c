/* test_hub_leaf_file.c -- the leaf file hands out offsets that never
 * overlap, even to threads appending at once; what was put is what is
 * read; a reopened file appends after everything it holds; it is made
 * with mode 0600 and a second opener is refused; a failed write sticks.
 * Uses real files in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "hub_leaf_file.h"

#define THREADS 4
#define PUTS 300

typedef struct putter {
    hub_leaf_file *f;
    int id;
    uint64_t off[PUTS];
    size_t len[PUTS];
    int failed;
} putter;

/* Put k of thread id: a length and a fill that name it. */
static size_t fill(int id, int k, uint8_t *out)
{
    size_t len = 1 + (size_t)((id * 131 + k * 17) % 700);

    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(id * 64 + k + i);
    return len;
}

static void *put_many(void *arg)
{
    putter *p = arg;
    uint8_t bytes[800];

    for (int k = 0; k < PUTS; k++) {
        p->len[k] = fill(p->id, k, bytes);
        if (hub_leaf_file_put(p->f, bytes, p->len[k], &p->off[k]) != 0)
            p->failed = 1;
    }
    return NULL;
}

static void puts_from_threads_never_overlap(void **state)
{
    char dir[] = "/tmp/test_hub_leaf_file.XXXXXX", path[80], err[256];
    static putter p[THREADS];
    pthread_t t[THREADS];
    uint8_t want[800], got[800];
    uint64_t total = 0, off, size;
    struct stat st;
    hub_leaf_file *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hub.db.leaves", dir);
    f = hub_leaf_file_open(path, err, sizeof err);
    assert_non_null(f);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    for (int i = 0; i < THREADS; i++) {
        p[i].f = f;
        p[i].id = i;
        assert_int_equal(pthread_create(&t[i], NULL, put_many, &p[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        assert_false(p[i].failed);
        for (int k = 0; k < PUTS; k++) {
            fill(i, k, want);
            assert_int_equal(hub_leaf_file_get(f, p[i].off[k], got, p[i].len[k]), 0);
            assert_memory_equal(got, want, p[i].len[k]);
            total += p[i].len[k];
        }
    }
    assert_int_equal(hub_leaf_file_size(f, &size), 0);
    assert_int_equal(size, total); /* no gaps: every byte was someone's */
    assert_int_equal(hub_leaf_file_get(f, total - 1, got, 2), -1); /* past the end */
    hub_leaf_file_close(f);

    /* Reopened: the next put starts at the end. */
    f = hub_leaf_file_open(path, err, sizeof err);
    assert_non_null(f);
    assert_null(hub_leaf_file_open(path, err, sizeof err)); /* a second hub */
    assert_non_null(strstr(err, "in use by another hub"));
    assert_int_equal(hub_leaf_file_put(f, "abc", 3, &off), 0);
    assert_int_equal(off, total);
    assert_int_equal(hub_leaf_file_size(f, &size), 0);
    assert_int_equal(size, total + 3);

    /* A write the file cannot take (here: over the process's file size
     * limit) fails, and so does every put after it. */
    struct rlimit was, low;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    low = was;
    low.rlim_cur = (rlim_t)(total + 10);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
    assert_int_equal(hub_leaf_file_put(f, want, 100, &off), -1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
    assert_int_equal(hub_leaf_file_put(f, "abc", 3, &off), -1);
    hub_leaf_file_close(f);

    /* A folder where the file should be: refused with its name and why. */
    assert_null(hub_leaf_file_open(dir, err, sizeof err));
    assert_non_null(strstr(err, dir));
    assert_non_null(strstr(err, "Is a directory"));
    snprintf(err, sizeof err, "rm -rf '%s'", dir);
    assert_int_equal(system(err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(puts_from_threads_never_overlap),
    };
    return cmocka_run_group_tests_name("hub_leaf_file", tests, NULL, NULL);
}
