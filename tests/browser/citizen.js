// citizen.js -- a citizen's path through a running `herald demo`, in
// Debian's chromium driven by playwright-core: the demo's phone view, one
// phone's texts, the link in its SMS or push alert, sign-in with phone and
// PIN, the inbox, the notice (PIN again), the agency's document, then
// withdrawing consent. Every page is checked at 390 px and 1,280 px: axe-core
// (WCAG 2.0/2.1 A and AA, best practice) must find nothing, the page must
// not scroll sideways, and it must say things in Korean and in English. A
// screenshot of each page at each width goes to --shots.
//
// Prints TAP lines ("ok - ..." / "not ok - ...") for tests/integration/
// browser.sh to count, each naming the page and the step; a failure stops
// the path (later steps depend on it) after a screenshot of where it broke.
//
// node citizen.js --phones URL --phone 010-... --pin NNNN --shots DIR
//                 [--other PHONE/PIN] [--chromium PATH] [--timeout MS]
//                 [--docs DIR]
//
// --other: a second citizen (best on the other platform, so the other
// channel's text) goes from its phone's text to its inbox.
//
// With --docs, one phone's texts, the inbox and the document are also shot at
// 390 x 640 into DIR as phone-view.png, citizen-inbox.png and document.png
// (the README's pictures, docs/images/).
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const WIDTHS = [390, 1280];

function args() {
  const a = { chromium: '/usr/bin/chromium', timeout: 60000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in { phones: 1, phone: 1, pin: 1, other: 1, shots: 1, chromium: 1, timeout: 1, docs: 1 }) ||
        argv[i + 1] === undefined) {
      console.error(`citizen.js: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    a[k] = k === 'timeout' ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of ['phones', 'phone', 'pin', 'shots']) {
    if (!a[k]) {
      console.error(`citizen.js: --${k} is required`);
      process.exit(2);
    }
  }
  return a;
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

class StepFailed extends Error {}

let pageNo = 0;
let checksFailed = false;

function noteFailure() { checksFailed = true; }
let docs = null;

function ok(what) { console.log(`ok - ${what}`); }

// Runs one step; a thrown error becomes "not ok - PAGE: STEP: why" and
// stops the path.
async function step(pageName, what, fn) {
  try {
    const r = await fn();
    ok(`${pageName}: ${what}`);
    return r;
  } catch (e) {
    const why = String(e && e.message ? e.message : e).replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, 60).join('\n#   ');
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
    if (v.nodes.length > 5) lines.push(`    ... and ${v.nodes.length - 5} more`);
  }
  return lines.join('\n');
}

// The checks every page gets, at each width; screenshots named
// NN-NAME-WIDTH.png (and docs/images' picture DOCNAME.png with --docs).
// Leaves the page at the first width.
async function checkPage(page, name, shots, docName) {
  pageNo += 1;
  const prefix = String(pageNo).padStart(2, '0');
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    // A page's findings do not stop the path: the next pages get checked too.
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
  }
  if (docs && docName) {
    await page.setViewportSize({ width: 390, height: 640 });
    await page.screenshot({ path: path.join(docs, `${docName}.png`) });
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 844 });
}

// The page's heading says it in Korean and in English.
async function bilingual(page, name) {
  await step(name, 'says it in Korean and in English', async () => {
    const lang = await page.getAttribute('html', 'lang');
    if (lang !== 'ko') throw new Error(`<html lang> is ${JSON.stringify(lang)}, not "ko"`);
    const h1 = (await page.locator('h1').first().innerText()).trim();
    if (!/[\uac00-\ud7a3]/.test(h1) || !/[A-Za-z]/.test(h1)) {
      throw new Error(`the heading is not in both languages: ${JSON.stringify(h1)}`);
    }
  });
}

async function expectText(page, name, what, text) {
  await step(name, what, async () => {
    await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible' });
  });
}

// The phone's page is read from the peers when it loads: reload until a
// text with a link is there (a slow machine may not have sent it yet).
async function textLink(page, name, timeout) {
  return step(name, 'holds an SMS or push text with a link', async () => {
    const link = page.locator('.sms a, .push a').first();
    const deadline = Date.now() + timeout;
    while (!(await link.count())) {
      if (Date.now() > deadline) throw new Error(`no text with a link within ${timeout} ms`);
      await page.waitForTimeout(500);
      await page.reload();
    }
    return link;
  });
}

// Another citizen, on the other platform and its other channel: from the
// phone's text to the inbox, and out again.
async function otherPath(page, a) {
  const [phone, pin] = a.other.split('/');
  let name = 'phone 2';
  await step(name, `opens ${phone}'s texts from the phone view`, async () => {
    await page.goto(a.phones);
    await page.getByRole('link', { name: phone }).click();
    await page.waitForURL(/\/phones\//);
  });
  const link = await textLink(page, name, a.timeout);
  const platformUrl = new URL(await link.getAttribute('href'));
  await checkPage(page, 'phone-2', a.shots);
  await step(name, `the text's link ${platformUrl.href} opens the platform's sign-in`, async () => {
    await link.click();
    await page.waitForURL((u) => u.origin === platformUrl.origin);
    await page.getByLabel(/Mobile phone number/).waitFor();
  });
  name = 'sign-in 2';
  await checkPage(page, 'sign-in-2', a.shots);
  await step(name, 'phone and PIN sign in and land in the inbox', async () => {
    await page.getByLabel(/Mobile phone number/).fill(phone);
    await page.getByLabel(/PIN/).fill(pin);
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.waitForURL(/\/inbox$/);
  });
  name = 'inbox 2';
  await bilingual(page, name);
  await step(name, 'lists a notice', () => page.locator('a[href^="/notices/"]').first().waitFor());
  await checkPage(page, 'inbox-2', a.shots);
  await step(name, 'signing out goes back to the sign-in form', async () => {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByLabel(/Mobile phone number/).waitFor();
  });
}

async function citizenPath(page, a) {
  let name = 'phone view';
  await step(name, `opens ${a.phones}`, async () => {
    const r = await page.goto(a.phones);
    if (!r || r.status() !== 200) throw new Error(`status ${r && r.status()}`);
  });
  await bilingual(page, name);
  await step(name, `lists ${a.phone}`, () => page.getByRole('link', { name: a.phone }).waitFor());
  await checkPage(page, 'phone-view', a.shots);

  await step(name, `tapping ${a.phone} opens its texts`, async () => {
    await page.getByRole('link', { name: a.phone }).click();
    await page.waitForURL(/\/phones\//);
  });
  name = 'phone';
  await expectText(page, name, 'shows the sign-in PIN', a.pin);
  const link = await textLink(page, name, a.timeout);
  const platformUrl = new URL(await link.getAttribute('href'));
  await checkPage(page, 'phone', a.shots, 'phone-view');

  await step(name, `the text's link ${platformUrl.href} opens the platform's sign-in`, async () => {
    await link.click();
    await page.waitForURL((u) => u.origin === platformUrl.origin);
    await page.getByLabel(/Mobile phone number/).waitFor();
  });
  name = 'sign-in';
  await bilingual(page, name);
  await checkPage(page, 'sign-in', a.shots);
  await step(name, 'phone and PIN sign in and land in the inbox', async () => {
    await page.getByLabel(/Mobile phone number/).fill(a.phone);
    await page.getByLabel(/PIN/).fill(a.pin);
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.waitForURL(/\/inbox$/);
  });

  name = 'inbox';
  await bilingual(page, name);
  await expectText(page, name, 'says the member receives notices here',
                   'You receive official notices here.');
  const notice = page.locator('a[href^="/notices/"]').first();
  await step(name, 'lists a notice', () => notice.waitFor());
  const title = (await notice.innerText()).trim();
  const who = (await page.locator('main p').first().innerText()).split(' 님')[0].trim();
  await checkPage(page, 'inbox', a.shots, 'citizen-inbox');

  await step(name, `opening "${title}" shows the notice`, async () => {
    await notice.click();
    await page.waitForURL(/\/notices\/[^/]+$/);
  });
  name = 'notice';
  await bilingual(page, name);
  await expectText(page, name, 'names the notice', title);
  await checkPage(page, 'notice', a.shots);
  await step(name, 'the PIN again opens the document on the agency\'s server', async () => {
    await page.getByLabel(/PIN/).fill(a.pin);
    await page.getByRole('button', { name: /Open the document/ }).click();
    await page.waitForURL((u) => u.origin !== platformUrl.origin && /\/documents\//.test(u.pathname));
  });

  name = 'document';
  await step(name, `is ${who}'s: the title, the name and the tax`, async () => {
    const text = await page.locator('body').innerText();
    for (const want of [title, `Dear ${who}`, 'Your 2026 vehicle tax is', 'Reference:']) {
      if (!text.includes(want)) throw new Error(`"${want}" is not on ${page.url()}:\n${text.slice(0, 400)}`);
    }
  });
  await bilingual(page, name);
  await checkPage(page, 'document', a.shots, 'document');

  name = 'inbox';
  await step(name, 'back in the inbox, the notice reads as read', async () => {
    await page.goto(`${platformUrl.origin}/inbox`);
    await page.waitForURL(/\/inbox$/);
    const row = page.locator('.n', { has: page.locator(`a:text-is(${JSON.stringify(title)})`) }).first();
    const text = await row.innerText();
    if (!/read/.test(text) || /unread/.test(text)) throw new Error(`the row says: ${text}`);
  });
  await step(name, 'withdrawing consent says so', async () => {
    await page.getByRole('button', { name: /Withdraw consent/ }).click();
    await page.waitForURL(/\/inbox$/);
    await page.getByText('You do not receive official notices here.').waitFor();
    await page.getByRole('button', { name: /Give consent/ }).waitFor();
  });
  await checkPage(page, 'inbox-withdrawn', a.shots);
  await step(name, 'signing out goes back to the sign-in form', async () => {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByLabel(/Mobile phone number/).waitFor();
  });
}

async function main() {
  const a = args();
  fs.mkdirSync(a.shots, { recursive: true });
  docs = a.docs || null;
  const started = Date.now();
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: a.chromium,
      headless: true,
      timeout: a.timeout * 2,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
  } catch (e) {
    console.log(`not ok - chromium starts (${a.chromium})\n#   ${String(e.message).split('\n')[0]}`);
    process.exit(1);
  }
  ok(`chromium ${browser.version()} starts`);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
  context.setDefaultTimeout(a.timeout);
  context.setDefaultNavigationTimeout(a.timeout);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Chromium asks every site for /favicon.ico, and herald has none: not an error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/\/favicon\.ico$/.test(m.location().url || '')) {
      errors.push(`${page.url()}: ${m.text()}`);
    }
  });
  let failed = await step('axe-core', 'finds what a page without landmarks lacks (the check can fail)', async () => {
    await page.setContent('<!DOCTYPE html><html lang="en"><head><title>t</title></head>' +
                          '<body><h1>t</h1><p>outside any landmark</p></body></html>');
    await page.evaluate(axeSource);
    const r = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
    const ids = r.violations.map((v) => v.id);
    if (!ids.includes('region') || !ids.includes('landmark-one-main')) {
      throw new Error(`axe-core reported only: ${ids.join(', ') || 'nothing'}`);
    }
  }).then(() => false, () => true);
  try {
    await citizenPath(page, a);
    if (a.other) await otherPath(page, a);
  } catch (e) {
    failed = true;
    if (!(e instanceof StepFailed)) console.log(`not ok - the citizen's path\n#   ${e.stack}`);
    await page.screenshot({ path: path.join(a.shots, 'failed.png'), fullPage: true }).catch(() => {});
    console.log(`#   at ${page.url()}; screenshot in ${path.join(a.shots, 'failed.png')}`);
  }
  // A page that broke its own CSP or threw would log it here.
  if (errors.length) console.log(`not ok - no page logged an error\n#   ${errors.join('\n#   ')}`);
  else ok('no page logged an error (CSP or script)');
  await browser.close();
  console.log(`# browser path took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed || checksFailed || errors.length ? 1 : 0);
}

main().catch((e) => {
  console.log(`not ok - citizen.js\n#   ${e.stack}`);
  process.exit(1);
});
