#!/usr/bin/env node
// The moving parts of bench/smpp that are not gateways: what feeds alerts
// into Kannel and into herald's platform, and what stands at the other end
// of their callbacks. Node's standard library only, so it runs wherever
// the SMSC peer runs, with nothing more to install.
//
//   node smpp.js sink
//       An HTTP server that counts Kannel's delivery-report callbacks
//       (GET /dlr?type=%d) and stands in for the hub a platform reports to
//       (POST /v1/events, /v1/directory: 200, counted by event type).
//       GET /counts shows the counts and the time of the first and last
//       of each; POST /reset zeroes them. Prints "listening on 127.0.0.1
//       (port N)".
//   node smpp.js sendsms --url SENDSMS --n N --text TEXT [--conns 32]
//       [--dlr-url URL] [--first K]
//       N GET sendsms requests of TEXT as UCS-2 (to 010 numbers from K) over
//       CONNS HTTP/1.1 keep-alive connections, as an operator's application
//       drives Kannel; with a dlr-url, each asks for a delivery report.
//   node smpp.js members --url PLATFORM --key KEY --n N [--batch 1000]
//       N verified, consenting members (phones 010 from 0, RRNs from
//       stdin, one a line), through the back office's API.
//   node smpp.js relay --url PLATFORM --key KEY --n N --title T --agency A
//       [--batch 1000] [--conns 4] [--tag T]
//       N notices relayed as the hub relays them, one to each member, whose
//       CIs come one a line on stdin (the recipient key is derived here).
// Each command but sink prints one JSON line with what it did.
'use strict';

const http = require('http');
const crypto = require('crypto');

function die(msg) {
	process.stderr.write('smpp.js: ' + msg + '\n');
	process.exit(2);
}

function options(argv, known) {
	const o = {};
	for (let i = 0; i < argv.length; i += 2) {
		const k = argv[i].replace(/^--/, '');
		if (!(k in known) || i + 1 >= argv.length) die('unknown or valueless option ' + argv[i]);
		o[k] = argv[i + 1];
	}
	for (const [k, v] of Object.entries(known)) {
		if (!(k in o)) {
			if (v === undefined) die('--' + k + ' is needed');
			o[k] = v;
		}
	}
	return o;
}

function phone(i) {
	return '010' + String(i).padStart(8, '0');
}

function stdin_lines() {
	return require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
}

// One request on a keep-alive agent; resolves {status, body}.
function request(agent, url, method, headers, body) {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method, agent, headers }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
		});
		req.on('error', reject);
		req.end(body);
	});
}

// Runs count jobs with at most conns at once; job(i) returns a promise.
async function pool(count, conns, job) {
	let next = 0;
	const worker = async () => {
		while (next < count) await job(next++);
	};
	await Promise.all(Array.from({ length: Math.min(conns, count) }, worker));
}

// ---- sink

function sink() {
	let counts;
	const reset = () => {
		counts = { dlr: { count: 0, delivered: 0, first_ms: 0, last_ms: 0 }, events: {} };
	};
	const mark = (c, n) => {
		const now = Date.now();
		if (!c.first_ms) c.first_ms = now;
		c.last_ms = now;
		c.count += n;
	};
	const reply = (res, code, obj) => {
		const text = JSON.stringify(obj);
		res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
		res.end(text);
	};
	reset();
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const url = new URL(req.url, 'http://x');
			if (url.pathname === '/dlr') {
				mark(counts.dlr, 1);
				if (url.searchParams.get('type') === '1') counts.dlr.delivered++;
				return reply(res, 200, { ok: true });
			}
			if (req.method === 'POST' && (url.pathname === '/v1/events' || url.pathname === '/v1/directory')) {
				let body;
				try {
					body = JSON.parse(Buffer.concat(chunks).toString());
				} catch (e) {
					return reply(res, 400, { error: 'malformed JSON' });
				}
				const items = body.events || body.entries || [];
				const common = body.common || {};
				for (const it of items) {
					const type = body.entries ? 'directory' : it.event || common.event || 'unnamed';
					counts.events[type] = counts.events[type] || { count: 0, first_ms: 0, last_ms: 0 };
					mark(counts.events[type], 1);
				}
				return reply(res, 200, { results: items.map((it) => ({ notice: it.notice, status: 'recorded' })) });
			}
			if (url.pathname === '/counts') return reply(res, 200, counts);
			if (url.pathname === '/reset' && req.method === 'POST') {
				reset();
				return reply(res, 200, counts);
			}
			reply(res, 404, { error: 'no such path' });
		});
	});
	server.keepAliveTimeout = 60000;
	server.listen(0, '127.0.0.1', () => {
		process.stdout.write('listening on 127.0.0.1 (port ' + server.address().port + ')\n');
	});
	process.on('SIGTERM', () => process.exit(0));
	process.on('SIGINT', () => process.exit(0));
}

// ---- Kannel's sendsms

async function sendsms(argv) {
	const o = options(argv, { url: undefined, n: undefined, text: undefined, conns: '32', 'dlr-url': '', first: '0' });
	const n = Number(o.n), first = Number(o.first);
	const agent = new http.Agent({ keepAlive: true, maxSockets: Number(o.conns) });
	let accepted = 0;
	const refused = [];
	const started = Date.now();
	await pool(n, Number(o.conns), async (i) => {
		const q = new URLSearchParams({ from: '1588', to: phone(first + i), text: o.text, charset: 'UTF-8', coding: '2' });
		if (o['dlr-url']) {
			q.set('dlr-mask', '1');
			q.set('dlr-url', o['dlr-url']);
		}
		const r = await request(agent, o.url + '&' + q.toString(), 'GET', {});
		if (r.status === 202) accepted++;
		else if (refused.length < 5) refused.push(r.status + ' ' + r.body.trim());
	});
	agent.destroy();
	process.stdout.write(JSON.stringify({ accepted, refused, seconds: (Date.now() - started) / 1000 }) + '\n');
	if (accepted !== n) process.exit(1);
}

// ---- herald's platform

function api(o) {
	return {
		agent: new http.Agent({ keepAlive: true, maxSockets: Number(o.conns || 1) }),
		headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + o.key },
	};
}

async function post(a, url, obj) {
	const r = await request(a.agent, url, 'POST', a.headers, JSON.stringify(obj));
	if (r.status !== 200) die(url + ': ' + r.status + ' ' + r.body.slice(0, 300));
	return JSON.parse(r.body);
}

async function members(argv) {
	const o = options(argv, { url: undefined, key: undefined, n: undefined, batch: '1000', conns: '2' });
	const n = Number(o.n), batch = Number(o.batch);
	const rrns = stdin_lines();
	if (rrns.length < n) die('need ' + n + ' RRNs on stdin, got ' + rrns.length);
	const a = api(o);
	let made = 0, verified = 0;
	await pool(Math.ceil(n / batch), Number(o.conns), async (b) => {
		const list = [];
		for (let i = b * batch; i < Math.min(n, (b + 1) * batch); i++) {
			list.push({ name: '벤치' + i, phone: phone(i), rrn: rrns[i], pin: '1592', consent: true });
		}
		const r = await post(a, o.url + '/v1/members', { members: list });
		for (const x of r.results) if (x.member) made++; else die('member: ' + JSON.stringify(x));
		const v = await post(a, o.url + '/v1/members/verify',
			{ members: list.map((m) => ({ phone: m.phone, rrn: m.rrn })) });
		for (const x of v.results) if (x.verified) verified++; else die('verify: ' + JSON.stringify(x));
	});
	a.agent.destroy();
	process.stdout.write(JSON.stringify({ members: made, verified }) + '\n');
}

function rk(ci) {
	return crypto.createHash('sha256').update('herald-rk-v1:' + ci).digest('hex');
}

// A UUIDv7-shaped notice id, as the hub makes them.
function notice_id(tag, i) {
	const h = crypto.createHash('sha256').update(tag + ':' + i).digest('hex');
	const ms = Date.now().toString(16).padStart(12, '0');
	return ms.slice(0, 8) + '-' + ms.slice(8, 12) + '-7' + h.slice(0, 3) + '-8' + h.slice(3, 6) + '-' + h.slice(6, 18);
}

async function relay(argv) {
	const o = options(argv, { url: undefined, key: undefined, n: undefined, title: undefined, agency: undefined,
		batch: '1000', conns: '4', tag: 'a' });
	const n = Number(o.n), batch = Number(o.batch);
	const cis = stdin_lines();
	if (cis.length < n) die('need ' + n + ' CIs on stdin, got ' + cis.length);
	const a = api(o);
	const sha = crypto.createHash('sha256').update('document').digest('hex');
	let accepted = 0;
	const started = Date.now();
	await pool(Math.ceil(n / batch), Number(o.conns), async (b) => {
		const list = [];
		for (let i = b * batch; i < Math.min(n, (b + 1) * batch); i++) {
			const id = notice_id(o.tag, i);
			list.push({ notice: id, rk: rk(cis[i]), doc_sha256: sha, link: 'http://127.0.0.1:7004/documents/' + id });
		}
		const r = await post(a, o.url + '/v1/relay',
			{ common: { agency: o.agency, title: o.title, deadline: '2099-12-31' }, notices: list });
		for (const x of r.results) if (x.status === 'accepted') accepted++; else die('relay: ' + JSON.stringify(x));
	});
	a.agent.destroy();
	process.stdout.write(JSON.stringify({ accepted, seconds: (Date.now() - started) / 1000 }) + '\n');
}

const [cmd, ...rest] = process.argv.slice(2);
const commands = { sink, sendsms, members, relay };
if (!commands[cmd]) die('usage: node smpp.js sink|sendsms|members|relay [options]');
Promise.resolve(commands[cmd](rest)).catch((e) => die(e.stack || String(e)));
