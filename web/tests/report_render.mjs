// Opens a backtest report.html in Debian's headless Chromium (driven by playwright-core) and
// checks that every chart rendered. Usage: node report_render.mjs REPORT_HTML [SCREENSHOT_PNG]
import { chromium } from 'playwright-core';

const [report, screenshot] = process.argv.slice(2);
if (!report) {
  console.error('usage: node report_render.mjs REPORT_HTML [SCREENSHOT_PNG]');
  process.exit(2);
}
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
  // Offline: any request to the network would mean the report is not self-contained.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    fail('report fetched ' + url);
    return route.abort();
  });
  await page.goto('file://' + report);
  await page.waitForFunction(() => document.body.dataset.rendered === 'yes', null, { timeout: 20000 });
  if (errors.length) fail('page errors: ' + errors.join('; '));
  for (const id of ['equity', 'drawdown', 'monthly']) {
    const n = await page.locator(`#${id} .main-svg`).count();
    if (n < 1) fail(`chart #${id} did not render`);
  }
  const candles = await page.locator('#candles .js-plotly-plot').count();
  if (candles < 1) fail('no candlestick chart');
  const traces = await page.evaluate(() => document.querySelector('#equity').data.length);
  if (traces !== 2) fail(`equity chart has ${traces} traces, expected strategy and buy-and-hold`);
  const rows = await page.locator('#trades tr').count();
  if (rows < 2) fail('trades table is empty');
  const metrics = await page.locator('#metrics tr').count();
  if (metrics < 10) fail('metrics table is incomplete');
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`report ok: ${candles} candle chart(s), ${rows - 1} trade rows, ${metrics} metrics`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
