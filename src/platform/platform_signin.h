/* platform_signin.h -- a member's PIN checked under the sign-in limits
 * (login_guard.h: per phone and source, per phone, per source), and what
 * to say and log when it is refused. Sign-in and opening a notice both
 * go through it, so the limits cannot be side-stepped by either page. */
#ifndef HERALD_PLATFORM_SIGNIN_H
#define HERALD_PLATFORM_SIGNIN_H

#include <stddef.h>

#include "login_guard.h"
#include "platform.h"
#include "platform_db.h"

/* PIN_BUSY: the limits let the PIN through, but every slot for a PIN
 * check was taken (a flood of sign-ins); nothing was counted against the
 * phone or the source. */
typedef enum pin_result { PIN_OK, PIN_WRONG, PIN_LOCKED, PIN_ERROR, PIN_BUSY } pin_result;

/* Checks a PIN for a phone from a source under the limits. m gets the
 * member when there is one; *wait_ms and *why the limit when the answer
 * is PIN_LOCKED. An attempt counts as failed before the hash is checked,
 * so parallel guesses cannot slip past the limits; a right PIN takes it
 * back. A wrong one may block the source (and says so in the log). With
 * of_session (the PIN that opens a notice, the phone a session's), a
 * blocked source does not stop it while this phone and source have failed
 * fewer than LOGIN_GUARD_PAIR_FREE times: the block is against trying
 * many phones, and the people behind a shared address would otherwise
 * keep a signed-in member from their notices. The limits are asked first
 * (PIN_LOCKED takes no slot); then at most p->pin_check_slots checks hash
 * at once, and another is PIN_BUSY without waiting for one, so that a
 * flood of sign-ins leaves threads for the hub's relays and the other
 * pages. device: the hash of the browser's device cookie (NULL: none);
 * a device of this phone's member passes the phone's spacing
 * (platform_db_devices.c), and a wrong PIN from it counts against it. */
pin_result platform_signin_check(platform *p, const char *source, const char *phone,
                                 const char *pin, member *m, long long *wait_ms,
                                 login_verdict *why, int of_session, const char *device);
/* A slot for one PIN hash (a sign-in's, a notice opening's, a web
 * sign-up's): 1, to be given back, or 0 when all p->pin_check_slots are
 * taken. Taken only while one is free (a compare-and-swap), so that a
 * refusal never spoils a slot given back at the same time; a refusal is
 * counted, and logged at most once a minute with the count so far, as a
 * flood repeats it. */
int platform_pin_slot_take(platform *p);
void platform_pin_slot_give(platform *p);
/* 1 when every slot is taken now (a refusal, counted and logged as
 * platform_pin_slot_take's): for a caller with other costly work to do
 * before its hash, which it should then not do. */
int platform_pin_slots_full(platform *p);
/* Bilingual text for a failed check in ko and en (len bytes each); returns
 * the status to answer. */
int platform_signin_failure_text(pin_result r, login_verdict why, long long wait_ms, char *ko,
                                 char *en, size_t len);
/* Logs a refusal (what: "sign-in", "opening a notice") with the masked
 * phone and the source. */
void platform_signin_log_refusal(const char *what, const char *phone, const char *source,
                                 login_verdict v, long long wait_ms);
/* A wait in seconds, or in minutes once it is long, in Korean and English. */
void platform_signin_wait_text(long long wait_ms, char *ko, char *en, size_t len);

#endif
