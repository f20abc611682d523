/* json_wipe.h -- jansson's freed memory wiped, in the roles that parse
 * resident registration numbers or CIs out of JSON; and request bodies
 * loaded, and sized up before they are, for every role.
 *
 * Wiping the strings of a parsed tree before freeing it (batch.c) is not
 * enough: jansson's lexer copies every token into a buffer of its own,
 * grown by reallocation, and frees those copies with the RRN in them. So
 * those roles have every block jansson frees wiped first. The hub, which
 * never sees either, keeps plain free. */
#ifndef HERALD_JSON_WIPE_H
#define HERALD_JSON_WIPE_H

#include <jansson.h>

/* From now on jansson's frees wipe the whole block, then hand it to
 * release (free; a test's own to look at it first). Call before any
 * thread starts and before any JSON is parsed. */
void json_wipe_on_free(void (*release)(void *));

/* Why a body did not load, told without jansson's own text, which quotes
 * the input near the fault (an RRN, say): its place, and a phrase of ours
 * for its kind ("a key given twice in one object", "malformed JSON"). */
typedef struct json_body_error {
    int line, column;
    const char *what;
    int no_memory; /* the parser ran out of memory: the body may be sound */
} json_body_error;

/* json_loadb (JSON_REJECT_DUPLICATES) of a request body that may hold an
 * RRN. On failure, NULL and *err (which may be NULL) filled; jansson's
 * text is wiped before returning. */
json_t *json_load_body(const char *body, size_t len, json_body_error *err);
/* "WHAT at line L column C" into out, as a refusal's detail says it. */
void json_body_error_text(const json_body_error *err, char *out, size_t cap);

/* 1 when body[0..len) holds more than max_values JSON values, or more
 * than max_containers objects and arrays (counted as the separators and
 * opening brackets outside strings: a close bound). For a check before
 * the parse, whose tree costs jansson many times the bytes it came from:
 * 5 times for a bulk of notices, 72 for a body of empty objects. */
int json_body_too_many(const char *body, size_t len, size_t max_values, size_t max_containers);

#endif
