/* Unit tests for smpp_pdu.c: every PDU packed reads back as it went in;
 * bind_transceiver and submit_sm are the exact octets SMPP 3.4 lays out;
 * the packers laid out by hand (submit_sm, deliver_sm_resp) write what
 * libsmpp34 writes and refuse the addresses it refuses;
 * a stream split anywhere frames into the same PDUs; lengths outside
 * 16..65536 are refused; cut, corrupted and random PDUs are refused or
 * read, never read outside their buffer (each is unpacked from a heap
 * copy of its exact size, so ASan sees any overrun); unknown command ids
 * come back as such. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smpp_pdu.h"

#include <smpp34.h>
#include <smpp34_structs.h>

/* ---- helpers ---------------------------------------------------------- */

/* Unpacks from a heap copy of exactly n octets. */
static enum smpp_pdu_result unpack_exact(const uint8_t *pdu, size_t n, struct smpp_pdu *out,
                                         const char **why)
{
    uint8_t *copy = malloc(n ? n : 1);
    enum smpp_pdu_result r;

    assert_non_null(copy);
    memcpy(copy, pdu, n);
    *why = NULL;
    r = smpp_pdu_unpack(copy, n, out, why);
    free(copy);
    return r;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Builds a PDU by hand, as a peer would send it. */
struct builder {
    uint8_t b[SMPP_PDU_MAX + 64];
    size_t n;
};

static void start(struct builder *w, uint32_t id, uint32_t status, uint32_t seq)
{
    w->n = SMPP_PDU_HEADER;
    put32(w->b + 4, id);
    put32(w->b + 8, status);
    put32(w->b + 12, seq);
}

static void add(struct builder *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void add_u8(struct builder *w, uint8_t v)
{
    add(w, &v, 1);
}

static void add_cstr(struct builder *w, const char *s)
{
    add(w, s, strlen(s) + 1);
}

static void add_tlv(struct builder *w, uint16_t tag, const void *v, uint16_t len)
{
    uint8_t h[4] = {(uint8_t)(tag >> 8), (uint8_t)tag, (uint8_t)(len >> 8), (uint8_t)len};

    add(w, h, 4);
    add(w, v, len);
}

static size_t finish(struct builder *w)
{
    put32(w->b, (uint32_t)w->n);
    return w->n;
}

/* A delivery receipt as SMSCs send it: text, plus the id and state as
 * optional parameters. */
static size_t build_receipt(struct builder *w, uint32_t seq)
{
    const char *text = "id:7f3a stat:DELIVRD err:000 text:";
    uint8_t state = 2;

    start(w, SMPP_PDU_DELIVER_SM, 0, seq);
    add_cstr(w, "");            /* service_type */
    add_u8(w, 1), add_u8(w, 1); /* source TON, NPI */
    add_cstr(w, "821012345678");
    add_u8(w, 5), add_u8(w, 0);
    add_cstr(w, "HERALD");
    add_u8(w, SMPP_PDU_ESM_DELIVERY_RECEIPT);
    add_u8(w, 0), add_u8(w, 0); /* protocol_id, priority_flag */
    add_cstr(w, ""), add_cstr(w, "");
    add_u8(w, 0), add_u8(w, 0); /* registered_delivery, replace_if_present */
    add_u8(w, 0), add_u8(w, 0); /* data_coding, sm_default_msg_id */
    add_u8(w, (uint8_t)strlen(text));
    add(w, text, strlen(text));
    add_tlv(w, 0x001E, "7f3a", 5);
    add_tlv(w, 0x0427, &state, 1);
    return finish(w);
}

static struct smpp_pdu_message sample_message(size_t len)
{
    struct smpp_pdu_message m;
    size_t i;

    memset(&m, 0, sizeof m);
    m.source.ton = 5;
    m.source.npi = 0;
    strcpy(m.source.addr, "HERALD");
    m.dest.ton = 1;
    m.dest.npi = 1;
    strcpy(m.dest.addr, "821012345678");
    m.esm_class = SMPP_PDU_ESM_UDHI;
    m.registered_delivery = SMPP_PDU_REGISTERED_DELIVERY_FINAL;
    m.data_coding = SMPP_PDU_CODING_UCS2;
    m.short_message_len = len;
    for (i = 0; i < len; i++)
        m.short_message[i] = (uint8_t)(i * 7 + 1);
    return m;
}

static void assert_header(const struct smpp_pdu *p, uint32_t id, uint32_t status, uint32_t seq)
{
    assert_int_equal(p->command_id, id);
    assert_int_equal(p->command_status, status);
    assert_int_equal(p->sequence_number, seq);
}

/* ---- packing and reading back ----------------------------------------- */

static void bind_transceiver_is_laid_out_as_smpp_says(void **state)
{
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x26, 0x00, 0x00, 0x00, 0x09, /* length 38, bind_transceiver */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* status 0, sequence 1 */
        'h', 'e', 'r', 'a', 'l', 'd', 0,                /* system_id */
        's', 'e', 'c', 'r', 'e', 't', 0,                /* password */
        'S', 'M', 'S', 0,                               /* system_type */
        0x34, 0x00, 0x00, 0x00,                         /* version, TON, NPI, range */
    };
    uint8_t buf[64];
    struct smpp_pdu p;
    const char *why;
    (void)state;

    assert_int_equal(smpp_pdu_pack_bind_transceiver(buf, sizeof buf, 1, "herald", "secret", "SMS"),
                     sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(unpack_exact(buf, sizeof want, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_BIND_TRANSCEIVER, 0, 1);
    assert_string_equal(p.u.bind.system_id, "herald");
    assert_string_equal(p.u.bind.password, "secret");
    assert_string_equal(p.u.bind.system_type, "SMS");
    assert_int_equal(p.u.bind.interface_version, 0x34);
}

static void submit_sm_is_laid_out_as_smpp_says(void **state)
{
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x37, 0x00, 0x00, 0x00, 0x04, /* length 55, submit_sm */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, /* status 0, sequence 258 */
        0x00,                                           /* service_type "" */
        0x05, 0x00, 'H', 'E', 'R', 'A', 'L', 'D', 0,    /* alphanumeric source */
        0x01, 0x01, '8', '2', '1', '0', '1', '2', '3', '4', '5', '6', '7', '8', 0,
        0x00, 0x00, 0x00, /* esm_class, protocol_id, priority_flag */
        0x00, 0x00,       /* schedule_delivery_time, validity_period */
        0x01, 0x00,       /* registered_delivery, replace_if_present_flag */
        0x08, 0x00,       /* data_coding UCS-2, sm_default_msg_id */
        0x04, 0xC5, 0x48, 0xB1, 0x55, /* sm_length, "안녕" in UCS-2 */
    };
    struct smpp_pdu_message m = sample_message(0);
    uint8_t buf[128];
    (void)state;

    m.esm_class = 0;
    m.short_message_len = 4;
    memcpy(m.short_message, "\xC5\x48\xB1\x55", 4);
    assert_int_equal(smpp_pdu_pack_submit_sm(buf, sizeof buf, 258, &m), sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

static void submit_sm_reads_back_at_every_length(void **state)
{
    uint8_t buf[512];
    struct smpp_pdu p;
    const char *why;
    size_t len;
    int n;
    (void)state;

    for (len = 0; len <= SMPP_PDU_SUBMIT_SHORT_MESSAGE_MAX; len++) {
        struct smpp_pdu_message m = sample_message(len);

        n = smpp_pdu_pack_submit_sm(buf, sizeof buf, 0x7FFFFFFF, &m);
        assert_int_equal(n, 55 - 4 + (int)len);
        assert_int_equal(unpack_exact(buf, (size_t)n, &p, &why), SMPP_PDU_OK);
        assert_header(&p, SMPP_PDU_SUBMIT_SM, 0, 0x7FFFFFFF);
        assert_int_equal(p.u.message.source.ton, 5);
        assert_int_equal(p.u.message.source.npi, 0);
        assert_string_equal(p.u.message.source.addr, "HERALD");
        assert_int_equal(p.u.message.dest.ton, 1);
        assert_int_equal(p.u.message.dest.npi, 1);
        assert_string_equal(p.u.message.dest.addr, "821012345678");
        assert_int_equal(p.u.message.esm_class, SMPP_PDU_ESM_UDHI);
        assert_int_equal(p.u.message.registered_delivery, 1);
        assert_int_equal(p.u.message.data_coding, SMPP_PDU_CODING_UCS2);
        assert_int_equal(p.u.message.short_message_len, len);
        assert_memory_equal(p.u.message.short_message, m.short_message, len ? len : 1);
        assert_int_equal(p.u.message.message_state, -1);
        assert_string_equal(p.u.message.receipted_message_id, "");
    }
}

/* One PDU packed by a header-only packer reads back with its header. */
static void assert_header_round_trip(int n, const uint8_t *buf, size_t want_len, uint32_t id,
                                     uint32_t status, uint32_t seq)
{
    struct smpp_pdu p;
    const char *why;

    assert_int_equal(n, (int)want_len);
    assert_int_equal(buf[3], want_len);
    assert_int_equal(unpack_exact(buf, (size_t)n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, id, status, seq);
}

static void every_other_pdu_reads_back(void **state)
{
    uint8_t b[64];
    (void)state;

    assert_header_round_trip(smpp_pdu_pack_enquire_link(b, sizeof b, 7), b, 16,
                             SMPP_PDU_ENQUIRE_LINK, 0, 7);
    assert_header_round_trip(smpp_pdu_pack_enquire_link_resp(b, sizeof b, 8), b, 16,
                             SMPP_PDU_ENQUIRE_LINK_RESP, 0, 8);
    assert_header_round_trip(smpp_pdu_pack_unbind(b, sizeof b, 9), b, 16, SMPP_PDU_UNBIND, 0, 9);
    assert_header_round_trip(smpp_pdu_pack_unbind_resp(b, sizeof b, 10), b, 16,
                             SMPP_PDU_UNBIND_RESP, 0, 10);
    assert_header_round_trip(smpp_pdu_pack_generic_nack(b, sizeof b, 11, SMPP_PDU_ESME_RINVCMDID),
                             b, 16, SMPP_PDU_GENERIC_NACK, SMPP_PDU_ESME_RINVCMDID, 11);
    assert_header_round_trip(smpp_pdu_pack_deliver_sm_resp(b, sizeof b, 12, SMPP_PDU_ESME_ROK), b,
                             17, SMPP_PDU_DELIVER_SM_RESP, 0, 12);
    assert_header_round_trip(
        smpp_pdu_pack_deliver_sm_resp(b, sizeof b, 13, SMPP_PDU_ESME_RX_T_APPN), b, 17,
        SMPP_PDU_DELIVER_SM_RESP, SMPP_PDU_ESME_RX_T_APPN, 13);
    assert_int_equal(b[16], 0); /* the unused message_id, empty */
}

/* libsmpp34's submit_sm of m, as smpp_pdu.c packed it before laying it
 * out by hand: its length, or -1 when libsmpp34 refuses it. */
static int libsmpp34_submit_sm(uint8_t *buf, size_t size, uint32_t seq,
                               const struct smpp_pdu_message *m)
{
    submit_sm_t p;
    int len = 0;

    memset(&p, 0, sizeof p);
    p.command_id = SUBMIT_SM;
    p.sequence_number = seq;
    p.source_addr_ton = m->source.ton;
    p.source_addr_npi = m->source.npi;
    strcpy((char *)p.source_addr, m->source.addr);
    p.dest_addr_ton = m->dest.ton;
    p.dest_addr_npi = m->dest.npi;
    strcpy((char *)p.destination_addr, m->dest.addr);
    p.esm_class = m->esm_class;
    p.registered_delivery = m->registered_delivery;
    p.data_coding = m->data_coding;
    p.sm_length = (uint8_t)m->short_message_len;
    memcpy(p.short_message, m->short_message, m->short_message_len);
    return smpp34_pack(SUBMIT_SM, buf, (int)size, &len, &p) == 0 ? len : -1;
}

static void hand_packers_write_what_libsmpp34_writes(void **state)
{
    uint8_t ours[512], theirs[512];
    int n;
    (void)state;

    for (size_t len = 0; len <= SMPP_PDU_SUBMIT_SHORT_MESSAGE_MAX; len += 11) {
        struct smpp_pdu_message m = sample_message(len);
        m.esm_class = (uint8_t)len;
        m.registered_delivery = (uint8_t)(len & 1);
        m.data_coding = len & 2 ? SMPP_PDU_CODING_DEFAULT : SMPP_PDU_CODING_UCS2;
        if (len & 4)
            strcpy(m.dest.addr, "12345678901234567890"); /* the longest */
        n = smpp_pdu_pack_submit_sm(ours, sizeof ours, (uint32_t)(len + 1), &m);
        assert_true(n > 0);
        assert_int_equal(libsmpp34_submit_sm(theirs, sizeof theirs, (uint32_t)(len + 1), &m), n);
        assert_memory_equal(ours, theirs, (size_t)n);
    }
    /* Every TON and NPI: refused by both, or packed alike by both. */
    for (int ton = 0; ton < 256; ton++)
        for (int npi = 0; npi < 256; npi++) {
            struct smpp_pdu_message m = sample_message(5);
            m.source.ton = m.dest.ton = (uint8_t)ton;
            m.source.npi = m.dest.npi = (uint8_t)npi;
            n = smpp_pdu_pack_submit_sm(ours, sizeof ours, 9, &m);
            assert_int_equal(libsmpp34_submit_sm(theirs, sizeof theirs, 9, &m), n);
            if (n > 0)
                assert_memory_equal(ours, theirs, (size_t)n);
        }

    deliver_sm_resp_t r;
    int len = 0;
    memset(&r, 0, sizeof r);
    r.command_id = DELIVER_SM_RESP;
    r.sequence_number = 0x7FFFFFFF;
    assert_int_equal(smpp34_pack(DELIVER_SM_RESP, theirs, (int)sizeof theirs, &len, &r), 0);
    assert_int_equal(smpp_pdu_pack_deliver_sm_resp(ours, sizeof ours, 0x7FFFFFFF,
                                                   SMPP_PDU_ESME_ROK), len);
    assert_memory_equal(ours, theirs, (size_t)len);
}

static void packers_refuse_what_does_not_fit(void **state)
{
    struct smpp_pdu_message m = sample_message(SMPP_PDU_SUBMIT_SHORT_MESSAGE_MAX + 1);
    uint8_t b[512];
    size_t size;
    (void)state;

    assert_int_equal(smpp_pdu_pack_submit_sm(b, sizeof b, 1, &m), -1);
    assert_int_equal(smpp_pdu_pack_bind_transceiver(b, sizeof b, 1, "0123456789abcdef", "", ""),
                     -1);
    assert_int_equal(smpp_pdu_pack_bind_transceiver(b, sizeof b, 1, "x", "123456789", ""), -1);
    assert_int_equal(smpp_pdu_pack_bind_transceiver(b, sizeof b, 1, "x", "", "0123456789abc"),
                     -1);
    assert_int_equal(smpp_pdu_pack_bind_transceiver(b, sizeof b, 1, "0123456789abcde", "12345678",
                                                    "0123456789ab"),
                     16 + 16 + 9 + 13 + 4);
    assert_int_equal(smpp_pdu_pack_bind_transceiver(b, sizeof b, 1, "x", NULL, NULL),
                     16 + 2 + 1 + 1 + 4);
    assert_int_equal(smpp_pdu_pack_bind_transceiver(b, sizeof b, 0, "x", "", ""), -1);
    assert_int_equal(smpp_pdu_pack_enquire_link(b, sizeof b, 0), -1);
    assert_int_equal(smpp_pdu_pack_unbind(b, sizeof b, 0x80000000u), -1);
    assert_int_equal(smpp_pdu_pack_generic_nack(b, sizeof b, 1, 0x400), -1); /* undefined */

    m = sample_message(10);
    m.dest.ton = 7;
    assert_int_equal(smpp_pdu_pack_submit_sm(b, sizeof b, 1, &m), -1);
    m = sample_message(10);
    m.source.npi = 2;
    assert_int_equal(smpp_pdu_pack_submit_sm(b, sizeof b, 1, &m), -1);
    m = sample_message(10);
    memset(m.dest.addr, '1', sizeof m.dest.addr); /* 21 digits, no NUL */
    assert_int_equal(smpp_pdu_pack_submit_sm(b, sizeof b, 1, &m), -1);

    m = sample_message(140);
    for (size = 0; size < 55 - 4 + 140; size++)
        assert_int_equal(smpp_pdu_pack_submit_sm(b, size, 1, &m), -1);
    assert_int_equal(smpp_pdu_pack_submit_sm(b, size, 1, &m), (int)size);
    for (size = 0; size < 16; size++)
        assert_int_equal(smpp_pdu_pack_enquire_link(b, size, 1), -1);
    assert_int_equal(smpp_pdu_pack_enquire_link(b, 16, 1), 16);
}

/* ---- what the SMSC sends ---------------------------------------------- */

static void responses_read_with_and_without_their_body(void **state)
{
    static struct builder w;
    struct smpp_pdu p;
    const char *why;
    size_t n;
    (void)state;

    start(&w, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0, 1);
    add_cstr(&w, "SMSC");
    add_tlv(&w, 0x0210, "\x34", 1); /* sc_interface_version */
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0, 1);
    assert_string_equal(p.u.system_id, "SMSC");

    start(&w, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0x0E, 1); /* ESME_RINVPASWD, no body */
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0x0E, 1);
    assert_string_equal(p.u.system_id, "");

    start(&w, SMPP_PDU_SUBMIT_SM_RESP, 0, 42);
    add_cstr(&w, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_string_equal(p.u.message_id,
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    /* An SMSC's own error code, with and without the empty message_id. */
    start(&w, SMPP_PDU_SUBMIT_SM_RESP, 0x400, 43);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_SUBMIT_SM_RESP, 0x400, 43);
    start(&w, SMPP_PDU_SUBMIT_SM_RESP, SMPP_PDU_ESME_RTHROTTLED, 44);
    add_cstr(&w, "");
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_SUBMIT_SM_RESP, SMPP_PDU_ESME_RTHROTTLED, 44);
    assert_string_equal(p.u.message_id, "");

    /* A success must carry its message_id. */
    start(&w, SMPP_PDU_SUBMIT_SM_RESP, 0, 45);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_header(&p, SMPP_PDU_SUBMIT_SM_RESP, 0, 45);
    assert_non_null(strstr(why, "message_id"));
}

static void a_receipt_reads_with_its_optional_parameters(void **state)
{
    static struct builder w;
    struct smpp_pdu p;
    const char *why;
    size_t n = build_receipt(&w, 99);
    (void)state;

    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_DELIVER_SM, 0, 99);
    assert_int_equal(p.u.message.source.ton, 1);
    assert_string_equal(p.u.message.source.addr, "821012345678");
    assert_int_equal(p.u.message.dest.ton, 5);
    assert_string_equal(p.u.message.dest.addr, "HERALD");
    assert_int_equal(p.u.message.esm_class, SMPP_PDU_ESM_DELIVERY_RECEIPT);
    assert_int_equal(p.u.message.data_coding, 0);
    assert_int_equal(p.u.message.short_message_len, strlen("id:7f3a stat:DELIVRD err:000 text:"));
    assert_memory_equal(p.u.message.short_message, "id:7f3a stat:DELIVRD err:000 text:",
                        p.u.message.short_message_len);
    assert_string_equal(p.u.message.receipted_message_id, "7f3a");
    assert_int_equal(p.u.message.message_state, 2);
}

/* ---- framing ---------------------------------------------------------- */

static void lengths_outside_the_limits_are_refused(void **state)
{
    uint8_t h[4];
    const char *why = NULL;
    (void)state;

    put32(h, 16);
    assert_int_equal(smpp_pdu_length(h, 0, &why), 0);
    assert_int_equal(smpp_pdu_length(h, 3, &why), 0);
    assert_int_equal(smpp_pdu_length(h, 4, &why), 16);
    put32(h, SMPP_PDU_MAX);
    assert_int_equal(smpp_pdu_length(h, 4, &why), SMPP_PDU_MAX);
    assert_null(why);
    put32(h, 15);
    assert_int_equal(smpp_pdu_length(h, 4, &why), -1);
    assert_non_null(strstr(why, "under 16"));
    put32(h, 0);
    assert_int_equal(smpp_pdu_length(h, 4, NULL), -1);
    put32(h, SMPP_PDU_MAX + 1);
    why = NULL;
    assert_int_equal(smpp_pdu_length(h, 4, &why), -1);
    assert_non_null(strstr(why, "65536"));
    put32(h, 0xFFFFFFFFu);
    assert_int_equal(smpp_pdu_length(h, 4, &why), -1);
}

static void the_largest_pdu_reads_and_one_more_octet_does_not(void **state)
{
    static struct builder w;
    static uint8_t filler[SMPP_PDU_MAX];
    struct smpp_pdu p;
    const char *why;
    size_t n;
    (void)state;

    n = build_receipt(&w, 5);
    add_tlv(&w, 0x1400, filler, (uint16_t)(SMPP_PDU_MAX - n - 4)); /* a vendor's parameter */
    n = finish(&w);
    assert_int_equal(n, SMPP_PDU_MAX);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_string_equal(p.u.message.receipted_message_id, "7f3a");

    add_u8(&w, 0);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_non_null(strstr(why, "65536"));
    assert_header(&p, SMPP_PDU_DELIVER_SM, 0, 5);
}

/* The PDUs of one stream, as an SMSC and an ESME would interleave them. */
static size_t build_stream(uint8_t *s, size_t cap, uint32_t *ids, size_t *count)
{
    static struct builder w;
    struct smpp_pdu_message m = sample_message(140);
    size_t n = 0;
    int len;

    *count = 0;
#define APPEND(expr, id)                                     \
    do {                                                     \
        len = (expr);                                        \
        assert_true(len > 0);                                \
        n += (size_t)len;                                    \
        ids[(*count)++] = (id);                              \
    } while (0)
    APPEND(smpp_pdu_pack_bind_transceiver(s + n, cap - n, 1, "herald", "pw", ""),
           SMPP_PDU_BIND_TRANSCEIVER);
    APPEND(smpp_pdu_pack_submit_sm(s + n, cap - n, 2, &m), SMPP_PDU_SUBMIT_SM);
    APPEND(smpp_pdu_pack_enquire_link(s + n, cap - n, 3), SMPP_PDU_ENQUIRE_LINK);
    len = (int)build_receipt(&w, 4);
    memcpy(s + n, w.b, (size_t)len);
    APPEND(len, SMPP_PDU_DELIVER_SM);
    APPEND(smpp_pdu_pack_deliver_sm_resp(s + n, cap - n, 5, 0), SMPP_PDU_DELIVER_SM_RESP);
    APPEND(smpp_pdu_pack_unbind(s + n, cap - n, 6), SMPP_PDU_UNBIND);
#undef APPEND
    return n;
}

/* A session's receive buffer: bytes come in, whole PDUs go out. */
struct framer {
    uint8_t buf[1024];
    size_t have;
    size_t seen;
    uint32_t ids[8];
};

static void feed(struct framer *f, const uint8_t *p, size_t n)
{
    struct smpp_pdu pdu;
    const char *why;
    long len;

    memcpy(f->buf + f->have, p, n);
    f->have += n;
    while ((len = smpp_pdu_length(f->buf, f->have, &why)) > 0 && (size_t)len <= f->have) {
        assert_int_equal(unpack_exact(f->buf, (size_t)len, &pdu, &why), SMPP_PDU_OK);
        assert_int_equal(pdu.sequence_number, f->seen + 1);
        f->ids[f->seen++] = pdu.command_id;
        memmove(f->buf, f->buf + len, f->have - (size_t)len);
        f->have -= (size_t)len;
    }
    assert_true(len >= 0);
}

static void a_stream_split_anywhere_frames_the_same(void **state)
{
    uint8_t s[1024];
    uint32_t ids[8];
    size_t count, n, cut, i;
    struct framer *f = malloc(sizeof *f);
    (void)state;

    assert_non_null(f);
    n = build_stream(s, sizeof s, ids, &count);
    for (cut = 0; cut <= n; cut++) {
        memset(f, 0, sizeof *f);
        feed(f, s, cut);
        feed(f, s + cut, n - cut);
        assert_int_equal(f->have, 0);
        assert_int_equal(f->seen, count);
        assert_memory_equal(f->ids, ids, count * sizeof ids[0]);
    }
    memset(f, 0, sizeof *f);
    for (i = 0; i < n; i++)
        feed(f, s + i, 1);
    assert_int_equal(f->seen, count);
    assert_memory_equal(f->ids, ids, count * sizeof ids[0]);
    free(f);
}

/* ---- bad input -------------------------------------------------------- */

/* A read PDU's strings all end within their arrays. */
static void assert_sane(const struct smpp_pdu *p)
{
    const struct smpp_pdu_message *m = &p->u.message;

    switch (p->command_id) {
    case SMPP_PDU_BIND_TRANSCEIVER:
        assert_true(strnlen(p->u.bind.system_id, sizeof p->u.bind.system_id) <
                    sizeof p->u.bind.system_id);
        assert_true(strnlen(p->u.bind.password, sizeof p->u.bind.password) <
                    sizeof p->u.bind.password);
        assert_true(strnlen(p->u.bind.system_type, sizeof p->u.bind.system_type) <
                    sizeof p->u.bind.system_type);
        break;
    case SMPP_PDU_BIND_TRANSCEIVER_RESP:
        assert_true(strnlen(p->u.system_id, sizeof p->u.system_id) < sizeof p->u.system_id);
        break;
    case SMPP_PDU_SUBMIT_SM_RESP:
        assert_true(strnlen(p->u.message_id, sizeof p->u.message_id) < sizeof p->u.message_id);
        break;
    case SMPP_PDU_SUBMIT_SM:
    case SMPP_PDU_DELIVER_SM:
        assert_true(strnlen(m->source.addr, sizeof m->source.addr) < sizeof m->source.addr);
        assert_true(strnlen(m->dest.addr, sizeof m->dest.addr) < sizeof m->dest.addr);
        assert_true(strnlen(m->receipted_message_id, sizeof m->receipted_message_id) <
                    sizeof m->receipted_message_id);
        assert_true(m->short_message_len <= SMPP_PDU_SHORT_MESSAGE_MAX);
        break;
    }
}

/* Every PDU the tests below break, valid to begin with. */
struct sample {
    uint8_t b[512];
    size_t n;
    int has_tlvs; /* cut at a parameter's end, it is still whole */
};

static size_t samples(struct sample *out)
{
    static struct builder w;
    struct smpp_pdu_message m = sample_message(60);
    size_t k = 0;

#define PACKED(expr)                                    \
    do {                                                \
        int len_ = (expr);                              \
        assert_true(len_ > 0);                          \
        out[k].n = (size_t)len_, out[k++].has_tlvs = 0; \
    } while (0)
    PACKED(smpp_pdu_pack_bind_transceiver(out[k].b, sizeof out[k].b, 1, "herald", "pw", "SMS"));
    PACKED(smpp_pdu_pack_submit_sm(out[k].b, sizeof out[k].b, 2, &m));
    PACKED(smpp_pdu_pack_deliver_sm_resp(out[k].b, sizeof out[k].b, 3, 0));
    PACKED(smpp_pdu_pack_enquire_link(out[k].b, sizeof out[k].b, 4));
    PACKED(smpp_pdu_pack_generic_nack(out[k].b, sizeof out[k].b, 5, SMPP_PDU_ESME_RINVCMDLEN));
#undef PACKED
    out[k].n = build_receipt(&w, 6);
    out[k].has_tlvs = 1;
    memcpy(out[k++].b, w.b, w.n);
    start(&w, SMPP_PDU_SUBMIT_SM_RESP, 0, 7);
    add_cstr(&w, "msg-0001");
    out[k].n = finish(&w);
    out[k].has_tlvs = 0;
    memcpy(out[k++].b, w.b, w.n);
    start(&w, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0, 8);
    add_cstr(&w, "SMSC");
    add_tlv(&w, 0x0210, "\x34", 1);
    out[k].n = finish(&w);
    out[k].has_tlvs = 1;
    memcpy(out[k++].b, w.b, w.n);
    return k;
}

static void cut_pdus_are_refused(void **state)
{
    struct sample s[8];
    size_t count = samples(s), i, cut;
    struct smpp_pdu p;
    const char *why;
    uint8_t b[512];
    enum smpp_pdu_result r;
    (void)state;

    for (i = 0; i < count; i++) {
        for (cut = 0; cut < s[i].n; cut++) {
            /* As it arrived: fewer octets than it says. */
            r = unpack_exact(s[i].b, cut, &p, &why);
            assert_int_equal(r, SMPP_PDU_MALFORMED);
            assert_non_null(why);
            if (cut < SMPP_PDU_HEADER)
                continue;
            /* Its length made to agree: the body itself is cut. */
            memcpy(b, s[i].b, cut);
            put32(b, (uint32_t)cut);
            r = unpack_exact(b, cut, &p, &why);
            if (r == SMPP_PDU_OK) {
                /* Only a header-only PDU, or one cut between parameters. */
                assert_true(cut == SMPP_PDU_HEADER || s[i].has_tlvs);
                assert_sane(&p);
            } else {
                assert_int_equal(r, SMPP_PDU_MALFORMED);
                assert_non_null(why);
                assert_int_equal(p.sequence_number, s[i].b[15]);
            }
        }
    }
}

static void corrupted_pdus_are_refused_or_read_safely(void **state)
{
    struct sample s[8];
    size_t count = samples(s), i, at;
    struct smpp_pdu p;
    const char *why;
    uint8_t b[512];
    unsigned v;
    enum smpp_pdu_result r;
    (void)state;

    for (i = 0; i < count; i++) {
        for (at = 0; at < s[i].n; at++) {
            for (v = 0; v < 256; v++) {
                memcpy(b, s[i].b, s[i].n);
                b[at] = (uint8_t)v;
                r = unpack_exact(b, s[i].n, &p, &why);
                assert_true(r == SMPP_PDU_OK || r == SMPP_PDU_MALFORMED ||
                            r == SMPP_PDU_UNKNOWN);
                if (r == SMPP_PDU_OK)
                    assert_sane(&p);
                else
                    assert_non_null(why);
            }
        }
    }
}

/* A fixed sequence, so a failure repeats. */
static uint32_t next_random(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

/* Random bodies behind a well-formed header, for every command read. */
static void random_bodies_are_refused_or_read_safely(void **state)
{
    static const uint32_t ids[] = {
        SMPP_PDU_BIND_TRANSCEIVER, SMPP_PDU_BIND_TRANSCEIVER_RESP, SMPP_PDU_SUBMIT_SM,
        SMPP_PDU_SUBMIT_SM_RESP,   SMPP_PDU_DELIVER_SM,            SMPP_PDU_DELIVER_SM_RESP,
        SMPP_PDU_ENQUIRE_LINK,     SMPP_PDU_GENERIC_NACK,
    };
    uint8_t b[400];
    uint32_t x = 12345;
    struct smpp_pdu p;
    const char *why;
    size_t n, j;
    int round;
    enum smpp_pdu_result r;
    (void)state;

    for (round = 0; round < 200000; round++) {
        n = SMPP_PDU_HEADER + next_random(&x) % (sizeof b - SMPP_PDU_HEADER);
        for (j = SMPP_PDU_HEADER; j < n; j++) {
            /* Mostly small values, so NULs and short lengths are common. */
            uint32_t v = next_random(&x);

            b[j] = (uint8_t)((v >> 8) % ((v >> 20) ? 8 : 256));
        }
        put32(b, (uint32_t)n);
        put32(b + 4, ids[round % (sizeof ids / sizeof ids[0])]);
        put32(b + 8, 0);
        put32(b + 12, 1);
        r = unpack_exact(b, n, &p, &why);
        assert_true(r == SMPP_PDU_OK || r == SMPP_PDU_MALFORMED);
        if (r == SMPP_PDU_OK)
            assert_sane(&p);
    }
}

/* The valid samples with a few octets changed, and their length made to
 * agree with a random cut or growth, so the reader gets deep into each. */
static void mutated_pdus_are_refused_or_read_safely(void **state)
{
    struct sample s[8];
    size_t count = samples(s), n, k, changes, at;
    uint32_t x = 777;
    struct smpp_pdu p;
    const char *why;
    uint8_t b[600];
    int round, ok = 0;
    enum smpp_pdu_result r;
    (void)state;

    for (round = 0; round < 200000; round++) {
        struct sample *from = &s[next_random(&x) % count];

        memcpy(b, from->b, from->n);
        n = from->n;
        if (next_random(&x) % 2) /* cut short or grown with random octets */
            n = SMPP_PDU_HEADER + next_random(&x) % (from->n + 40 - SMPP_PDU_HEADER);
        for (k = from->n; k < n; k++)
            b[k] = (uint8_t)next_random(&x);
        /* Small values most often: they are NULs, lengths and TONs. */
        for (changes = next_random(&x) % 4; changes > 0 && n > SMPP_PDU_HEADER; changes--) {
            at = SMPP_PDU_HEADER + next_random(&x) % (n - SMPP_PDU_HEADER);
            b[at] = (uint8_t)(next_random(&x) % 3 ? next_random(&x) % 4 : next_random(&x));
        }
        put32(b, (uint32_t)n);
        r = unpack_exact(b, n, &p, &why);
        assert_true(r == SMPP_PDU_OK || r == SMPP_PDU_MALFORMED);
        if (r == SMPP_PDU_OK) {
            assert_sane(&p);
            ok++;
        } else {
            assert_non_null(why);
        }
    }
    assert_true(ok > 1000); /* the mutations do reach whole PDUs */
}

static void malformed_fields_are_named(void **state)
{
    static struct builder w;
    struct smpp_pdu p;
    const char *why;
    size_t n;
    (void)state;

    /* A C-octet string without its NUL, at the end of the PDU. */
    start(&w, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0, 1);
    add(&w, "SMSC", 4);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "system_id has no NUL before the end of the PDU");

    /* One longer than its field allows. */
    start(&w, SMPP_PDU_BIND_TRANSCEIVER_RESP, 0, 1);
    add_cstr(&w, "0123456789abcdef");
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "system_id is longer than its limit");

    /* sm_length overrunning the PDU, and over SMPP's limit. */
    n = build_receipt(&w, 1);
    w.b[16 + 1 + 2 + 13 + 2 + 7 + 3 + 2 + 4] = 200;
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "short_message runs past the end of the PDU");
    w.b[16 + 1 + 2 + 13 + 2 + 7 + 3 + 2 + 4] = 255;
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "sm_length is over 254");

    /* An optional parameter longer than what is left. */
    n = build_receipt(&w, 1);
    w.b[n - 2] = 9; /* message_state's length */
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "an optional parameter runs past the end of the PDU");

    /* Octets after an enquire_link that are not a whole parameter. */
    start(&w, SMPP_PDU_ENQUIRE_LINK, 0, 3);
    add(&w, "\0\0\0", 3);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_header(&p, SMPP_PDU_ENQUIRE_LINK, 0, 3);

    /* A header that says more, or fewer, octets than there are. */
    n = build_receipt(&w, 1);
    assert_int_equal(unpack_exact(w.b, n - 1, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "cut short: fewer octets than its command_length");
    w.b[n] = 0;
    assert_int_equal(unpack_exact(w.b, n + 1, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "more octets than its command_length");
    assert_int_equal(unpack_exact(w.b, 15, &p, &why), SMPP_PDU_MALFORMED);
    assert_string_equal(why, "shorter than the 16-octet header");
    assert_int_equal(p.sequence_number, 0);
}

/* alert_notification: read for its form (SMPP 3.4, 4.12.1), addresses of
 * up to 64 characters, optional parameters after them; cut or overlong,
 * refused. */
static void alert_notification_reads_and_is_checked(void **state)
{
    static struct builder w;
    static char addr[66];
    struct smpp_pdu p;
    const char *why;
    size_t n;
    uint8_t avail = 0;
    (void)state;

    start(&w, SMPP_PDU_ALERT_NOTIFICATION, 0, 9);
    add_u8(&w, 1), add_u8(&w, 1), add_cstr(&w, "01011112222");
    add_u8(&w, 0), add_u8(&w, 0), add_cstr(&w, "herald");
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_ALERT_NOTIFICATION, 0, 9);
    add_tlv(&w, 0x0422 /* ms_availability_status */, &avail, 1);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);

    memset(addr, '7', 64);
    addr[64] = '\0';
    start(&w, SMPP_PDU_ALERT_NOTIFICATION, 0, 9);
    add_u8(&w, 1), add_u8(&w, 1), add_cstr(&w, addr);
    add_u8(&w, 0), add_u8(&w, 0), add_cstr(&w, "herald");
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    addr[64] = '7', addr[65] = '\0'; /* 65 characters: past the limit */
    start(&w, SMPP_PDU_ALERT_NOTIFICATION, 0, 9);
    add_u8(&w, 1), add_u8(&w, 1), add_cstr(&w, addr);
    add_u8(&w, 0), add_u8(&w, 0), add_cstr(&w, "herald");
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_non_null(strstr(why, "source_addr"));

    start(&w, SMPP_PDU_ALERT_NOTIFICATION, 0, 9);
    add_u8(&w, 1), add_u8(&w, 1), add_cstr(&w, "01011112222"), add_u8(&w, 0);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_non_null(strstr(why, "esme_addr_npi"));
}

/* data_sm as some SMSCs send receipts (SMPP 3.4, 4.7.1): esm_class, the
 * receipt's fields and its text from message_payload; addresses of up to
 * 64 characters skipped. And its answer, laid out as SMPP says. */
static void data_sm_receipts_read_and_are_answered(void **state)
{
    static struct builder w;
    static const char text[] = "id:1a2b stat:DELIVRD err:000";
    static char addr[66];
    struct smpp_pdu p;
    const char *why;
    uint8_t state_v = 2, buf[64];
    size_t n;
    (void)state;

    memset(addr, '1', 64);
    start(&w, SMPP_PDU_DATA_SM, 0, 5);
    add_cstr(&w, ""), add_u8(&w, 1), add_u8(&w, 1), add_cstr(&w, addr);
    add_u8(&w, 0), add_u8(&w, 0), add_cstr(&w, "herald");
    add_u8(&w, SMPP_PDU_ESM_DELIVERY_RECEIPT), add_u8(&w, 0), add_u8(&w, 0);
    add_tlv(&w, 0x001E, "1a2b", 5);
    add_tlv(&w, 0x0427, &state_v, 1);
    add_tlv(&w, 0x0424, text, (uint16_t)strlen(text));
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_OK);
    assert_header(&p, SMPP_PDU_DATA_SM, 0, 5);
    assert_int_equal(p.u.message.esm_class, SMPP_PDU_ESM_DELIVERY_RECEIPT);
    assert_string_equal(p.u.message.receipted_message_id, "1a2b");
    assert_int_equal(p.u.message.message_state, 2);
    assert_int_equal(p.u.message.short_message_len, strlen(text));
    assert_memory_equal(p.u.message.short_message, text, strlen(text));

    /* cut before its data_coding: refused, naming it */
    start(&w, SMPP_PDU_DATA_SM, 0, 5);
    add_cstr(&w, ""), add_u8(&w, 1), add_u8(&w, 1), add_cstr(&w, "010");
    add_u8(&w, 0), add_u8(&w, 0), add_cstr(&w, "herald"), add_u8(&w, 4), add_u8(&w, 0);
    n = finish(&w);
    assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_MALFORMED);
    assert_non_null(strstr(why, "data_coding"));

    /* the answer: a header and an empty message_id */
    int len = smpp_pdu_pack_data_sm_resp(buf, sizeof buf, 5, SMPP_PDU_ESME_ROK);
    static const uint8_t want[] = {0, 0, 0, 17, 0x80, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    len = smpp_pdu_pack_data_sm_resp(buf, sizeof buf, 6, SMPP_PDU_ESME_RX_T_APPN);
    assert_true(len >= 16);
    assert_int_equal(buf[11], 0x64);
    assert_int_equal(buf[7], 3);
}

static void unknown_command_ids_come_back_as_such(void **state)
{
    static struct builder w;
    static const uint32_t ids[] = {0x00000021u /* submit_multi */, 0x00000002u /* bind_transmitter */,
                                   0x80000021u, 0x12345678u, 0x00000000u};
    struct smpp_pdu p;
    const char *why;
    size_t i, n;
    (void)state;

    for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        start(&w, ids[i], 0, 77);
        n = finish(&w);
        assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_UNKNOWN);
        assert_header(&p, ids[i], 0, 77);
        add(&w, "garbage", 7);
        n = finish(&w);
        assert_int_equal(unpack_exact(w.b, n, &p, &why), SMPP_PDU_UNKNOWN);
        assert_header(&p, ids[i], 0, 77);
        assert_non_null(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_transceiver_is_laid_out_as_smpp_says),
        cmocka_unit_test(submit_sm_is_laid_out_as_smpp_says),
        cmocka_unit_test(submit_sm_reads_back_at_every_length),
        cmocka_unit_test(every_other_pdu_reads_back),
        cmocka_unit_test(hand_packers_write_what_libsmpp34_writes),
        cmocka_unit_test(packers_refuse_what_does_not_fit),
        cmocka_unit_test(responses_read_with_and_without_their_body),
        cmocka_unit_test(a_receipt_reads_with_its_optional_parameters),
        cmocka_unit_test(lengths_outside_the_limits_are_refused),
        cmocka_unit_test(the_largest_pdu_reads_and_one_more_octet_does_not),
        cmocka_unit_test(a_stream_split_anywhere_frames_the_same),
        cmocka_unit_test(cut_pdus_are_refused),
        cmocka_unit_test(corrupted_pdus_are_refused_or_read_safely),
        cmocka_unit_test(random_bodies_are_refused_or_read_safely),
        cmocka_unit_test(mutated_pdus_are_refused_or_read_safely),
        cmocka_unit_test(malformed_fields_are_named),
        cmocka_unit_test(alert_notification_reads_and_is_checked),
        cmocka_unit_test(data_sm_receipts_read_and_are_answered),
        cmocka_unit_test(unknown_command_ids_come_back_as_such),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
