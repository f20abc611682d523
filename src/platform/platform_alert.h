/* platform_alert.h -- what the platform's alerts say, and the channel
 * they are queued for.
 *
 * Three kinds about notices, one text each, in Korean then English, never the
 * document's content: a new notice (its title, agency and where to read
 * it), a reminder of an unread one (the same, as a reminder), and a
 * consent pre-notice (only the agency and where to consent: the member
 * has not agreed to receive notices here, so not even the title). Shared
 * by the relay (new notices, pre-notices), the reminders and the consent
 * flow, which queues the waiting notices' alerts. A fourth tells the
 * outcome of a web sign-up (platform_web.c). */
#ifndef HERALD_PLATFORM_ALERT_H
#define HERALD_PLATFORM_ALERT_H

#include "buf.h"
#include "platform.h"

typedef enum platform_alert_kind {
    PLATFORM_ALERT_NEW,
    PLATFORM_ALERT_REMINDER,
    PLATFORM_ALERT_PRE_NOTICE,
    PLATFORM_ALERT_SIGNUP, /* not about a notice: platform_alert_queue_signup */
} platform_alert_kind;

/* The outbox's `kind` of each: "alert", "reminder", "pre_notice",
 * "signup". */
const char *platform_alert_kind_name(platform_alert_kind k);

/* Appends the alert's text for row to b. */
void platform_alert_text(const platform *p, const notice_row *row, platform_alert_kind k,
                         buf *b);

/* What became of a web sign-up: told to the phone it concerns and to no
 * one else, since the page says the same in every case (no oracle). */
typedef enum platform_signup_outcome {
    PLATFORM_SIGNUP_DONE,           /* to the new member's phone, with its code */
    PLATFORM_SIGNUP_PHONE_TAKEN,    /* to the member who has that phone */
    PLATFORM_SIGNUP_ALREADY_MEMBER, /* to the phone the person has on file */
} platform_signup_outcome;

/* Appends the text of a sign-up outcome to b; a done one carries the code
 * that proves the phone (signup_code.h). */
void platform_alert_signup_text(const platform *p, platform_signup_outcome o, const char *code,
                                buf *b);
/* 1 if phone may be told of one more sign-up today, 0 if it has been
 * told enough (logged), -1 on a database error. */
int platform_alert_signup_room(platform *p, const char *phone);
/* Queues it (outbox kind "signup", notice "signup") in the caller's
 * transaction, if the phone has room: 1, 0 when it has none, or -1. */
int platform_alert_queue_signup(platform *p, platform_signup_outcome o, const char *code,
                                const char *phone, const char *at, buf *scratch);

/* Queues the alert for row to phone in the outbox (the caller's
 * transaction), text built in scratch. 0 or -1. */
int platform_alert_queue(platform *p, const notice_row *row, platform_alert_kind k,
                         const char *phone, const char *at, buf *scratch);

#endif
