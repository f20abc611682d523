/* totp.h -- one-time codes for a second factor (RFC 4226 HOTP, RFC 6238
 * TOTP), as every authenticator app computes them: HMAC-SHA-1, 30-second
 * steps from the Unix epoch, 6 digits.
 *
 * The consoles' staff sign in with a password and a code from their
 * phone; the secret is shared once as an otpauth:// URI (base32). The
 * arithmetic is here, pure, so that the RFC's test vectors check it;
 * which steps were already used is the caller's to remember. */
#ifndef HERALD_TOTP_H
#define HERALD_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_STEP_S 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_LEN 20 /* bytes: RFC 4226's recommended 160 bits */
#define TOTP_BASE32_MAX 64 /* a secret of up to 40 bytes in base32, with the NUL */
/* A code is taken from the step before or after the current one too: a
 * phone's clock may be some seconds off. */
#define TOTP_SKEW_STEPS 1

/* RFC 4226's dynamic truncation of an HMAC-SHA-1 result to a code of
 * digits (1..9) digits. */
uint32_t hotp_truncate(const uint8_t mac[20], int digits);
/* HOTP(key, counter) with digits digits. */
uint32_t hotp_code(const uint8_t *key, size_t keylen, uint64_t counter, int digits);
/* The TOTP step of a Unix time: floor(t / 30). */
uint64_t totp_step(long long unix_s);
/* TOTP(key, unix_s) with digits digits. */
uint32_t totp_code(const uint8_t *key, size_t keylen, long long unix_s, int digits);

/* Checks a code typed by a person ("123456", exactly TOTP_DIGITS digits)
 * at unix_s, within TOTP_SKEW_STEPS either side. A step at or before
 * last_step was already used and is refused (a code works once). Returns
 * the matching step, or 0 when the code is wrong, used or malformed. The
 * comparison does not stop at the first match. */
uint64_t totp_verify(const uint8_t *key, size_t keylen, long long unix_s, const char *code,
                     uint64_t last_step);

/* RFC 4648 base32 without padding, upper case: out holds 8*ceil(len/5)/5+1
 * bytes; returns 0, or -1 when outmax is too small. */
int base32_encode(char *out, size_t outmax, const uint8_t *in, size_t len);
/* Decodes base32 (either case, padding and spaces ignored). Returns the
 * length, or -1 on a bad character or when it does not fit. */
long base32_decode(uint8_t *out, size_t outmax, const char *in);

#endif
