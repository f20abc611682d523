/* smpp_message_id.h -- an SMSC's message id as the key its receipt is
 * matched by.
 *
 * SMPP 3.4 leaves a message id's form to the SMSC: a C string of at most
 * 64 octets. Most SMSCs give the same string in submit_sm_resp and in the
 * receipt, and the two are compared as given. Some number their messages
 * and write the number in hexadecimal in one place and in decimal in the
 * other, so that "1a2b3c" is answered by a receipt for "1715004". For
 * those, platform.ini's [sms] submit_id and receipt_id name each form, and
 * both ids become one key: the number in decimal, without leading zeros.
 * Pure: no I/O. */
#ifndef HERALD_SMPP_MESSAGE_ID_H
#define HERALD_SMPP_MESSAGE_ID_H

#include <stddef.h>

typedef enum smpp_id_form {
    SMPP_ID_TEXT,    /* compared as given */
    SMPP_ID_DECIMAL, /* a number in decimal digits */
    SMPP_ID_HEX,     /* a number in hexadecimal digits, either case */
} smpp_id_form;

/* "text", "decimal" or "hex": 0, or -1 for anything else. */
int smpp_id_form_parse(const char *s, smpp_id_form *out);
const char *smpp_id_form_name(smpp_id_form form);

/* The key of id, given in form, into out (cap bytes; 21 hold any number).
 * 0; or -1 when form is a number and id is not one in it (empty, another
 * character, or above 2^64 - 1), and out then holds "" (no key). */
int smpp_message_id_key(const char *id, smpp_id_form form, char *out, size_t cap);

/* Where a receipt's key came from. */
typedef enum smpp_key_source {
    SMPP_KEY_FIELD, /* receipted_message_id */
    SMPP_KEY_TEXT,  /* the id in the receipt's text */
    SMPP_KEY_NONE,  /* neither could be read in its form */
} smpp_key_source;

/* The key a receipt names its alert by, from its receipted_message_id
 * field ("" when absent) and its text's id (NULL when it has no text we
 * could read). The field repeats submit_sm_resp's id (SMPP 3.4,
 * 5.3.2.12), so it is read in submit_form, the text's id in receipt_form.
 * Compared as given (both forms text), the field wins, as before the
 * forms existed. Read as numbers, the text's id wins when it is one: an
 * operator names receipt_form for the text, and an SMSC that writes the
 * field in the receipt's form, against the standard, would otherwise
 * read as another number. SMPP_KEY_NONE leaves in out "~" and the id as
 * given, which no key made from a submit_sm_resp equals. *differ is set
 * when both were read and name different keys. */
smpp_key_source smpp_receipt_key(const char *field, const char *text, smpp_id_form submit_form,
                                 smpp_id_form receipt_form, char *out, size_t cap, int *differ);

#endif
