/* smpp_pdu.c -- SMPP 3.4 PDUs to and from bytes.
 *
 * Packing goes through libsmpp34 (Debian's libsmpp34-dev). Reading is
 * ours, because libsmpp34 1.14.1 is unfit for bytes from the network:
 *   - it refuses any PDU whose command_status is not in its list, so a
 *     submit_sm_resp carrying an SMSC's own error code (0x400-0x4FF) could
 *     not even be matched to its submit_sm by sequence number;
 *   - it refuses an error response that carries the empty message_id most
 *     SMSCs send with it, and a deliver_sm whose TON or NPI it does not
 *     know;
 *   - it leaks a 1 KiB node for each optional parameter cut short, so a
 *     peer could grow our heap PDU by PDU (LeakSanitizer finds it);
 *   - it writes its diagnostics into one global buffer, through a global
 *     pointer, on every call: two threads at once can run it off the end.
 * The reader below is bounds-checked field by field and allocates nothing.
 * The packers stay with libsmpp34 under a lock (for that global buffer),
 * after checking every field's length themselves, since libsmpp34 would
 * cut a long string short without saying so. Its one limit we keep is a
 * short_message of at most 253 octets where SMPP allows 254. The two
 * packed once per alert and per receipt, submit_sm and a deliver_sm_resp
 * of ESME_ROK, are laid out here instead: libsmpp34 formats a diagnostic
 * string with snprintf for every field it packs, which was 8% of the
 * carrier platform's CPU while sending (the unit test holds the two
 * layouts to libsmpp34's octet for octet). */
#include "smpp_pdu.h"

#include <pthread.h>
#include <string.h>

#include <smpp34.h>
#include <smpp34_structs.h>

/* The largest PDU we pack (a submit_sm) is under 400 octets; libsmpp34
 * wants one octet more room than it writes, so it packs here first. */
#define PACK_ROOM 512
#define SEQUENCE_MAX 0x7FFFFFFFu

#define TLV_RECEIPTED_MESSAGE_ID 0x001E
#define TLV_MESSAGE_STATE 0x0427
#define TLV_MESSAGE_PAYLOAD 0x0424

static pthread_mutex_t pack_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- packing ---------------------------------------------------------- */

static int pack(uint32_t command_id, void *pdu, uint8_t *buf, size_t size)
{
    uint8_t scratch[PACK_ROOM];
    int len = 0;
    int rc;

    pthread_mutex_lock(&pack_lock);
    rc = smpp34_pack(command_id, scratch, (int)sizeof scratch, &len, pdu);
    pthread_mutex_unlock(&pack_lock);
    if (rc != 0 || len < SMPP_PDU_HEADER || (size_t)len > size)
        return -1;
    memcpy(buf, scratch, (size_t)len);
    return len;
}

/* Copies s (NULL is "") into a libsmpp34 C-octet field of cap octets, or
 * returns -1 when it and its NUL do not fit. */
static int put_cstr(uint8_t *field, size_t cap, const char *s)
{
    size_t n = s ? strnlen(s, cap) : 0;

    if (n >= cap)
        return -1;
    memcpy(field, s ? s : "", n);
    field[n] = 0;
    return 0;
}

static int request_sequence_ok(uint32_t sequence)
{
    return sequence >= 1 && sequence <= SEQUENCE_MAX;
}

int smpp_pdu_pack_bind_transceiver(uint8_t *buf, size_t size, uint32_t sequence,
                                   const char *system_id, const char *password,
                                   const char *system_type)
{
    bind_transceiver_t p;

    memset(&p, 0, sizeof p);
    p.command_id = BIND_TRANSCEIVER;
    p.sequence_number = sequence;
    p.interface_version = SMPP_PDU_INTERFACE_VERSION;
    if (!request_sequence_ok(sequence) ||
        put_cstr(p.system_id, sizeof p.system_id, system_id) != 0 ||
        put_cstr(p.password, sizeof p.password, password) != 0 ||
        put_cstr(p.system_type, sizeof p.system_type, system_type) != 0)
        return -1;
    return pack(BIND_TRANSCEIVER, &p, buf, size);
}

/* A PDU laid out by hand: put_* write at w->n while it fits, and
 * w->broken says one did not. */
struct writer {
    uint8_t *b;
    size_t size, n;
    int broken;
};

static void put_u8(struct writer *w, uint8_t v)
{
    if (w->n + 1 > w->size) {
        w->broken = 1;
        return;
    }
    w->b[w->n++] = v;
}

static void put_u32(struct writer *w, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        put_u8(w, (uint8_t)(v >> shift));
}

static void put_bytes(struct writer *w, const void *p, size_t len)
{
    if (len > w->size - w->n) {
        w->broken = 1;
        return;
    }
    memcpy(w->b + w->n, p, len);
    w->n += len;
}

/* A C-octet string of at most cap octets with its NUL (NULL is ""). */
static void put_cstring(struct writer *w, const char *s, size_t cap)
{
    size_t len = s ? strnlen(s, cap) : 0;

    if (len >= cap) {
        w->broken = 1;
        return;
    }
    put_bytes(w, s ? s : "", len);
    put_u8(w, 0);
}

/* The header, its length filled in by finish(). */
static void put_header(struct writer *w, uint32_t command_id, uint32_t status, uint32_t sequence)
{
    put_u32(w, 0);
    put_u32(w, command_id);
    put_u32(w, status);
    put_u32(w, sequence);
}

static int finish(struct writer *w)
{
    if (w->broken || w->n < SMPP_PDU_HEADER)
        return -1;
    w->b[0] = (uint8_t)(w->n >> 24);
    w->b[1] = (uint8_t)(w->n >> 16);
    w->b[2] = (uint8_t)(w->n >> 8);
    w->b[3] = (uint8_t)w->n;
    return (int)w->n;
}

/* The TONs and NPIs SMPP 3.4 defines (section 5.2.5 and 5.2.6), as
 * libsmpp34 checks them. */
static int address_ok(const struct smpp_pdu_address *a)
{
    switch (a->npi) {
    case 0: case 1: case 3: case 4: case 6: case 8: case 9: case 10: case 14: case 18:
        return a->ton <= 6;
    default:
        return 0;
    }
}

static void put_address(struct writer *w, const struct smpp_pdu_address *a)
{
    put_u8(w, a->ton);
    put_u8(w, a->npi);
    put_cstring(w, a->addr, SMPP_PDU_ADDR_MAX + 1);
}

int smpp_pdu_pack_submit_sm(uint8_t *buf, size_t size, uint32_t sequence,
                            const struct smpp_pdu_message *m)
{
    struct writer w = {buf, size, 0, 0};

    if (!request_sequence_ok(sequence) ||
        m->short_message_len > SMPP_PDU_SUBMIT_SHORT_MESSAGE_MAX || !address_ok(&m->source) ||
        !address_ok(&m->dest))
        return -1;
    put_header(&w, SMPP_PDU_SUBMIT_SM, SMPP_PDU_ESME_ROK, sequence);
    put_u8(&w, 0); /* service_type "" */
    put_address(&w, &m->source);
    put_address(&w, &m->dest);
    put_u8(&w, m->esm_class);
    put_u8(&w, 0); /* protocol_id */
    put_u8(&w, 0); /* priority_flag */
    put_u8(&w, 0); /* schedule_delivery_time "" */
    put_u8(&w, 0); /* validity_period "" */
    put_u8(&w, m->registered_delivery);
    put_u8(&w, 0); /* replace_if_present_flag */
    put_u8(&w, m->data_coding);
    put_u8(&w, 0); /* sm_default_msg_id */
    put_u8(&w, (uint8_t)m->short_message_len);
    put_bytes(&w, m->short_message, m->short_message_len);
    return finish(&w);
}

/* deliver_sm_resp and data_sm_resp, our answers to receipts: a header
 * and an empty message_id. Status 0, the one sent per receipt, is written
 * here; the others are rare, and libsmpp34 knows which statuses SMPP
 * defines. */
static int pack_receipt_resp(uint8_t *buf, size_t size, uint32_t command_id, uint32_t sequence,
                             uint32_t status)
{
    union {
        deliver_sm_resp_t deliver;
        data_sm_resp_t data;
    } p;

    if (status == SMPP_PDU_ESME_ROK) {
        struct writer w = {buf, size, 0, 0};
        put_header(&w, command_id, status, sequence);
        put_u8(&w, 0);
        return finish(&w);
    }
    memset(&p, 0, sizeof p);
    if (command_id == SMPP_PDU_DATA_SM_RESP) {
        p.data.command_id = DATA_SM_RESP;
        p.data.command_status = status;
        p.data.sequence_number = sequence;
    } else {
        p.deliver.command_id = DELIVER_SM_RESP;
        p.deliver.command_status = status;
        p.deliver.sequence_number = sequence;
    }
    return pack(command_id == SMPP_PDU_DATA_SM_RESP ? DATA_SM_RESP : DELIVER_SM_RESP, &p, buf,
                size);
}

int smpp_pdu_pack_deliver_sm_resp(uint8_t *buf, size_t size, uint32_t sequence,
                                  uint32_t status)
{
    return pack_receipt_resp(buf, size, SMPP_PDU_DELIVER_SM_RESP, sequence, status);
}

int smpp_pdu_pack_data_sm_resp(uint8_t *buf, size_t size, uint32_t sequence, uint32_t status)
{
    return pack_receipt_resp(buf, size, SMPP_PDU_DATA_SM_RESP, sequence, status);
}

/* The PDUs that are a header alone share libsmpp34's layout for it. */
static int pack_header(uint8_t *buf, size_t size, uint32_t command_id, uint32_t status,
                       uint32_t sequence)
{
    generic_nack_t p;

    memset(&p, 0, sizeof p);
    p.command_id = command_id;
    p.command_status = status;
    p.sequence_number = sequence;
    return pack(command_id, &p, buf, size);
}

int smpp_pdu_pack_enquire_link(uint8_t *buf, size_t size, uint32_t sequence)
{
    if (!request_sequence_ok(sequence))
        return -1;
    return pack_header(buf, size, ENQUIRE_LINK, ESME_ROK, sequence);
}

int smpp_pdu_pack_enquire_link_resp(uint8_t *buf, size_t size, uint32_t sequence)
{
    return pack_header(buf, size, ENQUIRE_LINK_RESP, ESME_ROK, sequence);
}

int smpp_pdu_pack_generic_nack(uint8_t *buf, size_t size, uint32_t sequence,
                               uint32_t status)
{
    return pack_header(buf, size, GENERIC_NACK, status, sequence);
}

int smpp_pdu_pack_unbind(uint8_t *buf, size_t size, uint32_t sequence)
{
    if (!request_sequence_ok(sequence))
        return -1;
    return pack_header(buf, size, UNBIND, ESME_ROK, sequence);
}

int smpp_pdu_pack_unbind_resp(uint8_t *buf, size_t size, uint32_t sequence)
{
    return pack_header(buf, size, UNBIND_RESP, ESME_ROK, sequence);
}

/* ---- framing ---------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void say(const char **why, const char *what)
{
    if (why)
        *why = what;
}

long smpp_pdu_length(const uint8_t *buf, size_t n, const char **why)
{
    uint32_t len;

    if (n < 4)
        return 0;
    len = be32(buf);
    if (len < SMPP_PDU_HEADER) {
        say(why, "command_length is under 16, the header's own size");
        return -1;
    }
    if (len > SMPP_PDU_MAX) {
        say(why, "command_length is over 65536 octets");
        return -1;
    }
    return (long)len;
}

/* ---- reading ---------------------------------------------------------- */

/* What is left of the body to read, and the first thing found wrong. */
struct cursor {
    const uint8_t *p;
    size_t left;
    const char *why;
};

static int fail(struct cursor *c, const char *why)
{
    c->why = why;
    return -1;
}

static int get_u8(struct cursor *c, uint8_t *v, const char *missing)
{
    if (c->left < 1)
        return fail(c, missing);
    if (v)
        *v = c->p[0];
    c->p++;
    c->left--;
    return 0;
}

static int get_u16(struct cursor *c, uint16_t *v, const char *missing)
{
    if (c->left < 2)
        return fail(c, missing);
    *v = (uint16_t)(c->p[0] << 8 | c->p[1]);
    c->p += 2;
    c->left -= 2;
    return 0;
}

/* A C-octet string of at most cap octets with its NUL, into dst (cap
 * octets) or skipped when dst is NULL. */
static int get_cstr(struct cursor *c, char *dst, size_t cap, const char *no_nul,
                    const char *too_long)
{
    size_t look = c->left < cap ? c->left : cap;
    const uint8_t *nul = memchr(c->p, 0, look);
    size_t n;

    if (!nul)
        return fail(c, c->left < cap ? no_nul : too_long);
    n = (size_t)(nul - c->p);
    if (dst)
        memcpy(dst, c->p, n + 1);
    c->p += n + 1;
    c->left -= n + 1;
    return 0;
}

#define GET_U8(c, v, name) get_u8(c, v, name " is missing: the PDU ends before it")
#define GET_CSTR(c, dst, cap, name)                                             \
    get_cstr(c, dst, cap, name " has no NUL before the end of the PDU",         \
             name " is longer than its limit")

static int get_address(struct cursor *c, struct smpp_pdu_address *a, int source)
{
    if (source)
        return GET_U8(c, &a->ton, "source_addr_ton") || GET_U8(c, &a->npi, "source_addr_npi") ||
               GET_CSTR(c, a->addr, sizeof a->addr, "source_addr");
    return GET_U8(c, &a->ton, "dest_addr_ton") || GET_U8(c, &a->npi, "dest_addr_npi") ||
           GET_CSTR(c, a->addr, sizeof a->addr, "destination_addr");
}

/* One optional parameter a receipt may carry, kept when m is given. */
static int keep_tlv(struct cursor *c, uint16_t tag, const uint8_t *v, uint16_t len,
                    struct smpp_pdu_message *m)
{
    size_t n;

    if (!m)
        return 0;
    if (tag == TLV_RECEIPTED_MESSAGE_ID) {
        n = strnlen((const char *)v, len);
        if (n > SMPP_PDU_MESSAGE_ID_MAX)
            return fail(c, "receipted_message_id is longer than 64 octets");
        memcpy(m->receipted_message_id, v, n);
        m->receipted_message_id[n] = 0;
    } else if (tag == TLV_MESSAGE_STATE) {
        if (len != 1)
            return fail(c, "message_state is not one octet");
        m->message_state = v[0];
    } else if (tag == TLV_MESSAGE_PAYLOAD && !m->short_message_len &&
               len <= SMPP_PDU_SHORT_MESSAGE_MAX) {
        /* a receipt's text, where short_message is empty (data_sm has
         * none); longer than a short_message, it is not a receipt's */
        memcpy(m->short_message, v, len);
        m->short_message_len = len;
    }
    return 0;
}

/* Whatever follows the mandatory fields must be whole optional
 * parameters (tag, length, value), up to the last octet. */
static int get_tlvs(struct cursor *c, struct smpp_pdu_message *m)
{
    uint16_t tag, len;

    while (c->left > 0) {
        if (get_u16(c, &tag, "an optional parameter's tag is cut short") != 0 ||
            get_u16(c, &len, "an optional parameter's length is cut short") != 0)
            return -1;
        if (len > c->left)
            return fail(c, "an optional parameter runs past the end of the PDU");
        if (keep_tlv(c, tag, c->p, len, m) != 0)
            return -1;
        c->p += len;
        c->left -= len;
    }
    return 0;
}

static int get_bind(struct cursor *c, struct smpp_pdu_bind *b)
{
    return GET_CSTR(c, b->system_id, sizeof b->system_id, "system_id") ||
           GET_CSTR(c, b->password, sizeof b->password, "password") ||
           GET_CSTR(c, b->system_type, sizeof b->system_type, "system_type") ||
           GET_U8(c, &b->interface_version, "interface_version") ||
           GET_U8(c, NULL, "addr_ton") || GET_U8(c, NULL, "addr_npi") ||
           GET_CSTR(c, NULL, 41, "address_range") || get_tlvs(c, NULL);
}

/* submit_sm and deliver_sm share their mandatory fields. */
static int get_message(struct cursor *c, struct smpp_pdu_message *m)
{
    uint8_t sm_length;

    m->message_state = -1;
    if (GET_CSTR(c, NULL, 6, "service_type") || get_address(c, &m->source, 1) ||
        get_address(c, &m->dest, 0) || GET_U8(c, &m->esm_class, "esm_class") ||
        GET_U8(c, NULL, "protocol_id") || GET_U8(c, NULL, "priority_flag") ||
        GET_CSTR(c, NULL, 17, "schedule_delivery_time") ||
        GET_CSTR(c, NULL, 17, "validity_period") ||
        GET_U8(c, &m->registered_delivery, "registered_delivery") ||
        GET_U8(c, NULL, "replace_if_present_flag") || GET_U8(c, &m->data_coding, "data_coding") ||
        GET_U8(c, NULL, "sm_default_msg_id") || GET_U8(c, &sm_length, "sm_length"))
        return -1;
    if (sm_length > SMPP_PDU_SHORT_MESSAGE_MAX)
        return fail(c, "sm_length is over 254");
    if (sm_length > c->left)
        return fail(c, "short_message runs past the end of the PDU");
    memcpy(m->short_message, c->p, sm_length);
    m->short_message_len = sm_length;
    c->p += sm_length;
    c->left -= sm_length;
    return get_tlvs(c, m);
}

/* data_sm (SMPP 3.4, 4.7.1): the fields of submit_sm that still carry
 * meaning, the text in an optional parameter. */
static int get_data_sm(struct cursor *c, struct smpp_pdu_message *m)
{
    m->message_state = -1;
    return GET_CSTR(c, NULL, 6, "service_type") || GET_U8(c, NULL, "source_addr_ton") ||
           GET_U8(c, NULL, "source_addr_npi") || GET_CSTR(c, NULL, 65, "source_addr") ||
           GET_U8(c, NULL, "dest_addr_ton") || GET_U8(c, NULL, "dest_addr_npi") ||
           GET_CSTR(c, NULL, 65, "destination_addr") || GET_U8(c, &m->esm_class, "esm_class") ||
           GET_U8(c, &m->registered_delivery, "registered_delivery") ||
           GET_U8(c, &m->data_coding, "data_coding") || get_tlvs(c, m);
}

/* alert_notification (SMPP 3.4, 4.12.1): a phone's address and ours, of
 * up to 64 characters each, read for their form and not kept. */
static int get_alert(struct cursor *c)
{
    return GET_U8(c, NULL, "source_addr_ton") || GET_U8(c, NULL, "source_addr_npi") ||
           GET_CSTR(c, NULL, 65, "source_addr") || GET_U8(c, NULL, "esme_addr_ton") ||
           GET_U8(c, NULL, "esme_addr_npi") || GET_CSTR(c, NULL, 65, "esme_addr") ||
           get_tlvs(c, NULL);
}

/* A response with an error status may leave out its body. */
static int get_resp_string(struct cursor *c, uint32_t status, char *dst, size_t cap,
                           int is_message_id)
{
    if (status != SMPP_PDU_ESME_ROK && c->left == 0)
        return 0;
    if (is_message_id)
        return GET_CSTR(c, dst, cap, "message_id") || get_tlvs(c, NULL);
    return GET_CSTR(c, dst, cap, "system_id") || get_tlvs(c, NULL);
}

static int reads(uint32_t command_id)
{
    switch (command_id) {
    case SMPP_PDU_GENERIC_NACK:
    case SMPP_PDU_ENQUIRE_LINK:
    case SMPP_PDU_ENQUIRE_LINK_RESP:
    case SMPP_PDU_UNBIND:
    case SMPP_PDU_UNBIND_RESP:
    case SMPP_PDU_DELIVER_SM_RESP:
    case SMPP_PDU_BIND_TRANSCEIVER:
    case SMPP_PDU_BIND_TRANSCEIVER_RESP:
    case SMPP_PDU_SUBMIT_SM_RESP:
    case SMPP_PDU_SUBMIT_SM:
    case SMPP_PDU_DELIVER_SM:
    case SMPP_PDU_ALERT_NOTIFICATION:
    case SMPP_PDU_DATA_SM:
        return 1;
    default:
        return 0;
    }
}

/* Non-zero when the body is malformed; c->why says how. */
static int get_body(struct cursor *c, struct smpp_pdu *out)
{
    switch (out->command_id) {
    case SMPP_PDU_DELIVER_SM_RESP:
        return GET_CSTR(c, NULL, SMPP_PDU_MESSAGE_ID_MAX + 1, "message_id") ||
               get_tlvs(c, NULL);
    case SMPP_PDU_BIND_TRANSCEIVER:
        return get_bind(c, &out->u.bind);
    case SMPP_PDU_BIND_TRANSCEIVER_RESP:
        return get_resp_string(c, out->command_status, out->u.system_id,
                               sizeof out->u.system_id, 0);
    case SMPP_PDU_SUBMIT_SM_RESP:
        return get_resp_string(c, out->command_status, out->u.message_id,
                               sizeof out->u.message_id, 1);
    case SMPP_PDU_SUBMIT_SM:
    case SMPP_PDU_DELIVER_SM:
        return get_message(c, &out->u.message);
    case SMPP_PDU_ALERT_NOTIFICATION:
        return get_alert(c);
    case SMPP_PDU_DATA_SM:
        return get_data_sm(c, &out->u.message);
    default: /* a header alone */
        return get_tlvs(c, NULL);
    }
}

static int known_length(const uint8_t *buf, size_t n, const char **why)
{
    long len;

    if (n < SMPP_PDU_HEADER) {
        say(why, "shorter than the 16-octet header");
        return -1;
    }
    len = smpp_pdu_length(buf, n, why);
    if (len < 0)
        return -1;
    if ((size_t)len > n) {
        say(why, "cut short: fewer octets than its command_length");
        return -1;
    }
    if ((size_t)len < n) {
        say(why, "more octets than its command_length");
        return -1;
    }
    return 0;
}

enum smpp_pdu_result smpp_pdu_unpack(const uint8_t *buf, size_t n, struct smpp_pdu *out,
                                     const char **why)
{
    struct cursor c;

    memset(out, 0, sizeof *out);
    if (n >= SMPP_PDU_HEADER) {
        out->command_id = be32(buf + 4);
        out->command_status = be32(buf + 8);
        out->sequence_number = be32(buf + 12);
    }
    if (known_length(buf, n, why) != 0)
        return SMPP_PDU_MALFORMED;
    c.p = buf + SMPP_PDU_HEADER;
    c.left = n - SMPP_PDU_HEADER;
    c.why = NULL;
    if (!reads(out->command_id)) {
        say(why, "a command_id this ESME does not read");
        return SMPP_PDU_UNKNOWN;
    }
    if (get_body(&c, out) != 0) {
        say(why, c.why);
        return SMPP_PDU_MALFORMED;
    }
    return SMPP_PDU_OK;
}
