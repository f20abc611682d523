// What the SMSC peer saw, for GET /stats: totals of each kind of PDU and
// answer, and per destination number the messages as its phone would show
// them (segments joined, UCS-2 decoded). Tests count with it; the demo's
// phone view reads the texts.
'use strict';

function smsc_stats_new() {
	return {
		binds: 0, bind_refusals: 0, unbinds: 0,
		submits: 0, accepted: 0, throttled: 0, refused: 0, unanswered: 0, drops: 0,
		messages: 0, undelivered: 0, duplicates: 0,
		receipts: 0, receipts_acked: 0, receipts_nacked: 0, receipts_retried: 0,
		// receipts sent as data_sm answered by anything but data_sm_resp
		receipts_wrong_answer: 0,
		enquire_links: 0, enquire_link_resps: 0, generic_nacks_sent: 0, generic_nacks_received: 0,
		malformed: 0, bad_headers: 0, bad_segments: 0, injected: 0,
		flood_bytes: 0, // of an injected flood, the octets the ESME's side took
		// Unix ms of the first and last submit taken, of the last receipt
		// sent and of the last one the ESME answered OK, since the start or
		// the last reset (0: none yet), so a benchmark can time a gateway
		// from what reached the SMSC.
		first_submit_ms: 0, last_submit_ms: 0, last_receipt_ms: 0, last_receipt_ack_ms: 0,
		destinations: Object.create(null), // keyed by what ESMEs send, so no prototype
	};
}

// One whole message taken for a destination (d null when only totals are
// kept). A text the phone already has is a duplicate; an undelivered one
// never reaches the phone, so it has no text there.
function smsc_stats_message(stats, d, text, stat) {
	stats.messages++;
	if (stat !== 'DELIVRD') stats.undelivered++;
	if (!d) return;
	d.messages++;
	if (stat !== 'DELIVRD') {
		d.undelivered++;
		return;
	}
	if (d.texts.includes(text)) {
		d.duplicates++;
		stats.duplicates++;
	}
	d.texts.push(text);
}

// The totals, then what only the server knows (pending receipts, parts
// waiting for their message), then the destinations.
function smsc_stats_show(stats, extra) {
	const out = Object.assign({}, stats);
	delete out.destinations;
	Object.assign(out, extra);
	out.destinations = stats.destinations;
	return out;
}

module.exports = { smsc_stats_new, smsc_stats_message, smsc_stats_show };
