// Opens a self-contained ats HTML report in Debian's headless Chromium (playwright-core) and
// checks, offline, that it rendered without errors and that each named chart has its traces.
// Usage: node charts_render.mjs REPORT_HTML ID:TRACES[,ID:TRACES...] [SCREENSHOT_PNG]
import { chromium } from 'playwright-core';

const [report, chartsArg, screenshot] = process.argv.slice(2);
if (!report || !chartsArg) {
  console.error('usage: node charts_render.mjs REPORT_HTML ID:TRACES[,...] [SCREENSHOT_PNG]');
  process.exit(2);
}
const charts = chartsArg.split(',').map((s) => s.split(':')).map(([id, n]) => [id, Number(n)]);
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
  for (const [id, want] of charts) {
    const n = await page.evaluate((i) => {
      const el = document.getElementById(i);
      return el && el.data ? el.data.length : -1;
    }, id);
    if (n !== want) fail(`chart #${id} has ${n} traces, expected ${want}`);
  }
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`report ok: ${charts.length} charts`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
