// Opens a self-contained ats HTML report in Debian's headless Chromium (playwright-core) and
// checks, offline, that it rendered without errors and that each named chart has its traces.
// Usage: node charts_render.mjs REPORT_HTML ID:TRACES[,ID:TRACES...] [SCREENSHOT_PNG]
import { checkReport } from './offline_report.mjs';

const [report, chartsArg, screenshot] = process.argv.slice(2);
if (!report || !chartsArg) {
  console.error('usage: node charts_render.mjs REPORT_HTML ID:TRACES[,...] [SCREENSHOT_PNG]');
  process.exit(2);
}
const charts = chartsArg.split(',').map((s) => s.split(':')).map(([id, n]) => [id, Number(n)]);
await checkReport(report, async (page, fail) => {
  for (const [id, want] of charts) {
    const n = await page.evaluate((i) => {
      const el = document.getElementById(i);
      return el && el.data ? el.data.length : -1;
    }, id);
    if (n !== want) fail(`chart #${id} has ${n} traces, expected ${want}`);
  }
  console.log(`report ok: ${charts.length} charts`);
}, screenshot);
