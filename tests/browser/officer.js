// officer.js -- an agency officer's path through the console of a running
// `herald demo`, in Debian's chromium driven by playwright-core: sign in
// with name, password and a TOTP code (RFC 6238, computed here), the
// dashboard, uploading a recipient CSV with one bad row and seeing that
// row's error before anything is sent, sending, the job's page, the
// dashboard's count moving, finding a notice and downloading its
// certificate as a PDF, the paper letters and a template's preview,
// signing out. Every page is checked at 390 px and
// 1,280 px with console_checks.js's checks (axe-core WCAG 2.0/2.1 A and AA and
// best practice with no violation, nothing wider than the window); a
// screenshot of each goes to --shots.
//
// node officer.js --console URL --account NAME --password PW --secret B32
//                 --shots DIR [--notice REF] [--chromium PATH] [--timeout MS]
//                 [--docs DIR]
//
// With --docs the dashboard is also shot at 1,280 px into DIR as
// console-dashboard.png (the README's picture).
'use strict';
const fs = require('fs');
const path = require('path');
const { totp, runPath } = require('./console_checks');

const OPTIONS = { console: 1, account: 1, password: 1, secret: 1, shots: 1, notice: 1,
                  chromium: 1, timeout: 1, docs: 1 };
const REQUIRED = ['console', 'account', 'password', 'secret', 'shots'];
let step, checkPage;

// Today's figure in the dashboard's table by day: column 1 is submitted.
async function todayCount(page, column) {
  const today = new Date().toISOString().slice(0, 10);
  const row = page.locator('tr', { has: page.locator(`th:text-is("${today}")`) }).first();
  return Number((await row.locator('td').nth(column - 1).innerText()).trim());
}

async function officerPath(page, a) {
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
  await step(name, 'name, password and the TOTP code sign in to the dashboard', async () => {
    await page.getByLabel(/Account name/).fill(a.account);
    await page.getByLabel(/Password/).fill(a.password);
    await page.getByLabel(/6-digit code/).fill(totp(a.secret));
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.waitForURL(/\/console$/);
  });

  name = 'dashboard';
  await step(name, 'shows the funnel and the daily bars as SVG', async () => {
    await page.locator('svg[role="img"]').first().waitFor();
    if ((await page.locator('svg[role="img"]').count()) < 3) throw new Error('fewer than 3 charts');
  });
  const before = await step(name, "reads today's submitted count", () => todayCount(page, 1));
  await checkPage(page, 'dashboard');

  name = 'send';
  await step(name, 'the send page opens from the menu', async () => {
    await page.getByRole('link', { name: /Send/ }).click();
    await page.waitForURL(/\/console\/send$/);
  });
  await checkPage(page, 'send');
  const csv = 'reference,rrn,name,address,amount\n' +
              'web-1,020704-4123451,박민수,"서울, 종로구",10000\n' +
              'web-2,971313-1019902,김철수,부산,20000\n' +
              'web-3,971013-9019902,홍길동,서울,30000\n';
  // 30 days ahead, as a date in Korea: the agency refuses a deadline that
  // has passed or is less than an hour ahead.
  const deadline = new Date(Date.now() + (30 * 24 + 9) * 3600e3).toISOString().slice(0, 10);
  await step(name, 'uploading a CSV with one bad row shows the preview', async () => {
    await page.getByLabel(/Title/).fill('2026년 자동차세 / Vehicle tax');
    await page.getByLabel(/Deadline/).fill(deadline);
    await page.getByLabel(/Recipient CSV/).setInputFiles(
      { name: 'recipients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: /Preview/ }).click();
    await page.waitForURL(/\/console\/send\/preview$/);
  });
  name = 'preview';
  await step(name, "names line 3's bad RRN, masked, and renders the first documents", async () => {
    const row = page.locator('tr.err').first();
    const text = await row.innerText();
    if (!/^3\s+rrn\s+RRN 971313-\*{7}/.test(text.trim())) throw new Error(`the error row says: ${text}`);
    await page.getByText('박민수 님 / 서울, 종로구').waitFor();
    const body = await page.locator('body').innerText();
    if (/4123451|1019902|9019902/.test(body)) throw new Error('an RRN is on the page');
  });
  await checkPage(page, 'preview');
  await step(name, 'sending the 2 good rows opens the job, which finishes', async () => {
    await page.getByRole('button', { name: /Send 2 notices/ }).click();
    await page.waitForURL(/\/console\/jobs\/job-/);
    const deadline = Date.now() + a.timeout;
    while (!(await page.locator('strong:text-is("done")').count())) {
      if (Date.now() > deadline) throw new Error('the job did not finish');
      await page.waitForTimeout(300);
      await page.reload();
    }
    const text = await page.locator('main').innerText();
    if (!/accepted 2/.test(text) || !/refused 1/.test(text)) throw new Error(text.slice(0, 400));
  });
  await checkPage(page, 'job');

  name = 'dashboard';
  await step(name, "today's submitted count moved by 2", async () => {
    await page.getByRole('link', { name: /Dashboard/ }).click();
    await page.waitForURL(/\/console$/);
    const after = await todayCount(page, 1);
    if (after !== before + 2) throw new Error(`${before} before, ${after} after`);
  });
  await checkPage(page, 'dashboard-after', 'console-dashboard');

  name = 'notice';
  const ref = a.notice || 'web-1';
  await step(name, `searching ${ref} opens the notice`, async () => {
    await page.getByRole('link', { name: /Notices/ }).click();
    await page.getByLabel(/Reference/).fill(ref);
    await page.getByRole('button', { name: /Search/ }).click();
    await page.waitForURL(/\/console\/notices\/[^/?]+$/);
    await page.getByText('Timeline').waitFor();
  });
  await checkPage(page, 'notice');
  await step(name, 'the certificate downloads as a PDF', async () => {
    const deadline = Date.now() + a.timeout;
    for (;;) {
      try {
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 5000 }),
          page.getByRole('link', { name: 'PDF' }).click(),
        ]);
        const file = path.join(a.shots, 'certificate.pdf');
        await download.saveAs(file);
        const head = fs.readFileSync(file).subarray(0, 5).toString();
        if (head !== '%PDF-') throw new Error(`the download starts with ${JSON.stringify(head)}`);
        return;
      } catch (e) {
        // The hub signs its log every few seconds: until the notice is in
        // a signed tree there is no certificate yet.
        if (Date.now() > deadline) throw e;
        await page.goto(page.url().replace(/\/certificate.*$/, ''));
        await page.waitForTimeout(1000);
      }
    }
  });
  name = 'letters';
  await step(name, 'the letters page opens from the menu', async () => {
    await page.getByRole('link', { name: /Letters/ }).click();
    await page.waitForURL(/\/console\/letters$/);
  });
  await checkPage(page, 'letters');
  name = 'templates';
  await step(name, "the templates page lists vehicle-tax, whose preview names its fields", async () => {
    await page.getByRole('link', { name: /Templates/ }).click();
    await page.getByRole('link', { name: 'vehicle-tax' }).click();
    await page.waitForURL(/\/console\/templates\/vehicle-tax$/);
    await page.getByText('[name] 님').waitFor();
  });
  await checkPage(page, 'template');
  await step(name, 'signing out goes back to the sign-in form', async () => {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/console\/signin$/);
  });
}

runPath({ script: 'officer.js', who: 'officer', prefix: 'console', fullPage: false,
           context: { acceptDownloads: true }, options: OPTIONS, required: REQUIRED,
           walk: (page, a, check) => {
             step = check.step;
             checkPage = check.checkPage;
             return officerPath(page, a);
           } }).catch((e) => {
  console.log(`not ok - officer.js\n#   ${e.stack}`);
  process.exit(1);
});
