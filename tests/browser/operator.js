// operator.js -- a hub operator's path through the operators' console of
// a running `herald demo`, in Debian's chromium driven by playwright-core:
// sign in with name, password and a TOTP code (RFC 6238, computed here),
// the status page (backlog, platforms' health, the log's signed head and
// the signer), the volumes per agency and platform with the demo's
// notices in them, the relay latency histogram, signing out. Every page
// is checked at 390 px and 1,280 px by console_checks.js, as officer.js
// checks the agency's console (axe-core WCAG 2.0/2.1 A and AA and best
// practice with no violation, nothing wider than the window); a
// screenshot of each goes to --shots. The hub serves TLS with the demo's self-signed certificate,
// which this browser accepts (the roles pin it).
//
// node operator.js --console URL --account NAME --password PW --secret B32
//                  --shots DIR [--chromium PATH] [--timeout MS] [--docs DIR]
//
// With --docs the volumes page is also shot at 1,280 px into DIR as
// operator-console.png (the README's picture).
'use strict';
const { totp, runPath } = require('./console_checks');

const OPTIONS = { console: 1, account: 1, password: 1, secret: 1, shots: 1, chromium: 1,
                  timeout: 1, docs: 1 };
const REQUIRED = ['console', 'account', 'password', 'secret', 'shots'];
let step, checkPage;

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
  await checkPage(page, 'signin');
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
  await checkPage(page, 'status');

  name = 'volumes';
  await step(name, "the volumes page shows today's notices per agency and per platform", async () => {
    await page.getByRole('link', { name: /Volumes/ }).click();
    await page.waitForURL(/\/console\/volumes$/);
    const accepted = await todaySum(page, 'agencies', 'accepted');
    const relayed = await todaySum(page, 'platforms', 'relayed');
    // !(x >= 1): a cell that is not a number (NaN) fails too
    if (!(accepted >= 1) || !(relayed >= 1)) throw new Error(`accepted ${accepted}, relayed ${relayed}`);
    if ((await page.locator('svg[role="img"]').count()) < 4) throw new Error('fewer than 4 charts');
  });
  await checkPage(page, 'volumes', 'operator-console');

  name = 'latency';
  await step(name, 'the relay latency histogram counts the relays', async () => {
    await page.getByRole('link', { name: /Relay latency/ }).click();
    await page.waitForURL(/\/console\/latency$/);
    await page.locator('svg[role="img"]').first().waitFor();
    const total = await page.evaluate(() => [...document.querySelectorAll('tbody td.n')]
      .reduce((s, td) => s + Number(td.innerText), 0));
    if (!(total >= 1)) throw new Error(`no relay counted (${total})`);
  });
  await checkPage(page, 'latency');
  await step(name, 'signing out goes back to the sign-in form', async () => {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/console\/signin$/);
  });
}

runPath({ script: 'operator.js', who: 'operator', prefix: 'operator', fullPage: true,
           context: { ignoreHTTPSErrors: true }, options: OPTIONS, required: REQUIRED,
           walk: (page, a, check) => {
             step = check.step;
             checkPage = check.checkPage;
             return operatorPath(page, a);
           } }).catch((e) => {
  console.log(`not ok - operator.js\n#   ${e.stack}`);
  process.exit(1);
});
