// Opens an `ats evolve` report.html in Debian's headless Chromium (playwright-core) and checks
// every chart and the table, offline. Usage: node evolve_render.mjs REPORT_HTML ISLANDS [PNG]
import { chromium } from 'playwright-core';

const [report, islandsArg, screenshot] = process.argv.slice(2);
if (!report || !islandsArg) {
  console.error('usage: node evolve_render.mjs REPORT_HTML ISLANDS [SCREENSHOT_PNG]');
  process.exit(2);
}
const islands = Number(islandsArg);
const browser = await chromium.launch({
  executablePath: process.env.ATS_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
const fail = (msg) => { console.error('FAIL: ' + msg); failed = true; };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    fail('report fetched ' + url);
    return route.abort();
  });
  await page.goto('file://' + report);
  await page.waitForFunction(() => document.body.dataset.rendered === 'yes', null, { timeout: 20000 });
  if (errors.length) fail('page errors: ' + errors.join('; '));
  for (const id of ['fitness', 'scatter', 'winner', 'equity']) {
    const n = await page.locator(`#${id} .main-svg`).count();
    if (n < 1) fail(`chart #${id} did not render`);
  }
  const traces = await page.evaluate(() => document.querySelector('#fitness').data.length);
  if (traces !== 2 * islands) fail(`fitness chart has ${traces} traces, expected best and mean for ${islands} islands`);
  const rows = await page.locator('#top tr').count();
  if (rows < 2) fail('top strategies table is empty');
  const summary = await page.locator('#summary').textContent();
  if (!summary.includes('holdout') || !summary.includes('Deflated Sharpe')) fail('summary lacks holdout or deflated Sharpe: ' + summary);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`evolve report ok: ${traces} fitness traces, ${rows - 1} strategies`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
