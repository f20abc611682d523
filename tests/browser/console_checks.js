// console_checks.js -- what officer.js and operator.js share: their
// options, the browser run around each path (runPath), TOTP codes (RFC 6238) computed from the account's secret, the
// TAP steps, and each page's checks at 390 px and 1,280 px (axe-core WCAG
// 2.0/2.1 A and AA and best practice with no violation, nothing wider
// than the window) with a screenshot of each.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const WIDTHS = [390, 1280];
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The command line: --name value pairs among options (an object of
// names), those in required present. Exits 2 otherwise.
function args(script, options, required) {
  const a = { chromium: '/usr/bin/chromium', timeout: 60000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in options) || argv[i + 1] === undefined) {
      console.error(`${script}: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    a[k] = k === 'timeout' ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of required) {
    if (!a[k]) {
      console.error(`${script}: --${k} is required`);
      process.exit(2);
    }
  }
  return a;
}

// RFC 4648 base32 and RFC 6238 TOTP (SHA-1, 30 s, 6 digits).
function base32(text) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, acc = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    acc = (acc << 5) | abc.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((acc >> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
function totp(secret, offsetSteps = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offsetSteps));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const o = mac[19] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

class StepFailed extends Error {}
function ok(what) { console.log(`ok - ${what}`); }

function describeViolations(violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 5)) {
      lines.push(`    at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
      lines.push(`    html: ${n.html.slice(0, 160)}`);
    }
  }
  return lines.join('\n');
}

// A checker whose screenshots are named prefix-NN-page-WIDTH.png in
// shots; with docs, a page given a docName is also shot at 1,280 px
// there (fullPage says whether the whole page or the window).
function checker({ prefix, shots, docs, fullPage }) {
  let pageNo = 0;
  let failed = false;

  async function step(pageName, what, fn) {
    try {
      const r = await fn();
      ok(`${pageName}: ${what}`);
      return r;
    } catch (e) {
      const why = String(e && e.message ? e.message : e).split('\n').slice(0, 60).join('\n#   ');
      console.log(`not ok - ${pageName}: ${what}\n#   ${why}`);
      throw new StepFailed(`${pageName}: ${what}`);
    }
  }

  async function checkPage(page, name, docName) {
    pageNo += 1;
    const stem = prefix + '-' + String(pageNo).padStart(2, '0');
    const noteFailure = () => { failed = true; };
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      await step(name, `axe-core finds no violations at ${width} px`, async () => {
        const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
        if (!hasAxe) await page.evaluate(axeSource);
        const r = await page.evaluate(
          (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
        if (r.violations.length) {
          throw new Error(`${r.violations.length} violation(s) on ${page.url()}:\n` +
                          describeViolations(r.violations));
        }
      }).catch(noteFailure);
      await step(name, `nothing wider than the window at ${width} px`, async () => {
        const wide = await page.evaluate(() => {
          const w = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= w) return null;
          const el = [...document.body.querySelectorAll('*')].find(
            (e) => e.getBoundingClientRect().right > w + 1);
          return `page is ${document.documentElement.scrollWidth} px wide in ${w} px` +
                 (el ? `; first too wide: <${el.tagName.toLowerCase()}> ${el.outerHTML.slice(0, 120)}` : '');
        });
        if (wide) throw new Error(wide);
      }).catch(noteFailure);
      await page.screenshot({ path: path.join(shots, `${stem}-${name}-${width}.png`), fullPage: true });
      if (docs && docName && width === 1280) {
        await page.screenshot({ path: path.join(docs, `${docName}.png`), fullPage: !!fullPage });
      }
    }
    await page.setViewportSize({ width: WIDTHS[0], height: 844 });
  }

  return { step, checkPage, failed: () => failed };
}

// Runs one person's path (walk(page, args, check)) through a console in
// chromium at 390 px, prints TAP and exits: 1 when a step failed, a page
// logged an error (CSP or script) or the path threw. A 401 is not an error
// here: each path types a wrong code on purpose.
async function runPath({ script, who, prefix, fullPage, context: contextOptions, options,
                         required, walk }) {
  const { chromium } = require('playwright-core');
  const a = args(script, options, required);
  fs.mkdirSync(a.shots, { recursive: true });
  const check = checker({ prefix, shots: a.shots, docs: a.docs || null, fullPage });
  const started = Date.now();
  let browser;
  try {
    browser = await chromium.launch({ executablePath: a.chromium, headless: true,
                                      timeout: a.timeout * 2,
                                      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  } catch (e) {
    console.log(`not ok - chromium starts (${a.chromium})\n#   ${String(e.message).split('\n')[0]}`);
    process.exit(1);
  }
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR',
                                             ...contextOptions });
  context.setDefaultTimeout(a.timeout);
  context.setDefaultNavigationTimeout(a.timeout);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/\/favicon\.ico$/.test(m.location().url || '')) {
      errors.push(`${page.url()}: ${m.text()}`);
    }
  });
  let failed = false;
  try {
    await walk(page, a, check);
  } catch (e) {
    failed = true;
    if (!(e instanceof StepFailed)) console.log(`not ok - the ${who}'s path\n#   ${e.stack}`);
    await page.screenshot({ path: path.join(a.shots, `${prefix}-failed.png`), fullPage: true })
      .catch(() => {});
    console.log(`#   at ${page.url()}`);
  }
  const real = errors.filter((e) => !/status of 401/.test(e));
  if (real.length) console.log(`not ok - no ${prefix} page logged an error\n#   ${real.join('\n#   ')}`);
  else ok(`no ${prefix} page logged an error (CSP or script)`);
  await browser.close();
  console.log(`# ${who} path took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed || check.failed() || real.length ? 1 : 0);
}

module.exports = { args, totp, ok, StepFailed, checker, runPath };
