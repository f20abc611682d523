#!/usr/bin/env node
// A messenger's push gateway on loopback, for herald's tests and demo: the
// other end of the platform's messenger channel (docs/protocol.md, "The
// messenger channel"), written from the contract alone with node's standard
// library. It checks each batch's Herald-Signature (refusing a bad one with
// 401, and counting it), answers one result per alert with message ids
// gw-1, gw-2, ..., and later posts signed receipt callbacks to the
// platform. It can be told to misbehave the ways gateways do: reject or
// fail given phones, refuse any batch holding a given phone whole (400 or
// 422, as a gateway does with one alert it cannot parse) or holding two
// given phones together, answer 500 or 429 a number of times (or 502 or 504
// after taking the batch, as a proxy in front of it does when its answer
// is lost), answer with something that is not JSON, or take a batch and
// never answer (the platform's timeout). A small HTTP endpoint beside it
// changes those behaviours at run time and reports what arrived (GET
// /stats).
//
//   node gateway.js --key-file FILE [--port N] [--control-port N]
//        [--receipts-url URL] [--receipt-delay MS] [--fail PHONE[:rejected|:failed]]...
//
// Prints "listening on 127.0.0.1 (port N)" and "control on 127.0.0.1
// (port M)" on stdout once both accept connections; logs to stderr.
'use strict';

const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const MAX_AGE_MS = 5 * 60 * 1000;
const BODY_MAX = 64 << 20;
const CONTROL_BODY_MAX = 65536;

const USAGE = `usage: node gateway.js --key-file FILE [options]
  --port N               push endpoint's port on 127.0.0.1 (0: a free one; default 0)
  --control-port N       HTTP control port on 127.0.0.1 (0: a free one; default 0)
  --receipts-url URL     where receipt callbacks go (the platform's POST /v1/push/receipts);
                         none are sent without it
  --receipt-delay MS     wait this long before a batch's receipts (default 0)
  --fail PHONE[:HOW]     HOW: rejected (the alert is refused in the answer), failed
                         (accepted, then a failed receipt; the default), refused (any
                         batch holding it is answered refused_status, none of it taken)
                         or together (so is a batch holding two phones marked so)
  --counts-only          keep totals only, no texts per phone (for benchmarks: a million
                         alerts' texts would fill memory)
Control: GET /stats, GET /config, POST /config {"status":500,"times":2} |
{"status":504,"times":1,"taken":1} (the status after the batch is taken, without its receipts) |
{"status":429,"times":1,"retry_after":S} (a 429's or 503's Retry-After; 1 unless given) | {"non_json":1} |
{"mismatch":1} (results one short) | {"stall":1} | {"fail":{"PHONE":"rejected"}} |
{"refused_status":422} (how a batch holding a refused phone is answered: 400, the default, or 422) | {"receipt_delay_ms":N} | {"key_file":F} |
{"reject_reason":"TEXT"} (the reason a rejection gives; null: the usual one),
POST /reset. Any path of the push port takes batches.`;

function log(msg) {
	process.stderr.write('push-gateway: ' + msg + '\n');
}

function usage(msg) {
	process.stderr.write('push-gateway: ' + msg + '\n' + USAGE + '\n');
	process.exit(2);
}

// ---- settings

function int_of(name, v, min, max) {
	const n = typeof v === 'number' ? v : Number(String(v).trim());
	if (!Number.isInteger(n) || n < min || n > max) {
		throw new Error(name + ' must be an integer from ' + min + ' to ' + max + ', not ' + JSON.stringify(v));
	}
	return n;
}

// The key is the key file's first line, as the platform reads it.
function key_read(path) {
	const text = fs.readFileSync(path, 'utf8');
	const line = text.split(/\r?\n/)[0];
	if (!line || line.length > 256) throw new Error(path + ': expected one line holding the key');
	return Buffer.from(line, 'utf8');
}

function fail_how(phone, how) {
	if (!/^\+?[0-9]{1,20}$/.test(phone)) throw new Error('fail: bad phone ' + JSON.stringify(phone));
	if (how === undefined || how === null || how === '') return 'failed';
	if (!['rejected', 'failed', 'refused', 'together'].includes(how)) {
		throw new Error('fail: ' + phone + ' must be "rejected", "failed", "refused" or "together"');
	}
	return how;
}

function config_apply(cfg, o) {
	const known = ['fail', 'status', 'times', 'taken', 'retry_after', 'non_json', 'mismatch', 'stall', 'receipt_delay_ms', 'receipts_url',
		'key_file', 'reject_reason', 'refused_status'];
	if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('the body must be a JSON object');
	for (const k of Object.keys(o)) if (!known.includes(k)) throw new Error('unknown setting ' + k + '; known: ' + known.join(', '));
	const next = Object.assign({}, cfg);
	if ('fail' in o) {
		if (o.fail === null || typeof o.fail !== 'object' || Array.isArray(o.fail)) {
			throw new Error('fail must be an object {"PHONE":"rejected"|"failed"|"refused"|"together"}');
		}
		next.fail = Object.create(null);
		for (const [phone, how] of Object.entries(o.fail)) next.fail[phone] = fail_how(phone, how);
	}
	if ('status' in o) {
		next.status = int_of('status', o.status, 400, 599);
		next.status_left = 'times' in o ? int_of('times', o.times, 0, 1e9) : 1;
		next.status_taken = 'taken' in o && int_of('taken', o.taken, 0, 1) === 1;
		next.retry_after = 'retry_after' in o ? int_of('retry_after', o.retry_after, 0, 3600) : 1;
	} else if ('times' in o || 'taken' in o || 'retry_after' in o) throw new Error('times, taken and retry_after go with status');
	if ('non_json' in o) next.non_json_left = int_of('non_json', o.non_json, 0, 1e9);
	if ('mismatch' in o) next.mismatch_left = int_of('mismatch', o.mismatch, 0, 1e9);
	if ('stall' in o) next.stall_left = int_of('stall', o.stall, 0, 1e9);
	if ('receipt_delay_ms' in o) next.receipt_delay_ms = int_of('receipt_delay_ms', o.receipt_delay_ms, 0, 86400000);
	if ('receipts_url' in o) {
		if (o.receipts_url !== null && !/^http:\/\/[^/]+/.test(String(o.receipts_url))) throw new Error('receipts_url must be an http:// URL or null');
		next.receipts_url = o.receipts_url;
	}
	if ('key_file' in o) next.key = key_read(String(o.key_file));
	if ('refused_status' in o) {
		if (o.refused_status !== 400 && o.refused_status !== 422) throw new Error('refused_status must be 400 or 422');
		next.refused_status = o.refused_status;
	}
	if ('reject_reason' in o) {
		if (o.reject_reason !== null && typeof o.reject_reason !== 'string') throw new Error('reject_reason must be a string or null');
		next.reject_reason = o.reject_reason;
	}
	Object.assign(cfg, next);
	return cfg;
}

function config_new(argv) {
	const cfg = {
		port: 0, control_port: 0, key: null, receipts_url: null, receipt_delay_ms: 0,
		fail: Object.create(null), status: 0, status_left: 0, status_taken: false, retry_after: 1,
		non_json_left: 0, mismatch_left: 0,
		stall_left: 0, counts_only: false, refused_status: 400,
	};
	const settings = {}, fail = {};
	try {
		for (let i = 0; i < argv.length; i++) {
			const a = argv[i];
			if (a === '--help' || a === '-h') {
				process.stdout.write(USAGE + '\n');
				process.exit(0);
			}
			if (a === '--counts-only') {
				cfg.counts_only = true;
				continue;
			}
			if (i + 1 >= argv.length) throw new Error(a + ' needs a value');
			const v = argv[++i];
			if (a === '--port') cfg.port = int_of('--port', v, 0, 65535);
			else if (a === '--control-port') cfg.control_port = int_of('--control-port', v, 0, 65535);
			else if (a === '--key-file') settings.key_file = v;
			else if (a === '--receipts-url') settings.receipts_url = v;
			else if (a === '--receipt-delay') settings.receipt_delay_ms = v;
			else if (a === '--fail') {
				const at = v.indexOf(':');
				fail[at < 0 ? v : v.slice(0, at)] = at < 0 ? undefined : v.slice(at + 1);
			} else throw new Error('unknown option ' + a);
		}
		if (Object.keys(fail).length) settings.fail = fail;
		if (!settings.key_file) throw new Error('--key-file is required');
		config_apply(cfg, settings);
	} catch (e) {
		usage(e.message);
	}
	return cfg;
}

// The settings as POST /config takes them (the key left out).
function config_show(cfg) {
	return {
		fail: cfg.fail, status: cfg.status, times: cfg.status_left, taken: cfg.status_taken ? 1 : 0, non_json: cfg.non_json_left,
		mismatch: cfg.mismatch_left, stall: cfg.stall_left, receipt_delay_ms: cfg.receipt_delay_ms, receipts_url: cfg.receipts_url,
		refused_status: cfg.refused_status,
	};
}

// ---- what arrived

function stats_new() {
	return {
		requests: 0, bad_signatures: 0, bad_bodies: 0, batches: 0, answered: 0, max_batch: 0, last_batch: 0,
		alerts: 0, accepted: 0, rejected: 0, duplicates: 0, max_sends: 0,
		status_answers: 0, non_json_answers: 0, mismatch_answers: 0, stalls: 0,
		refused_batches: 0, refused_sizes: [], // batches answered refused_status, and how many alerts each held
		status_at_ms: 0, batch_at_ms: 0, // the last status answer, the last batch taken
		receipts: 0, receipt_callbacks: 0, receipt_callbacks_ok: 0, receipt_callbacks_failed: 0,
		receipt_results: Object.create(null),
		phones: Object.create(null), // keyed by what platforms send, so no prototype
	};
}

// Counts only: one record all phones share, and no texts kept.
const phone_shared = { received: 0, accepted: 0, rejected: 0, duplicates: 0, texts: null, message_ids: null };

function phone_stats(phone) {
	if (cfg.counts_only) return phone_shared;
	let p = stats.phones[phone];
	if (!p) {
		p = { received: 0, accepted: 0, rejected: 0, duplicates: 0, texts: [], message_ids: [] };
		stats.phones[phone] = p;
	}
	return p;
}

const cfg = config_new(process.argv.slice(2));
let stats = stats_new();
let next_id = 0;
const sends = new Map(); // alert id -> times received: a second is a duplicate
const stalled = new Set(); // responses held open, never answered
let receipts_pending = 0;

// ---- signatures

function hmac_hex(key, t, body) {
	return crypto.createHmac('sha256', key).update(t + '.').update(body).digest('hex');
}

function signature_make(key, body) {
	const t = String(Date.now());
	return 't=' + t + ',v1=' + hmac_hex(key, t, body);
}

// What is wrong with a signature header, or null when it is good.
function signature_problem(header, body) {
	const m = /^t=([0-9]{1,15}),v1=([0-9a-f]{64})$/.exec(header || '');
	if (!m) return header ? 'malformed Herald-Signature' : 'no Herald-Signature header';
	const t = Number(m[1]);
	if (Math.abs(Date.now() - t) > MAX_AGE_MS) return 'Herald-Signature too old or in the future';
	const want = Buffer.from(hmac_hex(cfg.key, m[1], body), 'hex');
	if (!crypto.timingSafeEqual(want, Buffer.from(m[2], 'hex'))) return 'Herald-Signature does not match';
	return null;
}

// ---- the push endpoint

function reply(res, code, body) {
	const text = JSON.stringify(body) + '\n';
	res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

// The batch's alerts, or a reason it is malformed.
function alerts_of(body) {
	let o;
	try {
		o = JSON.parse(body.toString('utf8'));
	} catch (e) {
		return 'malformed JSON: ' + e.message;
	}
	if (!o || !Array.isArray(o.alerts)) return 'the body must be {"alerts":[...]}';
	if (o.alerts.length === 0 || o.alerts.length > 10000) return 'a batch holds 1 to 10000 alerts';
	for (const a of o.alerts) {
		if (!a || typeof a.id !== 'string' || typeof a.phone !== 'string' || typeof a.text !== 'string') {
			return 'each alert needs string id, phone and text';
		}
	}
	return o.alerts;
}

function alert_take(a, receipts) {
	const p = phone_stats(a.phone);
	stats.alerts++;
	p.received++;
	const n = (sends.get(a.id) || 0) + 1;
	sends.set(a.id, n);
	stats.max_sends = Math.max(stats.max_sends, n);
	if (n > 1) {
		stats.duplicates++;
		p.duplicates++;
	}
	const how = cfg.fail[a.phone];
	if (how === 'rejected') {
		stats.rejected++;
		p.rejected++;
		return { id: a.id, status: 'rejected', reason: cfg.reject_reason ?? 'unknown recipient' };
	}
	const message_id = 'gw-' + ++next_id;
	stats.accepted++;
	p.accepted++;
	if (p.texts) {
		p.texts.push(a.text);
		p.message_ids.push(message_id);
	}
	if (how === 'failed') receipts.push({ id: message_id, status: 'failed', reason: 'not delivered: phone unreachable' });
	else receipts.push({ id: message_id, status: 'delivered' });
	return { id: a.id, message_id, status: 'accepted' };
}

// A status instead of any answer: the gateway took none of the batch, or
// (taken) took it and the answer was lost behind the status.
function refuse_with_status(res) {
	if (cfg.status_left <= 0) return false;
	cfg.status_left--;
	stats.status_answers++;
	stats.status_at_ms = Date.now();
	if (cfg.status === 429 || cfg.status === 503) res.setHeader('Retry-After', String(cfg.retry_after));
	reply(res, cfg.status, { error: 'told to answer ' + cfg.status });
	return true;
}

// A batch holding a refused phone, or two phones marked together, is
// answered refused_status and none of it is taken, as a gateway that
// cannot parse one alert (or take two in one batch) refuses its batch.
function refuse_whole(res, alerts) {
	const bad = alerts.find((a) => cfg.fail[a.phone] === 'refused');
	const together = alerts.filter((a) => cfg.fail[a.phone] === 'together');
	if (!bad && together.length < 2) return false;
	stats.refused_batches++;
	stats.refused_sizes.push(alerts.length);
	const error = bad ? 'alert ' + bad.id + ': phone ' + bad.phone + ' is refused'
		: 'alerts ' + together.map((a) => a.id).join(' and ') + ' may not go in one batch';
	reply(res, cfg.refused_status, { error });
	return true;
}

// The batch was taken (its phones get their texts), but its answer is
// lost: never sent (a stall, until the platform gives up), not JSON, or
// JSON whose results leave the last alert out.
function answer_lost(res, results) {
	if (cfg.stall_left > 0) {
		cfg.stall_left--;
		stats.stalls++;
		stalled.add(res);
		res.on('close', () => stalled.delete(res));
		log('stalling a batch');
		return true;
	}
	if (cfg.non_json_left > 0) {
		cfg.non_json_left--;
		stats.non_json_answers++;
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<html><body>502 upstream trouble</body></html>\n');
		return true;
	}
	if (cfg.mismatch_left > 0) {
		cfg.mismatch_left--;
		stats.mismatch_answers++;
		reply(res, 200, { results: results.slice(0, -1) });
		return true;
	}
	return false;
}

function on_batch(req, res, body) {
	stats.requests++;
	const problem = signature_problem(req.headers['herald-signature'], body);
	if (problem) {
		stats.bad_signatures++;
		log('refused a batch: ' + problem);
		return reply(res, 401, { error: problem });
	}
	const alerts = alerts_of(body);
	if (typeof alerts === 'string') {
		stats.bad_bodies++;
		return reply(res, 400, { error: alerts });
	}
	if (!cfg.status_taken && refuse_with_status(res)) return;
	if (refuse_whole(res, alerts)) return;
	stats.batches++;
	stats.batch_at_ms = Date.now();
	stats.max_batch = Math.max(stats.max_batch, alerts.length);
	stats.last_batch = alerts.length;
	const receipts = [];
	const results = alerts.map((a) => alert_take(a, receipts));
	if (cfg.status_taken && refuse_with_status(res)) return; // its receipts never come
	if (answer_lost(res, results)) return;
	stats.answered++;
	reply(res, 200, { results });
	receipts_schedule(receipts);
}

// ---- receipts

function receipts_schedule(receipts) {
	if (!cfg.receipts_url || receipts.length === 0) return;
	receipts_pending += receipts.length;
	setTimeout(() => receipts_send(receipts), cfg.receipt_delay_ms);
}

function receipts_send(receipts) {
	const body = Buffer.from(JSON.stringify({ receipts }));
	const url = new URL(cfg.receipts_url);
	const req = http.request(url, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json', 'Content-Length': body.length,
			'Herald-Signature': signature_make(cfg.key, body),
		},
	}, (res) => {
		const chunks = [];
		res.on('data', (c) => chunks.push(c));
		res.on('end', () => {
			receipts_pending -= receipts.length;
			stats.receipt_callbacks++;
			stats.receipts += receipts.length;
			if (res.statusCode !== 200) {
				stats.receipt_callbacks_failed++;
				log('receipt callback: HTTP ' + res.statusCode + ' ' + Buffer.concat(chunks).toString().slice(0, 200));
				return;
			}
			stats.receipt_callbacks_ok++;
			try {
				for (const r of JSON.parse(Buffer.concat(chunks).toString()).results) {
					const k = r.status || 'error';
					stats.receipt_results[k] = (stats.receipt_results[k] || 0) + 1;
				}
			} catch (e) {
				log('receipt callback answer: ' + e.message);
			}
		});
	});
	req.on('error', (e) => {
		receipts_pending -= receipts.length;
		stats.receipt_callbacks++;
		stats.receipt_callbacks_failed++;
		log('receipt callback: ' + e.message);
	});
	req.end(body);
}

// ---- bodies

function read_body(req, max, done) {
	const chunks = [];
	let size = 0;
	req.on('data', (c) => {
		size += c.length;
		if (size <= max) chunks.push(c);
	});
	req.on('end', () => done(size > max ? null : Buffer.concat(chunks)));
}

function push(req, res) {
	if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' });
	read_body(req, BODY_MAX, (body) => {
		if (body === null) return reply(res, 413, { error: 'body over 64 MiB' });
		try {
			on_batch(req, res, body);
		} catch (e) {
			log('batch: ' + e.message);
			if (!res.headersSent) reply(res, 500, { error: e.message });
		}
	});
}

// ---- the control endpoint

function stats_now() {
	return Object.assign({}, stats, { stalled_open: stalled.size, receipts_pending });
}

function control(req, res) {
	const url = req.url.split('?')[0];
	const routes = {
		'/stats': { GET: () => reply(res, 200, stats_now()) },
		'/config': {
			GET: () => reply(res, 200, config_show(cfg)),
			POST: (body) => {
				config_apply(cfg, body);
				reply(res, 200, config_show(cfg));
			},
		},
		'/reset': {
			POST: () => {
				stats = stats_new();
				sends.clear();
				reply(res, 200, stats_now());
			},
		},
	};
	const route = routes[url];
	if (!route) return reply(res, 404, { error: 'no such path; try GET /stats, GET|POST /config, POST /reset' });
	const handler = route[req.method];
	if (!handler) return reply(res, 405, { error: 'method not allowed: ' + Object.keys(route).join(', ') });
	read_body(req, CONTROL_BODY_MAX, (raw) => {
		if (raw === null) return reply(res, 413, { error: 'body over 64 KiB' });
		let body = {};
		if (req.method === 'POST' && raw.length > 0) {
			try {
				body = JSON.parse(raw.toString('utf8'));
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

const server = http.createServer(push);
server.requestTimeout = 0; // a stalled batch stays open until the platform gives up
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

function stop(signal) {
	log('stopping on ' + signal);
	for (const res of stalled) res.destroy();
	server.close();
	control_server.close();
	process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
