/* bench_idsvc.c -- drives a running idsvc with batches of RRNs over
 * keep-alive connections and reports RRNs converted per second.
 * Usage: bench_idsvc URL KEY_FILE RRN_FILE BATCH THREADS ROUNDS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_client.h"

typedef struct job {
    const char *url, *key;
    char *body;
    size_t len;
    int rounds;
    long converted;
} job;

static void *run(void *arg)
{
    job *j = arg;
    char err[512];
    http_client *c = http_client_new(j->url, j->key);

    for (int r = 0; r < j->rounds; r++) {
        json_t *reply = NULL;
        int st = http_client_call(c, "POST", "/v1/ci", j->body, j->len, &reply, err, sizeof err);
        if (st != 200) {
            fprintf(stderr, "bench_idsvc: %s\n", err);
            exit(1);
        }
        j->converted += (long)json_array_size(json_object_get(reply, "results"));
        json_decref(reply);
    }
    http_client_free(c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: bench_idsvc URL KEY_FILE RRN_FILE BATCH THREADS ROUNDS\n");
        return 2;
    }
    char key[300], err[512], line[64];
    int batch = atoi(argv[4]), threads = atoi(argv[5]), rounds = atoi(argv[6]);
    FILE *f = fopen(argv[3], "r");
    buf body;

    if (http_client_read_key(argv[2], key, sizeof key, err, sizeof err) != 0 || !f) {
        fprintf(stderr, "bench_idsvc: %s\n", f ? err : "cannot open RRN file");
        return 1;
    }
    buf_init(&body, (size_t)batch * 20);
    buf_puts(&body, "{\"rrns\":[");
    for (int i = 0; i < batch && fgets(line, sizeof line, f); i++) {
        line[strcspn(line, "\n")] = '\0';
        buf_printf(&body, "%s\"%s\"", i ? "," : "", line);
    }
    buf_puts(&body, "]}");
    fclose(f);

    pthread_t t[16];
    job jobs[16];
    struct timespec t0, t1;
    long total = 0;
    if (threads < 1 || threads > 16)
        threads = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){argv[1], key, body.data, body.len, rounds, 0};
        pthread_create(&t[i], NULL, run, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += jobs[i].converted;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("{\"bench\":\"idsvc\",\"batch\":%d,\"threads\":%d,\"rrns\":%ld,\"seconds\":%.3f,"
           "\"rrns_per_s\":%.0f}\n", batch, threads, total, s, (double)total / s);
    buf_free(&body);
    return 0;
}
