#!/usr/bin/env node
// A scripted ESME for testing the SMSC peer itself: it binds, sends the
// given texts as UCS-2 (segmented with a concatenation header when long),
// waits for answers and receipts, unbinds, and prints each event as one
// JSON line for a test to read with jq. What herald's own channel must do
// is not modelled here; this only proves the peer behaves as tests expect.
//
//   node client.js --port N --system-id ID --password PW [--source ADDR]
//        [--receipts] [--submit DEST=TEXT]... [--segment-chars N]
//        [--wait-receipts N] [--enquire] [--timeout MS]
//
// Events: bind, enquire_link_resp, submit_resp (dest, part, parts, status,
// message_id), receipt (message_id, stat, esm_class, fields of the text),
// enquire_link and unbind from the SMSC (both answered), unbind_resp,
// close, timeout; each with t, milliseconds since the start.
'use strict';

const smpp = require('smpp');
const sms = require('./sms');

sms.sms_raw_messages(smpp);

function usage(msg) {
	process.stderr.write('client: ' + msg + '\n');
	process.exit(2);
}

function options(argv) {
	const o = { port: 0, system_id: '', password: '', source: '1588', receipts: false, submits: [],
		segment_chars: 0, wait_receipts: 0, enquire: false, timeout: 5000 };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--receipts') { o.receipts = true; continue; }
		if (a === '--enquire') { o.enquire = true; continue; }
		if (i + 1 >= argv.length) usage(a + ' needs a value');
		const v = argv[++i];
		if (a === '--port') o.port = Number(v);
		else if (a === '--system-id') o.system_id = v;
		else if (a === '--password') o.password = v;
		else if (a === '--source') o.source = v;
		else if (a === '--segment-chars') o.segment_chars = Number(v);
		else if (a === '--wait-receipts') o.wait_receipts = Number(v);
		else if (a === '--timeout') o.timeout = Number(v);
		else if (a === '--submit') {
			const at = v.indexOf('=');
			if (at < 1) usage('--submit takes DEST=TEXT');
			o.submits.push({ dest: v.slice(0, at), text: v.slice(at + 1) });
		} else usage('unknown option ' + a);
	}
	if (!o.port) usage('--port is required');
	return o;
}

const o = options(process.argv.slice(2));
let pending = 0; // submits not yet answered
let receipts = 0;
let finished = false;
const t0 = Date.now();

function say(event, fields) {
	process.stdout.write(JSON.stringify(Object.assign({ event, t: Date.now() - t0 }, fields)) + '\n');
}

const session = smpp.connect({ host: '127.0.0.1', port: o.port });

function end(code) {
	if (finished) return;
	finished = true;
	session.destroy();
	process.exit(code);
}

setTimeout(() => {
	say('timeout', { unanswered: pending, receipts });
	end(0);
}, o.timeout);

session.on('error', (e) => say('error', { message: e.message }));
session.on('close', () => {
	say('close', {});
	end(0);
});

session.on('deliver_sm', (pdu) => {
	const text = sms.sms_payload(pdu).toString('latin1');
	say('receipt', Object.assign({ message_id: pdu.receipted_message_id, message_state: pdu.message_state,
		esm_class: pdu.esm_class, source: pdu.source_addr, destination: pdu.destination_addr, raw: text },
	sms.sms_receipt_parse(text)));
	session.send(pdu.response());
	receipts++;
	maybe_done();
});
session.on('enquire_link', (pdu) => {
	say('enquire_link', {});
	session.send(pdu.response());
});

session.on('unbind', (pdu) => {
	say('unbind', {});
	session.send(pdu.response(), () => session.close());
});

function maybe_done() {
	if (pending > 0 || receipts < o.wait_receipts) return;
	session.unbind({}, (pdu) => {
		say('unbind_resp', { status: pdu.command_status });
		session.close();
	});
	pending = Infinity; // unbind once
}

function submit_all() {
	for (const m of o.submits) {
		const parts = sms.sms_segments(m.text, Math.floor(Math.random() * 256), o.segment_chars);
		parts.forEach((p, k) => {
			pending++;
			say('submit', { dest: m.dest, part: k + 1, parts: parts.length });
			session.submit_sm({
				source_addr_ton: 5, source_addr_npi: 0, source_addr: o.source,
				dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: m.dest,
				esm_class: p.esm_class, data_coding: sms.DC_UCS2,
				registered_delivery: o.receipts ? 1 : 0, short_message: p.payload,
			}, (resp) => {
				say('submit_resp', { dest: m.dest, part: k + 1, parts: parts.length,
					status: resp.command_status, message_id: resp.message_id || null });
				pending--;
				maybe_done();
			});
		});
	}
}

session.on('connect', () => {
	session.bind_transceiver({ system_id: o.system_id, password: o.password, system_type: 'herald' }, (pdu) => {
		say('bind', { status: pdu.command_status, system_id: pdu.system_id || null });
		if (pdu.command_status !== 0) return session.close();
		if (o.enquire) session.enquire_link({}, (r) => say('enquire_link_resp', { status: r.command_status }));
		submit_all();
		maybe_done();
	});
});
