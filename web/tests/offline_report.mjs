// Shared by the report tests: opens a self-contained ats HTML report in Debian's headless
// Chromium (playwright-core), offline (any request beyond file: and data: fails the test), waits
// until the page says it rendered, then runs `check(page, fail)`. Exits 1 when anything failed.
import { chromium } from 'playwright-core';

export async function checkReport(report, check, screenshot) {
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
    await check(page, fail);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}
