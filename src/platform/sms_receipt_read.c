/* sms_receipt_read.c -- see sms_receipt_read.h. */
#include "sms_receipt_read.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "smpp_message_id.h"
#include "str_copy.h"

int sms_id_visible(const char *id)
{
    for (const char *p = id; *p; p++)
        if (*p <= ' ' || *p > '~')
            return 0;
    return 1;
}

/* Appendix B's text is only an example, and some SMSCs send the fields
 * alone: 0, or -1 when they are not both there. */
static int receipt_from_fields(const struct smpp_pdu_message *m, smpp_receipt *rc)
{
    const char *id = m->receipted_message_id;

    if (!id[0] || !sms_id_visible(id) || m->message_state < SMPP_STAT_ENROUTE ||
        m->message_state > SMPP_STAT_REJECTD)
        return -1;
    memset(rc, 0, sizeof *rc);
    str_copy(rc->id, sizeof rc->id, id);
    rc->stat = (smpp_stat)m->message_state;
    rc->sub = rc->dlvrd = -1;
    return 0;
}

int sms_receipt_read(const struct smpp_pdu_message *m, smpp_receipt *rc, int *from_text,
                     const char **why)
{
    *from_text = !smpp_receipt_parse((const char *)m->short_message, m->short_message_len, rc,
                                     why);
    return *from_text || receipt_from_fields(m, rc) == 0 ? 0 : -1;
}

/* A receipted_message_id that is not visible ASCII is not read: the
 * text's id, which the reader holds to that, is. */
void sms_receipt_key(const sms_settings *set, const struct smpp_pdu_message *m,
                     const smpp_receipt *rc, int from_text, char *out, size_t cap)
{
    const char *field = sms_id_visible(m->receipted_message_id) ? m->receipted_message_id : "";
    int differ;
    smpp_key_source from = smpp_receipt_key(field, from_text ? rc->id : NULL, set->submit_id,
                                            set->receipt_id, out, cap, &differ);

    if (differ)
        log_warn("sms: a receipt names \"%s\" in its text and \"%s\" in"
                 " receipted_message_id; taking the %s (see [sms] submit_id and receipt_id)",
                 rc->id, field, from == SMPP_KEY_FIELD ? "latter" : "former");
    else if (from == SMPP_KEY_NONE)
        log_warn("sms: a receipt's message id \"%s\" is no %s number ([sms] %s): it will match"
                 " no alert", field[0] ? field : rc->id,
                 smpp_id_form_name(field[0] ? set->submit_id : set->receipt_id),
                 field[0] ? "submit_id" : "receipt_id");
}

void sms_receipt_reason(const smpp_receipt *rc, char *out, size_t cap)
{
    if (rc->err[0])
        snprintf(out, cap, "SMSC receipt: %s (err %s)", smpp_receipt_stat_name(rc->stat), rc->err);
    else
        snprintf(out, cap, "SMSC receipt: %s", smpp_receipt_stat_name(rc->stat));
}
