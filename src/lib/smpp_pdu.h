/* smpp_pdu.h -- the SMPP 3.4 PDUs an ESME sends and reads, as bytes.
 *
 * A session frames its TCP stream with smpp_pdu_length, reads each whole
 * PDU with smpp_pdu_unpack and writes its own with smpp_pdu_pack_*. The
 * struct it gets back is ours, small and flat; no outside library's type
 * shows here. Nothing in this file does I/O or keeps state between calls,
 * so any thread may use it. */
#ifndef HERALD_SMPP_PDU_H
#define HERALD_SMPP_PDU_H

#include <stddef.h>
#include <stdint.h>

/* command_length counts the 16-octet header; a peer may not send more
 * than SMPP_PDU_MAX octets in one PDU (we refuse it rather than buffer). */
#define SMPP_PDU_HEADER 16
#define SMPP_PDU_MAX 65536

/* Field limits in octets, the NUL of a C-octet string not counted. */
#define SMPP_PDU_SYSTEM_ID_MAX 15
#define SMPP_PDU_PASSWORD_MAX 8
#define SMPP_PDU_SYSTEM_TYPE_MAX 12
#define SMPP_PDU_ADDR_MAX 20
#define SMPP_PDU_MESSAGE_ID_MAX 64
/* What a short_message may hold when read. One we send holds one octet
 * less: libsmpp34 packs at most 253 (a GSM segment is 140 anyway). */
#define SMPP_PDU_SHORT_MESSAGE_MAX 254
#define SMPP_PDU_SUBMIT_SHORT_MESSAGE_MAX 253

#define SMPP_PDU_INTERFACE_VERSION 0x34

/* command_id */
#define SMPP_PDU_GENERIC_NACK 0x80000000u
#define SMPP_PDU_SUBMIT_SM 0x00000004u
#define SMPP_PDU_SUBMIT_SM_RESP 0x80000004u
#define SMPP_PDU_DELIVER_SM 0x00000005u
#define SMPP_PDU_DELIVER_SM_RESP 0x80000005u
#define SMPP_PDU_UNBIND 0x00000006u
#define SMPP_PDU_UNBIND_RESP 0x80000006u
#define SMPP_PDU_BIND_TRANSCEIVER 0x00000009u
#define SMPP_PDU_BIND_TRANSCEIVER_RESP 0x80000009u
#define SMPP_PDU_ALERT_NOTIFICATION 0x00000102u
#define SMPP_PDU_DATA_SM 0x00000103u
#define SMPP_PDU_DATA_SM_RESP 0x80000103u
#define SMPP_PDU_ENQUIRE_LINK 0x00000015u
#define SMPP_PDU_ENQUIRE_LINK_RESP 0x80000015u
/* The bit that makes a command's id its response's. */
#define SMPP_PDU_RESP_BIT 0x80000000u

/* command_status values a session acts on. */
#define SMPP_PDU_ESME_ROK 0x00000000u
#define SMPP_PDU_ESME_RINVCMDLEN 0x00000002u
#define SMPP_PDU_ESME_RINVCMDID 0x00000003u
#define SMPP_PDU_ESME_RSYSERR 0x00000008u
#define SMPP_PDU_ESME_RMSGQFUL 0x00000014u
#define SMPP_PDU_ESME_RTHROTTLED 0x00000058u
#define SMPP_PDU_ESME_RX_T_APPN 0x00000064u

/* esm_class bits, registered_delivery and data_coding values. */
#define SMPP_PDU_ESM_DELIVERY_RECEIPT 0x04
#define SMPP_PDU_ESM_UDHI 0x40
#define SMPP_PDU_REGISTERED_DELIVERY_FINAL 0x01
#define SMPP_PDU_CODING_DEFAULT 0x00
#define SMPP_PDU_CODING_UCS2 0x08

/* Addresses: TON 0-6, NPI one of the values SMPP 3.4 names (0, 1, 3, 4,
 * 6, 8, 9, 10, 14, 18); 1/1 is an international E.164 number. */
struct smpp_pdu_address {
    uint8_t ton;
    uint8_t npi;
    char addr[SMPP_PDU_ADDR_MAX + 1];
};

/* A submit_sm to send, or a submit_sm, deliver_sm or data_sm read. The
 * fields SMPP has and this omits (service_type, protocol_id, priority_flag,
 * schedule and validity times, replace_if_present_flag, sm_default_msg_id)
 * go out as zero or empty and are skipped when read. A data_sm's text is
 * its message_payload (kept here when it fits short_message), and its
 * addresses, of up to 64 characters, are skipped; so is a deliver_sm's
 * message_payload when its short_message is not empty. */
struct smpp_pdu_message {
    struct smpp_pdu_address source;
    struct smpp_pdu_address dest;
    uint8_t esm_class;
    uint8_t registered_delivery;
    uint8_t data_coding;
    size_t short_message_len;
    uint8_t short_message[SMPP_PDU_SHORT_MESSAGE_MAX];
    /* Read from a deliver_sm's optional parameters when it has them (a
     * receipt usually does): "" and -1 when it does not. */
    char receipted_message_id[SMPP_PDU_MESSAGE_ID_MAX + 1];
    int message_state;
};

/* A bind_transceiver: what the ESME says it is. */
struct smpp_pdu_bind {
    char system_id[SMPP_PDU_SYSTEM_ID_MAX + 1];
    char password[SMPP_PDU_PASSWORD_MAX + 1];
    char system_type[SMPP_PDU_SYSTEM_TYPE_MAX + 1];
    uint8_t interface_version;
};

/* One PDU read. command_id says which member of the union holds its body:
 * bind for BIND_TRANSCEIVER, system_id for BIND_TRANSCEIVER_RESP,
 * message_id for SUBMIT_SM_RESP, message for SUBMIT_SM, DELIVER_SM and
 * DATA_SM;
 * the other PDUs we read have no body. A response with a non-zero status
 * may come without its body; its strings are then "". */
struct smpp_pdu {
    uint32_t command_id;
    uint32_t command_status;
    uint32_t sequence_number;
    union {
        struct smpp_pdu_bind bind;
        char system_id[SMPP_PDU_SYSTEM_ID_MAX + 1];
        char message_id[SMPP_PDU_MESSAGE_ID_MAX + 1];
        struct smpp_pdu_message message;
    } u;
};

/* Packers. Each writes one PDU into buf (size octets) and returns its
 * length, or -1 when it does not fit or a field is out of its range
 * (a string too long, a TON, NPI or command_status SMPP 3.4 does not
 * define, sequence 0). The requests take sequence numbers 1..0x7FFFFFFF;
 * a response echoes the request's. */
int smpp_pdu_pack_bind_transceiver(uint8_t *buf, size_t size, uint32_t sequence,
                                   const char *system_id, const char *password,
                                   const char *system_type);
int smpp_pdu_pack_submit_sm(uint8_t *buf, size_t size, uint32_t sequence,
                            const struct smpp_pdu_message *m);
int smpp_pdu_pack_deliver_sm_resp(uint8_t *buf, size_t size, uint32_t sequence,
                                  uint32_t status);
int smpp_pdu_pack_data_sm_resp(uint8_t *buf, size_t size, uint32_t sequence, uint32_t status);
int smpp_pdu_pack_enquire_link(uint8_t *buf, size_t size, uint32_t sequence);
int smpp_pdu_pack_enquire_link_resp(uint8_t *buf, size_t size, uint32_t sequence);
int smpp_pdu_pack_generic_nack(uint8_t *buf, size_t size, uint32_t sequence,
                               uint32_t status);
int smpp_pdu_pack_unbind(uint8_t *buf, size_t size, uint32_t sequence);
int smpp_pdu_pack_unbind_resp(uint8_t *buf, size_t size, uint32_t sequence);

/* The framing of a stream: given the n octets received so far, the length
 * of the PDU they begin with; 0 while fewer than 4 octets have come; -1
 * with *why when the declared length is under SMPP_PDU_HEADER or over
 * SMPP_PDU_MAX, after which the stream cannot be trusted to resynchronise. */
long smpp_pdu_length(const uint8_t *buf, size_t n, const char **why);

/* What smpp_pdu_unpack made of a PDU. */
enum smpp_pdu_result {
    SMPP_PDU_MALFORMED = -1, /* refused; *why says what was wrong */
    SMPP_PDU_OK = 0,         /* *out holds it */
    SMPP_PDU_UNKNOWN = 1,    /* a command id we do not read; header only */
};

/* Reads one whole PDU of n octets (n must be its command_length). Fills
 * the header fields of *out whenever n holds a header, even when the PDU
 * is refused, so the session can answer generic_nack with its sequence
 * number. *why is a static string. Never reads outside buf. */
enum smpp_pdu_result smpp_pdu_unpack(const uint8_t *buf, size_t n, struct smpp_pdu *out,
                                     const char **why);

#endif
