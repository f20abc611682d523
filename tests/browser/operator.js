// operator.js -- a hub operator's path through the operators' console of
// a running `herald demo`, in Debian's chromium driven by playwright-core:
// sign in with name, password and a TOTP code (RFC 6238, computed here),
// the status page (backlog, platforms' health, the log's signed head and
// the signer), the volumes per agency and platform with the demo's
// notices in them, the relay latency histogram, signing out. Every page
// is checked at 390 px and 1,280 px as officer.js checks the agency's
// console (axe-core WCAG 2.0/2.1 A and AA and best practice with no
// violation, nothing wider than the window); a screenshot of each goes to
// --shots. The hub serves TLS with the demo's self-signed certificate,
// which this browser accepts (the roles pin it).
//
// node operator.js --console URL --account NAME --password PW --secret B32
//                  --shots DIR [--chromium PATH] [--timeout MS] [--docs DIR]
//
// With --docs the volumes page is also shot at 1,280 px into DIR as
// operator-console.png (the README's picture).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const WIDTHS = [390, 1280];
const OPTIONS = { console: 1, account: 1, password: 1, secret: 1, shots: 1, chromium: 1,
                  timeout: 1, docs: 1 };

function args() {
  const a = { chromium: '/usr/bin/chromium', timeout: 60000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in OPTIONS) || argv[i + 1] === undefined) {
      console.error(`operator.js: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    a[k] = k === 'timeout' ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of ['console', 'account', 'password', 'secret', 'shots']) {
    if (!a[k]) {
      console.error(`operator.js: --${k} is required`);
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

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
class StepFailed extends Error {}
let pageNo = 0;
let checksFailed = false;
let docs = null;
function ok(what) { console.log(`ok - ${what}`); }
function noteFailure() { checksFailed = true; }

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

async function checkPage(page, name, shots, docName) {
  pageNo += 1;
  const prefix = 'operator-' + String(pageNo).padStart(2, '0');
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
    await page.screenshot({ path: path.join(shots, `${prefix}-${name}-${width}.png`), fullPage: true });
    if (docs && docName && width === 1280) {
      await page.screenshot({ path: path.join(docs, `${docName}.png`), fullPage: true });
    }
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 844 });
}

// The sum of a column (by its English header) over today's rows of the
// volumes page's table in section.
async function todaySum(page, section, header) {
  const today = new Date().toISOString().slice(0, 10);
  return page.evaluate(([section, header, today]) => {
    const table = document.querySelector(`section[aria-labelledby="${section}"] table`);
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.innerText.trim());
    const col = heads.indexOf(header);
    let sum = 0;
    for (const tr of table.querySelectorAll('tbody tr')) {
      const cells = [...tr.children];
      if (cells[1] && cells[1].innerText.trim() === today) sum += Number(cells[col].innerText);
    }
    return sum;
  }, [section, header, today]);
}

async function operatorPath(page, a) {
  let name = 'sign-in';
  await step(name, `${a.console} sends a stranger to the sign-in form`, async () => {
    await page.goto(a.console);
    await page.waitForURL(/\/console\/signin$/);
  });
  await checkPage(page, 'signin', a.shots);
  await step(name, 'a wrong code is refused, saying so in both languages', async () => {
    await page.getByLabel(/Account name/).fill(a.account);
    await page.getByLabel(/Password/).fill(a.password);
    await page.getByLabel(/6-digit code/).fill(totp(a.secret, -5));
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.getByText('The name, password or code is wrong.').waitFor();
  });
  await step(name, 'name, password and the TOTP code sign in to the status page', async () => {
    await page.getByLabel(/Account name/).fill(a.account);
    await page.getByLabel(/Password/).fill(a.password);
    await page.getByLabel(/6-digit code/).fill(totp(a.secret));
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.waitForURL(/\/console$/);
  });

  name = 'status';
  await step(name, 'shows the backlog, both platforms, a signed tree head and the signer', async () => {
    await page.getByText('Accepted, to relay').waitFor();
    const text = await page.locator('main').innerText();
    for (const want of [/messenger/, /carrier/, /size \d+, root [0-9a-f]{64}/, /reachable, signing/]) {
      if (!want.test(text)) throw new Error(`no ${want} in: ${text.slice(0, 600)}`);
    }
  });
  await checkPage(page, 'status', a.shots);

  name = 'volumes';
  await step(name, "the volumes page shows today's notices per agency and per platform", async () => {
    await page.getByRole('link', { name: /Volumes/ }).click();
    await page.waitForURL(/\/console\/volumes$/);
    const accepted = await todaySum(page, 'agencies', 'accepted');
    const relayed = await todaySum(page, 'platforms', 'relayed');
    if (accepted < 1 || relayed < 1) throw new Error(`accepted ${accepted}, relayed ${relayed}`);
    if ((await page.locator('svg[role="img"]').count()) < 4) throw new Error('fewer than 4 charts');
  });
  await checkPage(page, 'volumes', a.shots, 'operator-console');

  name = 'latency';
  await step(name, 'the relay latency histogram counts the relays', async () => {
    await page.getByRole('link', { name: /Relay latency/ }).click();
    await page.waitForURL(/\/console\/latency$/);
    await page.locator('svg[role="img"]').first().waitFor();
    const total = await page.evaluate(() => [...document.querySelectorAll('tbody td.n')]
      .reduce((s, td) => s + Number(td.innerText), 0));
    if (total < 1) throw new Error('no relay counted');
  });
  await checkPage(page, 'latency', a.shots);
  await step(name, 'signing out goes back to the sign-in form', async () => {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/console\/signin$/);
  });
}

async function main() {
  const a = args();
  fs.mkdirSync(a.shots, { recursive: true });
  docs = a.docs || null;
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
                                             ignoreHTTPSErrors: true });
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
    await operatorPath(page, a);
  } catch (e) {
    failed = true;
    if (!(e instanceof StepFailed)) console.log(`not ok - the operator's path\n#   ${e.stack}`);
    await page.screenshot({ path: path.join(a.shots, 'operator-failed.png'), fullPage: true }).catch(() => {});
    console.log(`#   at ${page.url()}`);
  }
  // The wrong code on purpose is answered 401, which chromium logs.
  const real = errors.filter((e) => !/status of 401/.test(e));
  if (real.length) console.log(`not ok - no operator page logged an error\n#   ${real.join('\n#   ')}`);
  else ok('no operator page logged an error (CSP or script)');
  await browser.close();
  console.log(`# operator path took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed || checksFailed || real.length ? 1 : 0);
}

main().catch((e) => {
  console.log(`not ok - operator.js\n#   ${e.stack}`);
  process.exit(1);
});
