/* population.h -- a synthetic country for the demo and the benchmarks.
 *
 * Makes N plausible citizens from a seed: Korean names and addresses,
 * valid RRNs (a few issued after October 2020, whose last digit is random),
 * unique RRNs and phone numbers, PINs, and which platforms each one has joined and
 * consented on. Deterministic, so a run can be repeated, and pure: the
 * caller decides where anything is written. The numbers belong to nobody. */
#ifndef HERALD_POPULATION_H
#define HERALD_POPULATION_H

#include <stdint.h>

#define POP_PLATFORMS 2 /* 0 = messenger, 1 = carrier */

typedef struct citizen {
    char rrn[15];      /* YYMMDD-SNNNNNN, unique per index */
    char name[40];     /* UTF-8 Korean */
    char address[160]; /* UTF-8 Korean */
    char phone[14];    /* 010-NNNN-NNNN, unique per index */
    char pin[7];       /* 6 digits */
    long amount;       /* the sum on the bill, in won */
    /* Per platform: member? consented? preference (1 = first)? */
    int member[POP_PLATFORMS];
    int consent[POP_PLATFORMS];
    int preference[POP_PLATFORMS];
    int post2020;      /* RRN issued after October 2020 */
} citizen;

/* Fills c with citizen number i (0-based) of the population seeded by
 * seed. today is YYYYMMDD; birth dates are never after it. */
void population_citizen(uint64_t seed, uint64_t i, int today, citizen *c);

/* The index of the citizen whose phone is phone ("010-NNNN-NNNN" or its
 * digits alone) in a population of n: 0 with *i set, or -1 when no
 * citizen of the n has that number. */
int population_index_of_phone(const char *phone, uint64_t n, uint64_t *i);

/* 1 if the citizen can be reached by any platform (member with consent). */
int population_reachable(const citizen *c);

#endif
