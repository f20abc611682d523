#!/usr/bin/env node
// An SMPP 3.4 SMSC on loopback, built on npm's smpp package, for herald's
// tests, benchmarks and demo: a real peer for the carrier channel instead of
// a stand-in written alongside the code it tests. It binds ESMEs that give
// the system_id and password it was started with, answers submits with
// message ids, sends delivery receipts, and can be told to misbehave the
// ways carriers do: throttle, fail numbers, drop the connection mid-window,
// report late, close after each bind, send receipts without their text. A
// small HTTP endpoint beside it changes those behaviours at run time,
// closes every session (POST /close), writes bad PDUs to a bound ESME
// (POST /inject), and reports what arrived (GET /stats), the demo's phone
// view included.
//
//   node smsc.js --system-id ID --password PW [--port N] [--control-port N]
//        [--receipt-delay MS] [--throttle-share F] [--throttle-ms MS]
//        [--throttle-status N] [--fail NUMBER[:STAT|:STATUS]]...
//        [--drop-after K] [--drop-unanswered M] [--enquire-link MS]
//        [--later-part-answer MS] [--counts-only] [--tls-key FILE --tls-cert FILE]
//
// Prints "listening on 127.0.0.1 (port N)" and "control on 127.0.0.1
// (port M)" on stdout once both accept connections; logs to stderr.
'use strict';

const smpp = require('smpp');
const http = require('http');
const crypto = require('crypto');
const sms = require('./sms');
const { smsc_config_new, smsc_config_apply, smsc_config_show } = require('./config');
const { smsc_stats_new, smsc_stats_show, smsc_stats_message } = require('./stats');

sms.sms_raw_messages(smpp);

const E = smpp.errors;
const STATES = { DELIVRD: 2, EXPIRED: 3, UNDELIV: 5, REJECTD: 8 };
const RX_T_APPN = 0x64; // ESME_RX_T_APPN: the ESME asks for the PDU again later
const BINDS = { bind_transceiver: 'trx', bind_transmitter: 'tx', bind_receiver: 'rx' };

function log(msg) {
	process.stderr.write('smsc: ' + msg + '\n');
}

const cfg = smsc_config_new(process.argv.slice(2));
let stats = smsc_stats_new();
const sessions = new Set();
const held = []; // receipts due while no receiver was bound
let scheduled = 0; // receipts waiting for their delay
let throttle_seen = 0; // submits judged under throttle_share
let drop_seen = 0; // submits counted towards drop_after
const segments = new Map(); // (source, destination, ref, total) -> parts
const id_prefix = crypto.randomBytes(4).toString('hex');
let id_next = 0;

function hash(s) {
	return crypto.createHash('sha256').update(String(s)).digest();
}

function credentials_ok(pdu) {
	const a = crypto.timingSafeEqual(hash(pdu.system_id), hash(cfg.system_id));
	const b = crypto.timingSafeEqual(hash(pdu.password), hash(cfg.password));
	return a && b;
}

function message_id() {
	id_next = (id_next + 1) >>> 0;
	return id_prefix + id_next.toString(16).padStart(8, '0');
}

function answer(s, pdu, fields) {
	if (!s.dropped) s.session.send(pdu.response(fields));
}

// ---- binding

function on_bind(s, pdu) {
	if (s.mode) return answer(s, pdu, { command_status: E.ESME_RALYBND });
	if (!credentials_ok(pdu)) {
		stats.bind_refusals++;
		log('bind refused: system_id "' + pdu.system_id + '"');
		return answer(s, pdu, { command_status: E.ESME_RBINDFAIL });
	}
	s.mode = BINDS[pdu.command];
	stats.binds++;
	answer(s, pdu, { system_id: 'herald-smsc' });
	// An SMSC over its session limit, or going down: the bind answered,
	// then the connection closed.
	if (cfg.close_after_bind) return setTimeout(() => s.session.close(), 20);
	if (cfg.enquire_link_ms > 0) {
		s.enquire = setInterval(() => s.session.enquire_link({}, () => stats.enquire_link_resps++),
			cfg.enquire_link_ms);
	}
	if (s.mode !== 'tx') receipts_flush();
}

function on_unbind(s, pdu) {
	stats.unbinds++;
	s.mode = null;
	s.session.send(pdu.response(), () => s.session.close());
}

// ---- submits

function throttled() {
	if (Date.now() < cfg.throttle_until) return true;
	if (cfg.throttle_share <= 0) return false;
	const c = throttle_seen++;
	return Math.floor((c + 1) * cfg.throttle_share) > Math.floor(c * cfg.throttle_share);
}

// Counts a submit towards drop_after: 'answer' for the first K-M, 'keep'
// (taken in, never answered) for the last M, 'drop' after the K-th.
function drop_verdict() {
	if (cfg.drop_after <= 0) return 'answer';
	drop_seen++;
	if (drop_seen <= cfg.drop_after - cfg.drop_unanswered) return 'answer';
	return drop_seen >= cfg.drop_after ? 'drop' : 'keep';
}

function drop(s) {
	stats.drops++;
	log('dropping the connection after ' + cfg.drop_after + ' submits, ' +
		cfg.drop_unanswered + ' unanswered');
	cfg.drop_after = 0;
	drop_seen = 0;
	s.dropped = true;
	s.mode = null;
	// The answers already written go out, then a FIN; what the ESME still
	// sends is read and ignored, since closing with unread bytes would
	// reset the connection and could cost it those answers.
	const socket = s.session.socket;
	socket.end();
	setTimeout(() => socket.destroy(), 2000).unref();
}

function on_submit(s, pdu) {
	if (s.mode !== 'trx' && s.mode !== 'tx') return answer(s, pdu, { command_status: E.ESME_RINVBNDSTS });
	if (pdu.short_message === undefined) {
		// The PDU ended before its last mandatory field.
		stats.malformed++;
		log('submit_sm ends before short_message (command_length ' + pdu.command_length + ')');
		return answer(s, pdu, { command_status: E.ESME_RINVCMDLEN });
	}
	const dest = pdu.destination_addr;
	const d = dest_stats(dest);
	stats.submits++;
	d.submits++;
	stats.last_submit_ms = Date.now();
	if (!stats.first_submit_ms) stats.first_submit_ms = stats.last_submit_ms;
	const verdict = drop_verdict();
	if (verdict !== 'answer') {
		stats.unanswered++;
		take(s, pdu, d);
		if (verdict === 'drop') drop(s);
		return;
	}
	if (throttled()) {
		stats.throttled++;
		return answer(s, pdu, { command_status: cfg.throttle_status });
	}
	if (later_part(pdu) && Date.now() < cfg.later_part_throttle_until) {
		// the first segment taken, its receipt on its way, the rest held
		stats.throttled++;
		return answer(s, pdu, { command_status: cfg.throttle_status });
	}
	const fail = cfg.fail[dest];
	if (fail === 'THROTTLE') { // one destination's queue full for good
		stats.throttled++;
		return answer(s, pdu, { command_status: cfg.throttle_status });
	}
	if (typeof fail === 'number') {
		stats.refused++;
		return answer(s, pdu, { command_status: fail });
	}
	if (fail === 'NACK' || fail === 'NACKBODY') { // a submit it could not take at all
		stats.refused++;
		stats.generic_nacks_sent++;
		// NACKBODY: four octets after the header, which a generic_nack has
		// none of (an optional parameter's tag and a length past the end)
		const extra = fail === 'NACKBODY' ? 4 : 0;
		const h = Buffer.alloc(16 + extra, 0xff);
		header(16 + extra, 0x80000000, pdu.sequence_number).copy(h);
		h.writeUInt32BE(0x00000008, 8); // ESME_RSYSERR
		if (!s.dropped) s.session.socket.write(h);
		return;
	}
	stats.accepted++;
	d.accepted++;
	const late = later_part(pdu) ? cfg.later_part_answer_ms : 0;
	if (late > 0) setTimeout(() => { if (sessions.has(s)) answer(s, pdu, { message_id: take(s, pdu, d) }); }, late);
	else if (cfg.answer_delay_ms > 0) {
		// taken now, its receipt on its way, its answer later
		const id = take(s, pdu, d);
		setTimeout(() => { if (sessions.has(s)) answer(s, pdu, { message_id: id }); }, cfg.answer_delay_ms);
	} else answer(s, pdu, { message_id: take(s, pdu, d) });
}

// A long message's second or later segment, which later_part_answer_ms
// answers late: a receipt for the first then comes before the ESME has
// every message id of the message.
function later_part(pdu) {
	const c = sms.sms_split(sms.sms_payload(pdu), pdu.esm_class).concat;
	return c && c.total >= 2 && c.seq >= 2;
}

function dest_stats(dest) {
	if (cfg.counts_only) return { submits: 0, accepted: 0, receipts: 0 };
	let d = stats.destinations[dest];
	if (!d) {
		d = { submits: 0, accepted: 0, messages: 0, undelivered: 0, duplicates: 0, receipts: 0, texts: [] };
		stats.destinations[dest] = d;
	}
	return d;
}

// A submit the SMSC keeps: an id, its part of a message, its receipt.
function take(s, pdu, d) {
	const id = message_id();
	const how = cfg.fail[pdu.destination_addr];
	const stat = typeof how === 'string' && how !== 'THROTTLE' ? how : 'DELIVRD';
	const part = sms.sms_split(sms.sms_payload(pdu), pdu.esm_class);
	if (part.bad) stats.bad_headers++;
	segment_take(pdu, part, stat);
	const rd = pdu.registered_delivery & 0x03;
	if (rd === 1 || (rd === 2 && stat !== 'DELIVRD')) {
		receipt_schedule(s, {
			id, stat, d,
			source: pdu.source_addr, source_ton: pdu.source_addr_ton, source_npi: pdu.source_addr_npi,
			dest: pdu.destination_addr, dest_ton: pdu.dest_addr_ton, dest_npi: pdu.dest_addr_npi,
			text: sms.sms_decode(part.body, pdu.data_coding), submitted: Date.now(),
		});
	}
	return id;
}

// Joins a message's segments the way the phone does, by sender and
// reference (and total, so a reused reference starts afresh); a message
// is counted once all its parts are in.
function segment_take(pdu, part, stat) {
	const c = part.concat;
	if (!c || c.total < 2 || c.seq < 1 || c.seq > c.total) {
		if (c) stats.bad_segments++;
		return message_done(pdu, [part.body], stat);
	}
	const key = pdu.source_addr + '\0' + pdu.destination_addr + '\0' + c.ref + '\0' + c.total;
	let m = segments.get(key);
	if (!m) {
		m = { parts: new Array(c.total), have: 0, stat: 'DELIVRD' };
		segments.set(key, m);
	}
	if (!m.parts[c.seq - 1]) m.have++;
	m.parts[c.seq - 1] = part.body;
	if (stat !== 'DELIVRD') m.stat = stat;
	if (m.have < c.total) return;
	segments.delete(key);
	message_done(pdu, m.parts, m.stat);
}

function message_done(pdu, bodies, stat) {
	const text = sms.sms_decode(Buffer.concat(bodies), pdu.data_coding);
	smsc_stats_message(stats, cfg.counts_only ? null : stats.destinations[pdu.destination_addr], text, stat);
}

// ---- receipts

function receipt_schedule(s, r) {
	scheduled++;
	r.origin = s;
	const send = () => {
		scheduled--;
		receipt_send(r);
	};
	if (cfg.receipt_delay_ms > 0) setTimeout(send, cfg.receipt_delay_ms);
	else setImmediate(send);
}

function receiver(prefer) {
	if (prefer && (prefer.mode === 'trx' || prefer.mode === 'rx')) return prefer;
	for (const s of sessions) if (s.mode === 'trx' || s.mode === 'rx') return s;
	return null;
}

// The receipt as its text names it: the message id as a decimal number
// when receipt_id says so (the ids are 16 hex digits, 64 bits).
function receipt_view(r) {
	return cfg.receipt_id === 'decimal' ? Object.assign({}, r, { id: BigInt('0x' + r.id).toString(10) }) : r;
}

// The receipt goes back on the session that submitted, else on any bound
// receiver, else waits for the next bind, as an SMSC stores them.
function receipt_send(r) {
	const s = receiver(r.origin);
	if (!s) {
		r.origin = null;
		held.push(r);
		return;
	}
	r.done = Date.now();
	stats.receipts++;
	stats.last_receipt_ms = r.done;
	if (r.d) r.d.receipts++;
	const pdu = {
		source_addr_ton: r.dest_ton, source_addr_npi: r.dest_npi, source_addr: r.dest,
		dest_addr_ton: r.source_ton, dest_addr_npi: r.source_npi, destination_addr: r.source,
		esm_class: sms.ESM_RECEIPT, data_coding: 0,
	};
	// Appendix B's text is an example: some SMSCs send only the fields.
	const text = cfg.receipt_text ? Buffer.from(sms.sms_receipt_text(receipt_view(r)), 'latin1') : Buffer.alloc(0);
	if (cfg.receipt_fields) Object.assign(pdu, { receipted_message_id: r.id, message_state: STATES[r.stat] || 7 });
	// data_sm, as some SMSCs send receipts: its text in message_payload
	const as_data_sm = cfg.receipt_pdu === 'data_sm';
	if (as_data_sm) {
		pdu.registered_delivery = 0;
		if (text.length) pdu.message_payload = text;
	} else pdu.short_message = text;
	s.session[as_data_sm ? 'data_sm' : 'deliver_sm'](pdu, (resp) => {
		// the package matches an answer by its sequence alone
		if (resp.command !== (as_data_sm ? 'data_sm_resp' : 'deliver_sm_resp')) stats.receipts_wrong_answer++;
		if (resp.command_status === 0) {
			stats.receipts_acked++;
			stats.last_receipt_ack_ms = Date.now();
		} else if (resp.command_status === RX_T_APPN) {
			// "try again later", as an SMSC does: the receipt stays ours
			stats.receipts_retried++;
			stats.receipts--;
			if (r.d) r.d.receipts--;
			setTimeout(() => receipt_send(r), cfg.receipt_retry_ms);
		} else stats.receipts_nacked++;
	});
}

function receipts_flush() {
	const due = held.splice(0);
	for (const r of due) receipt_send(r);
}

// ---- the session's PDUs

function on_pdu(s, pdu) {
	if (s.dropped || pdu.isResponse()) {
		if (pdu.command === 'generic_nack') stats.generic_nacks_received++;
		return;
	}
	switch (pdu.command) {
	case 'bind_transceiver': case 'bind_transmitter': case 'bind_receiver':
		return on_bind(s, pdu);
	case 'submit_sm':
		return on_submit(s, pdu);
	case 'enquire_link':
		stats.enquire_links++;
		return answer(s, pdu);
	case 'unbind':
		return on_unbind(s, pdu);
	case 'unknown':
		stats.generic_nacks_sent++;
		log('unknown command id 0x' + pdu.command_id.toString(16));
		return answer(s, pdu);
	default:
		log('unsupported ' + pdu.command);
		return answer(s, pdu, { command_status: E.ESME_RINVCMDID });
	}
}

function session_new(session) {
	const s = { session, mode: null, dropped: false, enquire: null };
	sessions.add(s);
	session.on('pdu', (pdu) => {
		try {
			on_pdu(s, pdu);
		} catch (e) {
			// A PDU the handlers could not take (fields missing, say) costs
			// its sender an error answer, not the peer its life.
			log(pdu.command + ': ' + e.message);
			if (!pdu.isResponse()) answer(s, pdu, { command_status: E.ESME_RSYSERR });
		}
	});
	session.on('error', (e) => {
		log('session error: ' + e.message);
		session.destroy();
	});
	session.on('close', () => {
		sessions.delete(s);
		if (s.enquire) clearInterval(s.enquire);
		s.mode = null;
	});
}

// ---- bad input, on request

// What POST /inject {"pdu": KIND} writes to every bound ESME, raw, to see
// that it copes: a command id SMPP does not define, a deliver_sm cut
// short, a command_length over 64 KiB (which leaves the stream beyond
// repair), a well-formed receipt for a message id never issued, a
// generic_nack and a submit_sm_resp with sequence 0 (which SMPP does not
// allow: a free slot's mark to a careless ESME), an alert_notification
// (which wants no answer), and a flood (below).
const INJECT = ['unknown_command', 'malformed_deliver', 'oversize', 'unknown_receipt', 'nack_zero',
	'submit_resp_zero', 'flood', 'alert_notification'];
const FLOOD_BYTES = 64 << 20;
let inject_seq = 0x7f000000;

function header(length, id, seq) {
	const b = Buffer.alloc(16);
	b.writeUInt32BE(length, 0);
	b.writeUInt32BE(id, 4);
	b.writeUInt32BE(0, 8);
	b.writeUInt32BE(seq, 12);
	return b;
}

// 64 MiB of enquire_link, written as fast as the ESME takes them, while
// this side reads nothing more: an ESME that answers all it reads and
// keeps what it cannot send would hold 64 MiB of answers. stats.flood_bytes
// counts what the kernel took (the rest waits in this process).
function flood(s) {
	const socket = s.session.socket;
	const chunk = Buffer.alloc(16 * 65536);
	for (let i = 0; i < 65536; i++) header(16, 0x00000015, ++inject_seq).copy(chunk, i * 16);
	s.session.pause(); // the session reads the socket on 'readable'; this stops it
	let queued = 0;
	const more = () => {
		while (queued < FLOOD_BYTES && !socket.destroyed) {
			queued += chunk.length;
			const ok = socket.write(chunk, (err) => { if (!err) stats.flood_bytes += chunk.length; });
			if (!ok) return socket.once('drain', more);
		}
	};
	more();
}

function inject(kind) {
	if (!INJECT.includes(kind)) throw new Error('pdu must be one of ' + INJECT.join(', '));
	let n = 0;
	for (const s of sessions) {
		if (!s.mode || s.dropped) continue;
		const seq = ++inject_seq;
		n++;
		stats.injected++;
		if (kind === 'unknown_command') s.session.socket.write(header(16, 0x000000ff, seq));
		else if (kind === 'alert_notification') {
			// a phone back in reach: source (TON 1, NPI 1, the number), then
			// the ESME's address; SMPP defines no response to it
			const body = Buffer.concat([Buffer.from([1, 1]), Buffer.from('01011112222\0', 'latin1'),
				Buffer.from([0, 0]), Buffer.from('herald\0', 'latin1')]);
			s.session.socket.write(Buffer.concat([header(16 + body.length, 0x00000102, seq), body]));
		}
		else if (kind === 'nack_zero') {
			const h = header(16, 0x80000000, 0);
			h.writeUInt32BE(0x00000008, 8); // ESME_RSYSERR
			s.session.socket.write(h);
		} else if (kind === 'submit_resp_zero') {
			s.session.socket.write(Buffer.concat([header(17, 0x80000004, 0), Buffer.from([0])]));
		}
		else if (kind === 'malformed_deliver') {
			// service_type, then a source address with no NUL before the end.
			s.session.socket.write(Buffer.concat([header(24, 0x00000005, seq), Buffer.from([0, 1, 1, 0x41, 0x41, 0x41, 0x41, 0x41])]));
		} else if (kind === 'oversize') s.session.socket.write(header(0x00100000, 0x00000005, seq));
		else if (kind === 'flood') flood(s);
		else {
			s.session.deliver_sm({
				source_addr: '01000000000', destination_addr: 'herald', esm_class: sms.ESM_RECEIPT, data_coding: 0,
				short_message: Buffer.from('id:ffffffffffffffff sub:001 dlvrd:001 submit date:2612010000 done date:2612010000 stat:DELIVRD err:000 text:', 'latin1'),
				receipted_message_id: 'ffffffffffffffff', message_state: 2,
			}, (resp) => {
				if (resp.command_status === 0) stats.receipts_acked++;
				else stats.receipts_nacked++;
			});
		}
	}
	return n;
}

// ---- the control endpoint

function reply(res, code, body) {
	const text = JSON.stringify(body) + '\n';
	res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

function config_set(body) {
	const before_share = cfg.throttle_share;
	smsc_config_apply(cfg, body);
	if (cfg.throttle_share !== before_share) throttle_seen = 0;
	if ('drop_after' in body) drop_seen = 0;
	if ('enquire_link_ms' in body) log('enquire_link_ms applies to binds from now on');
}

function stats_now() {
	return smsc_stats_show(stats, {
		receipts_pending: scheduled + held.length,
		partial_messages: segments.size,
		sessions: sessions.size,
		bound: Array.from(sessions).filter((s) => s.mode).length,
	});
}

function control(req, res) {
	const url = req.url.split('?')[0];
	const routes = {
		'/stats': { GET: () => reply(res, 200, stats_now()) },
		'/config': {
			GET: () => reply(res, 200, smsc_config_show(cfg)),
			POST: (body) => {
				config_set(body);
				reply(res, 200, smsc_config_show(cfg));
			},
		},
		// Every session closed at once, as a carrier's restart would.
		'/close': {
			POST: () => {
				const n = sessions.size;
				for (const s of sessions) s.session.close();
				reply(res, 200, { closed: n });
			},
		},
		'/inject': {
			POST: (body) => reply(res, 200, { sessions: inject(body.pdu) }),
		},
		'/reset': {
			POST: () => {
				stats = smsc_stats_new();
				segments.clear();
				reply(res, 200, stats_now());
			},
		},
	};
	const route = routes[url];
	if (!route) return reply(res, 404, { error: 'no such path; try GET /stats, GET|POST /config, POST /close, POST /inject, POST /reset' });
	const handler = route[req.method];
	if (!handler) return reply(res, 405, { error: 'method not allowed: ' + Object.keys(route).join(', ') });
	const chunks = [];
	let size = 0;
	req.on('data', (c) => {
		size += c.length;
		if (size <= 65536) chunks.push(c);
	});
	req.on('end', () => {
		if (size > 65536) return reply(res, 413, { error: 'body over 64 KiB' });
		let body = {};
		if (req.method === 'POST' && size > 0) {
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			} catch (e) {
				return reply(res, 400, { error: 'malformed JSON: ' + e.message });
			}
		}
		try {
			handler(body);
		} catch (e) {
			reply(res, 400, { error: e.message });
		}
	});
}

// ---- start and stop

const fs = require('fs');
const server = cfg.tls_key
	? smpp.createServer({ key: fs.readFileSync(cfg.tls_key), cert: fs.readFileSync(cfg.tls_cert) }, session_new)
	: smpp.createServer(session_new);
const control_server = http.createServer(control);
server.on('error', (e) => {
	log('listen: ' + e.message);
	process.exit(1);
});
control_server.on('error', (e) => {
	log('control listen: ' + e.message);
	process.exit(1);
});

server.listen(cfg.port, '127.0.0.1', () => {
	process.stdout.write('listening on 127.0.0.1 (port ' + server.address().port + ')\n');
	control_server.listen(cfg.control_port, '127.0.0.1', () => {
		process.stdout.write('control on 127.0.0.1 (port ' + control_server.address().port + ')\n');
	});
});

// Unbinds whoever is bound, gives them a moment to answer, and exits 0.
function stop(signal) {
	log('stopping on ' + signal);
	server.close();
	control_server.close();
	for (const s of sessions) {
		if (s.mode) s.session.unbind({}, () => s.session.close());
		else s.session.destroy();
	}
	const quit = () => process.exit(0);
	if (sessions.size === 0) return quit();
	setTimeout(quit, 300).unref();
	const poll = setInterval(() => {
		if (sessions.size === 0) {
			clearInterval(poll);
			quit();
		}
	}, 10);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
