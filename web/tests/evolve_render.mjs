// Opens an `ats evolve` report.html in Debian's headless Chromium (playwright-core) and checks
// every chart and the table, offline. Usage: node evolve_render.mjs REPORT_HTML ISLANDS [PNG]
import { checkReport } from './offline_report.mjs';

const [report, islandsArg, screenshot] = process.argv.slice(2);
if (!report || !islandsArg) {
  console.error('usage: node evolve_render.mjs REPORT_HTML ISLANDS [SCREENSHOT_PNG]');
  process.exit(2);
}
const islands = Number(islandsArg);
await checkReport(report, async (page, fail) => {
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
  console.log(`evolve report ok: ${traces} fitness traces, ${rows - 1} strategies`);
}, screenshot);
