// What the SMSC peer and its client both need to know about a short message's
// bytes: the concatenation header, the text encodings, segmenting a text the
// way a phone expects it, and the delivery receipt's text form. The smpp
// package would decode short_message itself, per segment and with its own
// guesses; the peer must see exactly the bytes an ESME sent, so its filters
// are switched off and the bytes are read here.
'use strict';

const ESM_UDHI = 0x40;
const ESM_RECEIPT = 0x04;
const DC_UCS2 = 8;
const UCS2_SINGLE_MAX = 70; // UTF-16 units in one 140-octet message
const UCS2_SEGMENT_MAX = 67; // the same less a 6-octet concatenation header

// short_message (and message_payload) stay Buffers in and out.
function sms_raw_messages(smpp) {
	for (const name of ['submit_sm', 'deliver_sm', 'data_sm']) {
		const p = smpp.commands[name] && smpp.commands[name].params;
		if (p && p.short_message) delete p.short_message.filter;
	}
	if (smpp.tlvs.message_payload) delete smpp.tlvs.message_payload.filter;
}

// The bytes a submit or deliver carries: short_message, or message_payload
// when short_message is empty.
function sms_payload(pdu) {
	const sm = pdu.short_message;
	if (Buffer.isBuffer(sm) && sm.length) return sm;
	if (Buffer.isBuffer(pdu.message_payload)) return pdu.message_payload;
	return Buffer.alloc(0);
}

// Splits a payload into its concatenation part (null when it is not a
// segment: {ref, total, seq}) and its body. Both 8-bit (IEI 0) and 16-bit
// (IEI 8) references are read. A header that runs past the payload leaves
// the whole payload as body, with bad set.
function sms_split(payload, esm_class) {
	if (!(esm_class & ESM_UDHI) || payload.length < 1) return { concat: null, body: payload, bad: false };
	const udhl = payload[0];
	if (udhl + 1 > payload.length) return { concat: null, body: payload, bad: true };
	let concat = null;
	for (let i = 1; i + 1 < udhl + 1;) {
		const iei = payload[i], len = payload[i + 1];
		const v = payload.subarray(i + 2, i + 2 + len);
		if (i + 2 + len > udhl + 1) return { concat: null, body: payload, bad: true };
		if (iei === 0x00 && len === 3) concat = { ref: v[0], total: v[1], seq: v[2] };
		if (iei === 0x08 && len === 4) concat = { ref: v.readUInt16BE(0), total: v[2], seq: v[3] };
		i += 2 + len;
	}
	return { concat, body: payload.subarray(udhl + 1), bad: false };
}

// Text from a body by data_coding: UCS-2 for 8, Latin-1 for 3, hex for the
// binary codings, and the GSM default alphabet read as ASCII otherwise (the
// peer does not unpack 7-bit septets; herald sends UCS-2).
function sms_decode(body, data_coding) {
	const dc = data_coding & 0xff;
	if (dc === DC_UCS2) {
		const even = Buffer.from(body.subarray(0, body.length & ~1));
		return even.swap16().toString('utf16le');
	}
	if (dc === 0x02 || dc === 0x04) return body.toString('hex');
	if (dc === 0x03) return body.toString('latin1');
	return body.toString('latin1');
}

function sms_ucs2(text) {
	return Buffer.from(text, 'utf16le').swap16();
}

// The payloads and esm_class for text sent as UCS-2: one message when it
// fits, else segments of at most segment_max UTF-16 units (never splitting
// a surrogate pair), each behind a 05 00 03 ref total seq header.
function sms_segments(text, ref, segment_max) {
	const max = segment_max || UCS2_SEGMENT_MAX;
	if (text.length <= UCS2_SINGLE_MAX && !segment_max) return [{ esm_class: 0, payload: sms_ucs2(text) }];
	const parts = [];
	for (let i = 0; i < text.length;) {
		let end = Math.min(i + max, text.length);
		const last = text.charCodeAt(end - 1);
		if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
		parts.push(text.slice(i, end));
		i = end;
	}
	if (parts.length === 1) return [{ esm_class: 0, payload: sms_ucs2(text) }];
	return parts.map((part, k) => ({
		esm_class: ESM_UDHI,
		payload: Buffer.concat([Buffer.from([5, 0, 3, ref & 0xff, parts.length, k + 1]), sms_ucs2(part)]),
	}));
}

function two(n) {
	return String(n).padStart(2, '0');
}

// YYMMDDhhmm in UTC, the receipt's date form.
function sms_receipt_date(ms) {
	const d = new Date(ms);
	return two(d.getUTCFullYear() % 100) + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) +
		two(d.getUTCHours()) + two(d.getUTCMinutes());
}

// The receipt text SMSCs conventionally send; text: holds the first 20
// characters of the segment, anything outside printable ASCII as '?'.
function sms_receipt_text(r) {
	const delivered = r.stat === 'DELIVRD';
	const text = Array.from(r.text || '').slice(0, 20)
		.map((c) => (c >= ' ' && c <= '~' ? c : '?')).join('');
	return 'id:' + r.id + ' sub:001 dlvrd:' + (delivered ? '001' : '000') +
		' submit date:' + sms_receipt_date(r.submitted) + ' done date:' + sms_receipt_date(r.done) +
		' stat:' + r.stat + ' err:' + (delivered ? '000' : '001') + ' text:' + text;
}

// The fields of a receipt text, text: last since it may hold anything.
function sms_receipt_parse(s) {
	const out = {};
	const m = /^(.*?)(?: text:(.*))?$/s.exec(s);
	const re = /(id|sub|dlvrd|submit date|done date|stat|err):(\S*)/g;
	let f;
	while ((f = re.exec(m[1])) !== null) out[f[1].replace(' ', '_')] = f[2];
	if (m[2] !== undefined) out.text = m[2];
	return out;
}

module.exports = {
	ESM_UDHI, ESM_RECEIPT, DC_UCS2, UCS2_SINGLE_MAX, UCS2_SEGMENT_MAX,
	sms_raw_messages, sms_payload, sms_split, sms_decode, sms_ucs2, sms_segments,
	sms_receipt_text, sms_receipt_parse,
};
