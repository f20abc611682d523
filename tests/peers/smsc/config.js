// The SMSC peer's behaviour settings: read once from the command line, then
// changed by POST /config with the same names in JSON. One rule per setting,
// applied the same way from both, so a test can start the peer misbehaving
// or switch it over mid-run.
'use strict';

const STATS = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD'];

const USAGE = `usage: node smsc.js --system-id ID --password PW [options]
  --port N               SMPP port on 127.0.0.1 (0: a free one; default 0)
  --control-port N       HTTP control port on 127.0.0.1 (0: a free one; default 0)
  --receipt-delay MS     wait this long before a delivery receipt (default 0)
  --throttle-share F     answer this share of submits (0..1) with the throttle status
  --throttle-ms MS       answer every submit with the throttle status for MS from now
  --throttle-status N    the throttle status (default 0x58 ESME_RTHROTTLED; 0x14 is ESME_RMSGQFUL)
  --fail NUMBER[:HOW]    HOW: UNDELIV (default), EXPIRED or REJECTD for the receipt's
                         stat, a command status (e.g. 0x0B) to refuse the submit,
                         NACK to answer it generic_nack (ESME_RSYSERR), NACKBODY the same
                         with four octets of body (malformed), or THROTTLE to
                         answer every submit to it with the throttle status
  --drop-after K         close the connection at the K-th submit from now (once)
  --drop-unanswered M    leave the last M of those K unanswered (default 1)
  --enquire-link MS      send enquire_link to each bound ESME every MS (default off)
  --later-part-answer MS answer the second and later segments of a long message MS
                         late, their receipts after that (the first's comes at once)
  --later-part-throttle MS  answer the second and later segments of a long message with
                         the throttle status for MS from now (the first is taken, its
                         receipt sent)
  --answer-delay MS      answer every accepted submit MS late; its receipt may then come
                         first (default 0)
  --receipt-retry MS     a receipt answered ESME_RX_T_APPN (0x64) is sent again MS later
                         (default 500)
  --counts-only          keep totals only, no per-destination texts (long benchmarks)
  --tls-key FILE, --tls-cert FILE  serve SMPP over TLS with this key and certificate (PEM)
Control: GET /stats, GET /config, POST /config {"throttle_share":0.5,...}, POST /reset,
  POST /close (every session closed), POST /inject
  {"pdu":"unknown_command"|"malformed_deliver"|"oversize"|"unknown_receipt"|"nack_zero"|
  "submit_resp_zero"|"flood"|"alert_notification"}.
  POST /config alone also takes close_after_bind (true: close each session just after
  answering its bind) and receipt_text (false: receipts carry only receipted_message_id
  and message_state), receipt_fields (false: receipts carry no optional fields, only
  the text) and receipt_id ("decimal": the receipt's text gives the message id as a
  decimal number, where submit_sm_resp gave it in hexadecimal, as SMSCs that number
  their messages do; "submitted", the default: as submit_sm_resp gave it), and
  receipt_pdu ("data_sm": receipts as data_sm, the text in message_payload;
  "deliver_sm", the default).`;

function usage(msg) {
	process.stderr.write('smsc: ' + msg + '\n' + USAGE + '\n');
	process.exit(2);
}

function int_of(name, v, min, max) {
	const n = typeof v === 'number' ? v : Number(String(v).trim());
	if (!Number.isInteger(n) || n < min || n > max) {
		throw new Error(name + ' must be an integer from ' + min + ' to ' + max + ', not ' + JSON.stringify(v));
	}
	return n;
}

function share_of(v) {
	const n = Number(v);
	if (!(n >= 0 && n <= 1)) throw new Error('throttle_share must be from 0 to 1, not ' + JSON.stringify(v));
	return n;
}

// A failure: a receipt stat word, or a non-zero command status.
function fail_how(number, how) {
	if (!/^\+?[0-9A-Za-z]{1,20}$/.test(number)) throw new Error('fail: bad number ' + JSON.stringify(number));
	if (how === undefined || how === null || how === '') return 'UNDELIV';
	if (STATS.includes(how) && how !== 'DELIVRD') return how;
	if (how === 'NACK' || how === 'NACKBODY' || how === 'THROTTLE') return how;
	return int_of('fail status of ' + number, how, 1, 0xffffffff);
}

function smsc_config_apply(cfg, o) {
	const known = ['receipt_delay_ms', 'throttle_share', 'throttle_ms', 'throttle_status', 'fail',
		'drop_after', 'drop_unanswered', 'enquire_link_ms', 'later_part_answer_ms', 'close_after_bind',
		'receipt_text', 'answer_delay_ms', 'receipt_retry_ms', 'receipt_fields', 'receipt_id', 'later_part_throttle_ms', 'receipt_pdu'];
	if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('the body must be a JSON object');
	for (const k of Object.keys(o)) if (!known.includes(k)) throw new Error('unknown setting ' + k + '; known: ' + known.join(', '));
	const next = Object.assign({}, cfg);
	if ('receipt_delay_ms' in o) next.receipt_delay_ms = int_of('receipt_delay_ms', o.receipt_delay_ms, 0, 86400000);
	if ('throttle_share' in o) next.throttle_share = share_of(o.throttle_share);
	if ('throttle_ms' in o) next.throttle_until = Date.now() + int_of('throttle_ms', o.throttle_ms, 0, 86400000);
	if ('later_part_throttle_ms' in o) next.later_part_throttle_until = Date.now() + int_of('later_part_throttle_ms', o.later_part_throttle_ms, 0, 86400000);
	if ('throttle_status' in o) next.throttle_status = int_of('throttle_status', o.throttle_status, 1, 0xffffffff);
	if ('fail' in o) {
		if (o.fail === null || typeof o.fail !== 'object' || Array.isArray(o.fail)) throw new Error('fail must be an object {"NUMBER":"UNDELIV"|STATUS|"NACK"}');
		next.fail = Object.create(null);
		for (const [number, how] of Object.entries(o.fail)) next.fail[number] = fail_how(number, how);
	}
	if ('drop_after' in o) next.drop_after = int_of('drop_after', o.drop_after, 0, 1e9);
	if ('drop_unanswered' in o) next.drop_unanswered = int_of('drop_unanswered', o.drop_unanswered, 0, 1e9);
	if ('enquire_link_ms' in o) next.enquire_link_ms = int_of('enquire_link_ms', o.enquire_link_ms, 0, 86400000);
	if ('later_part_answer_ms' in o) next.later_part_answer_ms = int_of('later_part_answer_ms', o.later_part_answer_ms, 0, 60000);
	if ('answer_delay_ms' in o) next.answer_delay_ms = int_of('answer_delay_ms', o.answer_delay_ms, 0, 60000);
	if ('receipt_retry_ms' in o) next.receipt_retry_ms = int_of('receipt_retry_ms', o.receipt_retry_ms, 1, 600000);
	if ('receipt_text' in o) {
		if (typeof o.receipt_text !== 'boolean') throw new Error('receipt_text must be true or false');
		next.receipt_text = o.receipt_text;
	}
	if ('receipt_fields' in o) {
		if (typeof o.receipt_fields !== 'boolean') throw new Error('receipt_fields must be true or false');
		next.receipt_fields = o.receipt_fields;
	}
	if ('receipt_pdu' in o) {
		if (o.receipt_pdu !== 'deliver_sm' && o.receipt_pdu !== 'data_sm') throw new Error('receipt_pdu must be "deliver_sm" or "data_sm"');
		next.receipt_pdu = o.receipt_pdu;
	}
	if ('receipt_id' in o) {
		if (o.receipt_id !== 'submitted' && o.receipt_id !== 'decimal') throw new Error('receipt_id must be "submitted" or "decimal"');
		next.receipt_id = o.receipt_id;
	}
	if ('close_after_bind' in o) {
		if (typeof o.close_after_bind !== 'boolean') throw new Error('close_after_bind must be true or false');
		next.close_after_bind = o.close_after_bind;
	}
	if (next.drop_after > 0 && next.drop_unanswered > next.drop_after) throw new Error('drop_unanswered is more than drop_after');
	Object.assign(cfg, next);
	return cfg;
}

const FLAGS = {
	'--receipt-delay': 'receipt_delay_ms', '--throttle-share': 'throttle_share', '--throttle-ms': 'throttle_ms',
	'--throttle-status': 'throttle_status', '--drop-after': 'drop_after', '--drop-unanswered': 'drop_unanswered',
	'--enquire-link': 'enquire_link_ms', '--later-part-answer': 'later_part_answer_ms',
	'--answer-delay': 'answer_delay_ms', '--later-part-throttle': 'later_part_throttle_ms', '--receipt-retry': 'receipt_retry_ms',
};

function smsc_config_new(argv) {
	const cfg = {
		port: 0, control_port: 0, system_id: null, password: null, counts_only: false,
		tls_key: null, tls_cert: null,
		receipt_delay_ms: 0, throttle_share: 0, throttle_until: 0, throttle_status: 0x58,
		fail: Object.create(null), drop_after: 0, drop_unanswered: 1, enquire_link_ms: 0,
		later_part_answer_ms: 0, close_after_bind: false, receipt_text: true, receipt_fields: true,
		receipt_id: 'submitted', later_part_throttle_until: 0, receipt_pdu: 'deliver_sm',
		answer_delay_ms: 0, receipt_retry_ms: 500,
	};
	const settings = {}, fail = {};
	try {
		for (let i = 0; i < argv.length; i++) {
			const a = argv[i];
			if (a === '--help' || a === '-h') {
				process.stdout.write(USAGE + '\n');
				process.exit(0);
			}
			if (a === '--counts-only') { cfg.counts_only = true; continue; }
			if (i + 1 >= argv.length) throw new Error(a + ' needs a value');
			const v = argv[++i];
			if (a === '--port') cfg.port = int_of('--port', v, 0, 65535);
			else if (a === '--control-port') cfg.control_port = int_of('--control-port', v, 0, 65535);
			else if (a === '--system-id') cfg.system_id = v;
			else if (a === '--password') cfg.password = v;
			else if (a === '--tls-key') cfg.tls_key = v;
			else if (a === '--tls-cert') cfg.tls_cert = v;
			else if (a === '--fail') {
				const at = v.indexOf(':');
				fail[at < 0 ? v : v.slice(0, at)] = at < 0 ? undefined : v.slice(at + 1);
			} else if (FLAGS[a]) settings[FLAGS[a]] = v;
			else throw new Error('unknown option ' + a);
		}
		if (Object.keys(fail).length) settings.fail = fail;
		smsc_config_apply(cfg, settings);
	} catch (e) {
		usage(e.message);
	}
	if (cfg.system_id === null || cfg.password === null) usage('--system-id and --password are required');
	if ((cfg.tls_key === null) !== (cfg.tls_cert === null)) usage('--tls-key and --tls-cert go together');
	if (cfg.system_id.length > 15 || cfg.password.length > 8) usage('SMPP 3.4 allows a system_id of 15 and a password of 8 characters at most');
	return cfg;
}

// The settings as POST /config takes them (the password left out).
function smsc_config_show(cfg) {
	return {
		receipt_delay_ms: cfg.receipt_delay_ms,
		throttle_share: cfg.throttle_share,
		throttle_ms: Math.max(0, cfg.throttle_until - Date.now()),
		throttle_status: cfg.throttle_status,
		fail: cfg.fail,
		drop_after: cfg.drop_after,
		drop_unanswered: cfg.drop_unanswered,
		enquire_link_ms: cfg.enquire_link_ms,
		later_part_answer_ms: cfg.later_part_answer_ms,
		close_after_bind: cfg.close_after_bind,
		receipt_text: cfg.receipt_text,
		counts_only: cfg.counts_only,
	};
}

module.exports = { smsc_config_new, smsc_config_apply, smsc_config_show };
