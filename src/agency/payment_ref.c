/* payment_ref.c -- see payment_ref.h. */
#include "payment_ref.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agency_ref.h"
#include "field.h"

static const char *blank_if_null(const char *s)
{
    return s ? s : "";
}

static const char *fail(const char **column, const char *name, const char *why)
{
    *column = name;
    return why;
}

const char *payment_ref_check(const char *amount, const char *code, const char *due,
                              long long *amount_krw, const char **column)
{
    char *end;

    amount = blank_if_null(amount);
    code = blank_if_null(code);
    due = blank_if_null(due);
    *amount_krw = 0;
    *column = NULL;
    if (!*amount && !*code && !*due)
        return NULL;
    errno = 0;
    long long n = strtoll(amount, &end, 10);
    /* strtoll takes leading blanks and a sign: a printed amount has neither */
    if (errno || end == amount || *end || amount[0] < '0' || amount[0] > '9' ||
        !field_amount_krw_ok(n))
        return fail(column, PAYMENT_COL_AMOUNT, FIELD_RULE_AMOUNT_KRW);
    if (!field_payment_code_ok(code, strlen(code)))
        return fail(column, PAYMENT_COL_CODE, FIELD_RULE_PAYMENT_CODE);
    if (field_id_has_rrn(code, strlen(code))) /* the hub would refuse it when paid */
        return fail(column, PAYMENT_COL_CODE, FIELD_RULE_PAYMENT_CODE_RRN);
    if (*due && (strlen(due) != 10 || agency_ref_deadline_check(due)))
        return fail(column, PAYMENT_COL_DUE, "payment_due must be a date, YYYY-MM-DD");
    *amount_krw = n;
    return NULL;
}

const char *payment_ref_columns(int has_amount, int has_code, int has_due)
{
    if (has_amount != has_code || (has_due && !has_amount))
        return "a payment reference needs both columns amount_krw and payment_code"
               " (payment_due is optional)";
    return NULL;
}
