// Opens a backtest report.html in Debian's headless Chromium (driven by playwright-core) and
// checks that every chart rendered. Usage: node report_render.mjs REPORT_HTML [SCREENSHOT_PNG]
import { checkReport } from './offline_report.mjs';

const [report, screenshot] = process.argv.slice(2);
if (!report) {
  console.error('usage: node report_render.mjs REPORT_HTML [SCREENSHOT_PNG]');
  process.exit(2);
}
await checkReport(report, async (page, fail) => {
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
  console.log(`report ok: ${candles} candle chart(s), ${rows - 1} trade rows, ${metrics} metrics`);
}, screenshot);
