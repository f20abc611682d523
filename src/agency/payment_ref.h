/* payment_ref.h -- a notice's payment reference as the agency takes it.
 *
 * A notice may ask a payment: an amount in won, the giro or virtual-account
 * code to pay with, and a due date. It comes in three ways (the recipient
 * file of `agency send`, the API's CSV and its JSON `payment` object), and
 * one rule judges all three, so a payment the API takes is one `agency
 * send` would take. Pure: unit-tested in tests/unit/test_payment_ref.c. */
#ifndef HERALD_PAYMENT_REF_H
#define HERALD_PAYMENT_REF_H

/* The columns (and the JSON object's members) that carry it. */
#define PAYMENT_COL_AMOUNT "amount_krw"
#define PAYMENT_COL_CODE "payment_code"
#define PAYMENT_COL_DUE "payment_due"

/* Judges one notice's three values as text (NULL counts as blank). All
 * blank asks no payment: NULL with *amount_krw 0. Otherwise the amount
 * must be a whole number of won from 1 to 10^12, the code 1-32 of
 * [A-Za-z0-9._:-] without an RRN, and the due date, when given,
 * YYYY-MM-DD: NULL with *amount_krw set, or why not with *column naming
 * the value at fault. */
const char *payment_ref_check(const char *amount, const char *code, const char *due,
                              long long *amount_krw, const char **column);

/* Which columns a file's header must have together: NULL when fine (all
 * three absent, or amount and code with due optional), else why not. */
const char *payment_ref_columns(int has_amount, int has_code, int has_due);

#endif
