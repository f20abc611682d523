/* signup_code.h -- the code that proves a web sign-up's phone.
 *
 * Anyone may type anyone's mobile number on the sign-up page. Were the
 * member made at once, whoever typed a number first would hold it, and
 * its owner would only hear "this number already has an account". So a
 * web sign-up is sent a code by the platform's own channel (SMS or app),
 * and stays unconfirmed until the first sign-in gives it with the PIN:
 * only the phone's owner reads the code, and only the one who signed up
 * knows the PIN. An unconfirmed member holds nothing: a later sign-up
 * for the same phone or person takes its place, a few wrong codes drop
 * it, and so does SIGNUP_CODE_TTL_MS without the code. */
#ifndef HERALD_SIGNUP_CODE_H
#define HERALD_SIGNUP_CODE_H

#define SIGNUP_CODE_DIGITS 6
#define SIGNUP_CODE_TTL_MS (30LL * 60 * 1000)
/* Wrong codes before the sign-up is dropped: 5 tries at 10^6 codes. */
#define SIGNUP_CODE_TRIES 5
#define SIGNUP_CODE_TRIES_SQL "5" /* the same, in a statement's text */
#define SIGNUP_CODE_HASH_LEN 64 /* hex */

/* A new code: SIGNUP_CODE_DIGITS random decimal digits. */
void signup_code_new(char code[SIGNUP_CODE_DIGITS + 1]);
/* What is stored of it: hex SHA-256 over the phone (normalized) and the
 * code, so a code proves one number only. */
void signup_code_hash(const char *phone, const char *code, char out[SIGNUP_CODE_HASH_LEN + 1]);
/* Reads a code as typed (spaces and hyphens between digits allowed) into
 * out: 0, or -1 when it is not SIGNUP_CODE_DIGITS digits. */
int signup_code_read(const char *typed, char out[SIGNUP_CODE_DIGITS + 1]);
/* 1 if code is the one hash was made from, compared in constant time. */
int signup_code_matches(const char *phone, const char *code, const char *hash);

#endif
