// Checks docs/agency-api.yaml with a real OpenAPI validator, and real
// answers of `agency serve` against it. tests/integration/openapi.sh runs
// it; scripts/peers.sh openapi installs its locked packages.
//
//   node openapi.js validate DOC            the document is valid OpenAPI 3.1
//   node openapi.js routes DOC              "METHOD PATH" of every operation
//   node openapi.js same DOC JSON           JSON (as served) equals DOC
//   node openapi.js answer DOC METHOD PATH STATUS CONTENT_TYPE BODY
//        the document declares STATUS for the operation, with that media
//        type, and BODY (a file) validates against its schema
//   node openapi.js webhook DOC NAME BODY   BODY (a file) is what the
//        document's webhook NAME says is posted
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');
const { isDeepStrictEqual } = require('util');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function load(path) {
  return yaml.load(fs.readFileSync(path, 'utf8'));
}

function fail(msg) {
  console.error(msg);
  process.exit(1);
}

async function validate(path) {
  const doc = load(path);
  if (!/^3\.1\./.test(doc.openapi || '')) fail(`${path}: openapi is ${doc.openapi}, not 3.1.x`);
  await SwaggerParser.validate(doc);
  console.log(`${path}: valid OpenAPI ${doc.openapi}, ${Object.keys(doc.paths).length} paths`);
}

function routes(path) {
  const doc = load(path);
  const out = [];
  for (const [p, item] of Object.entries(doc.paths || {}))
    for (const m of METHODS) if (item[m]) out.push(`${m.toUpperCase()} ${p}`);
  console.log(out.sort().join('\n'));
}

function same(path, jsonPath) {
  const served = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  if (!isDeepStrictEqual(load(path), served)) fail(`${jsonPath} differs from ${path}`);
  console.log(`${jsonPath} equals ${path}`);
}

// The path template of doc that a concrete path matches.
function templateOf(doc, concrete) {
  for (const p of Object.keys(doc.paths)) {
    const re = new RegExp('^' + p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(concrete)) return p;
  }
  return null;
}

function validator(schema) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

function problemOnly(doc, method, concrete, status, bodyPath) {
  const check = validator(doc.components.schemas.Problem);
  const body = JSON.parse(fs.readFileSync(bodyPath, 'utf8'));
  if (!check(body) || String(body.status) !== status)
    fail(`${method} ${concrete} ${status}: not the document's Problem: ${JSON.stringify(body)}`);
  console.log(`${method} ${concrete} ${status}: a Problem, as the document says of any path`);
}

async function answer(path, method, concrete, status, ctype, bodyPath) {
  const doc = await SwaggerParser.dereference(load(path));
  const tpl = templateOf(doc, concrete.replace(/\?.*/, ''));
  if (!tpl && status === '404' && ctype.startsWith('application/problem+json'))
    return problemOnly(doc, method, concrete, status, bodyPath);
  if (!tpl) fail(`no path of the document matches ${concrete}`);
  const op = doc.paths[tpl][method.toLowerCase()];
  // A method the path is not served for: the 405 every path gives, a
  // problem as the document's description says.
  if (!op && status === '405' && ctype.startsWith('application/problem+json'))
    return problemOnly(doc, method, concrete, status, bodyPath);
  const resp = op && op.responses[status];
  if (!resp) fail(`${method} ${tpl} does not declare a ${status} answer`);
  const media = ctype.split(';')[0].trim().toLowerCase();
  const content = (resp.content || {})[media];
  if (!content) fail(`${method} ${tpl} ${status} does not declare ${media}`);
  if (!content.schema || media === 'text/html' || media === 'text/plain' ||
      media === 'application/pdf') {
    console.log(`${method} ${concrete} ${status} ${media}: declared`);
    return;
  }
  const check = validator(content.schema);
  const body = JSON.parse(fs.readFileSync(bodyPath, 'utf8'));
  if (!check(body))
    fail(`${method} ${concrete} ${status}: ${JSON.stringify(check.errors)}\n${JSON.stringify(body)}`);
  console.log(`${method} ${concrete} ${status} ${media}: matches the document`);
}

async function webhook(path, name, bodyPath) {
  const doc = await SwaggerParser.dereference(load(path));
  const hook = (doc.webhooks || {})[name];
  if (!hook || !hook.post) fail(`the document has no webhook ${name}`);
  const check = validator(hook.post.requestBody.content['application/json'].schema);
  const body = JSON.parse(fs.readFileSync(bodyPath, 'utf8'));
  if (!check(body)) fail(`webhook ${name}: ${JSON.stringify(check.errors)}\n${JSON.stringify(body)}`);
  console.log(`webhook ${name}: the body matches the document`);
}

const [cmd, ...args] = process.argv.slice(2);
const run = { validate, routes, same, answer, webhook }[cmd];
if (!run) fail('usage: openapi.js validate|routes|same|answer|webhook DOC ...');
Promise.resolve(run(...args)).catch((e) => fail(e.message || String(e)));
