// End-to-end test of the dashboard in Debian's headless Chromium (playwright-core) against a
// real `ats serve`. Usage: node dashboard_e2e.mjs PHASE URL OUT_DIR [ARGS...]
//   main URL OUT REPLAY_FILE          log in, chart, paper session, live updates, pause, close,
//                                     risk, reload, stream resume, compare, emergency stop,
//                                     audit (with an XSS payload), viewer rights, backtest page
//   live URL OUT SIM_URL              a live session against `ats exchange-sim`, started from the UI
//   render URL OUT FILE               first render of every bar of FILE (timed, for the benchmark)
// Screenshots go to OUT_DIR. Exit 1 with "FAIL: ..." lines on any failed check.
import { chromium } from 'playwright-core';

const [phase, url, out, arg] = process.argv.slice(2);
const TRADER = ['tina', 'trader-pass-1'];
const VIEWER = ['vic', 'viewer-pass-1'];
let failed = false;
const fail = (msg) => { console.error('FAIL: ' + msg); failed = true; };
const check = (cond, msg) => { if (!cond) fail(msg); return cond; };
const log = (msg) => console.log('  ' + msg);

const browser = await chromium.launch({
  executablePath: process.env.ATS_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    // CSP violations and script errors are failures; refused requests the test makes on purpose
    // (401 before login, 403 for the viewer, 400 for bad input) are not.
    if (m.type() === 'error' && !/status of (401|403|400|409)/.test(m.text())) page.errors.push(m.text());
  });
  page.on('dialog', (d) => { page.errors.push('a dialog opened: ' + d.message()); d.dismiss(); });
  // Offline: the dashboard must never load anything from another host.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(url) || u.startsWith('data:') || u.startsWith(url.replace('http', 'ws'))) return route.continue();
    fail('fetched ' + u);
    return route.abort();
  });
  return page;
}

async function login(page, [user, password]) {
  await page.goto(url);
  await page.waitForSelector('#login-dialog[open]');
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForFunction(() => window.ats && window.ats.user, null, { timeout: 10000 });
}

const shot = (page, name) => page.screenshot({ path: `${out}/${name}.png`, fullPage: true });

async function api(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const mod = await import('/static/js/api.js');
    const r = await fetch('/api/v1' + p, {
      method: m, headers: { Authorization: 'Bearer ' + mod.token(), 'Content-Type': 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, [method, path, body]);
}

async function waitFor(page, fn, arg, timeout = 30000) {
  return page.waitForFunction(fn, arg, { timeout, polling: 200 });
}

async function mainPhase() {
  const page = await newPage();
  // A wrong password is refused.
  await page.goto(url);
  await page.waitForSelector('#login-dialog[open]');
  await page.fill('#login-user', TRADER[0]);
  await page.fill('#login-password', 'not-the-password');
  await page.click('#login-submit');
  await waitFor(page, () => /Wrong/.test(document.getElementById('login-error').textContent));
  check(await page.locator('#login-dialog[open]').count() === 1, 'a wrong password got in');
  await shot(page, '01-login-refused');
  log('wrong password refused');

  await login(page, TRADER);
  await waitFor(page, () => Number(document.body.dataset.candles) > 0);
  const traces = await page.evaluate(() => document.querySelector('#chart-candles').data.map((t) => t.type));
  check(traces.includes('candlestick'), 'no candlestick trace');
  check(traces.filter((t) => t === 'scatter').length >= 4, 'indicator overlays missing');
  await shot(page, '02-market-chart');
  log(`chart shows ${await page.evaluate(() => document.body.dataset.candles)} bars`);

  // Start a paper session on a replayed feed from the form.
  const option = await page.evaluate((file) => [...document.querySelectorAll('#start-file option')].find((o) => o.value.endsWith(file)).value, arg);
  await page.selectOption('#start-file', option);
  await page.fill('#start-speed', '600x');
  await page.fill('#start-params', 'fast=3 slow=8');
  await page.click('#start-session');
  await waitFor(page, () => window.ats.view.sessionId && window.ats.view.snap);
  const sid = await page.evaluate(() => window.ats.view.sessionId);
  // Positions and equity change live, over the stream.
  await waitFor(page, () => document.querySelectorAll('#positions-table tbody tr[data-id]').length > 0);
  const e1 = await page.textContent('#session-equity');
  const bars1 = Number(await page.textContent('#session-bars'));
  await page.waitForTimeout(2500);
  const bars2 = Number(await page.textContent('#session-bars'));
  const e2 = await page.textContent('#session-equity');
  check(bars2 > bars1, `bars did not advance live (${bars1} -> ${bars2})`);
  check(e1 !== e2, `equity did not change live (${e1})`);
  check(await page.evaluate(() => document.querySelector('#chart-equity').data.length) === 2, 'equity chart lacks buy and hold');
  await shot(page, '03-paper-session-live');
  log(`session ${sid}: bars ${bars1} -> ${bars2}, equity ${e1} -> ${e2}`);

  // Pause entries, then close the position from the table (confirmation dialog).
  // The strategy keeps trading exits while entries are paused, so the position it held may be
  // gone by then: let one entry through (API) and pause again until a position is there to close.
  await page.click('#pause-entries');
  await waitFor(page, () => document.getElementById('paused-banner'));
  const holding = () => document.querySelectorAll('#positions-table tbody tr[data-id]').length > 0;
  let closed = false;
  for (let attempt = 0; attempt < 6 && !closed; ++attempt) {
    if (!(await page.evaluate(holding))) {
      await api(page, 'POST', `/sessions/${sid}/pause-entries`, { paused: false });
      await waitFor(page, holding, undefined, 60000);
      await api(page, 'POST', `/sessions/${sid}/pause-entries`, { paused: true });
      await waitFor(page, () => document.getElementById('paused-banner'));
    }
    try {
      await page.click('#positions-table button[data-action="close"]', { timeout: 5000 });
      await page.waitForSelector('#confirm-dialog[open]', { timeout: 5000 });
    } catch {
      continue;  // the strategy closed it first
    }
    await shot(page, '04-close-confirm');
    await page.click('#confirm-ok');
    closed = true;
  }
  check(closed, 'no position could be closed from the table');
  await waitFor(page, () => document.querySelectorAll('#positions-table tbody tr[data-id]').length === 0);
  log('position closed from the table');

  // A risk setting changes (applied at the next bar, persisted).
  await page.fill('#risk-form input[name="max_drawdown_pct"]', '0.4');
  await page.click('#risk-apply');
  await waitFor(page, () => window.ats.view.snap && window.ats.view.snap.risk && window.ats.view.snap.risk.max_drawdown_pct === 0.4, undefined, 15000)
    .catch(() => null);
  const risk = await api(page, 'GET', `/sessions/${sid}/risk`);
  check(risk.body && risk.body.limits.max_drawdown_pct === 0.4, 'risk change not applied: ' + JSON.stringify(risk.body));

  // A dropped stream resumes with nothing lost or doubled: the stream stays down for 3 s while
  // entries resume (fills happen meanwhile), then reconnects and resumes from its last sequence.
  const before = await page.evaluate(() => window.ats.view.fills.length);
  await page.evaluate(() => window.ats.stream.drop(3000));
  await api(page, 'POST', `/sessions/${sid}/pause-entries`, { paused: false });
  await waitFor(page, () => window.ats.stream.state === 'online', undefined, 15000);
  await waitFor(page, (n) => window.ats.view.fills.length > n, before, 60000);
  await api(page, 'POST', `/sessions/${sid}/pause-entries`, { paused: true });
  await page.waitForTimeout(1500);
  const viewFills = await page.evaluate(() => window.ats.view.fills.map((f) => f.order_id + '@' + f.time_ms + '@' + f.qty));
  const apiFills = (await api(page, 'GET', `/sessions/${sid}/fills`)).body.map((f) => f.order_id + '@' + f.time_ms + '@' + f.qty);
  const k = Math.min(viewFills.length, apiFills.length);
  check(new Set(viewFills).size === viewFills.length, 'a fill arrived twice over the stream');
  check(k > before && JSON.stringify(viewFills.slice(-k)) === JSON.stringify(apiFills.slice(-k)),
        `stream fills differ from the API's (${viewFills.length} vs ${apiFills.length})`);
  log(`stream resumed after a 3 s drop: ${viewFills.length} fills, none lost or doubled`);

  // Reload: the same session and state.
  await page.reload();
  await waitFor(page, () => window.ats && window.ats.view && window.ats.view.snap);
  check(await page.evaluate(() => window.ats.view.sessionId) === sid, 'reload lost the session');
  check(await page.inputValue('#risk-form input[name="max_drawdown_pct"]') === '0.4', 'reload lost the risk setting');
  await shot(page, '05-after-reload');
  log('reload keeps the session and its settings');

  // Session vs simulation.
  await page.click('#compare-button');
  await page.waitForSelector('#compare-summary', { timeout: 60000 });
  const summary = await page.textContent('#compare-summary');
  log('compare: ' + summary);
  check(/fills/.test(summary), 'no comparison summary');
  await shot(page, '06-session-vs-simulation');

  // Emergency stop (typed confirmation): halted, flat.
  await page.click('#emergency-stop');
  await page.waitForSelector('#confirm-dialog[open]');
  check(await page.isDisabled('#confirm-ok'), 'emergency stop confirmable without typing');
  await page.fill('#confirm-typed', 'STOP');
  await page.click('#confirm-ok');
  await waitFor(page, () => document.getElementById('halted-banner'));
  await waitFor(page, () => document.querySelectorAll('#positions-table tbody tr[data-id]').length === 0);
  await shot(page, '07-emergency-stop');
  log('emergency stop: halted and flat');

  // An XSS payload in a strategy name and a symbol is refused and, in the audit log, shown as text.
  const payload = '<img src=x onerror="window.__xss=1">';
  const bad = await api(page, 'POST', '/sessions', { mode: 'paper', assets: [payload], feed: 'replay:' + option, strategy: payload });
  check(bad.status === 400, 'an XSS payload was accepted: ' + bad.status);
  await page.goto(url + '#/audit');
  await page.waitForSelector('#audit-table');
  const audit = await page.textContent('#audit-table');
  for (const action of ['session.start', 'session.pause_entries', 'position.close', 'session.risk', 'emergency_stop']) {
    check(audit.includes(action), `audit log lacks ${action}`);
  }
  check(audit.includes('<img'), 'the payload is not shown as text in the audit log');
  check(await page.evaluate(() => window.__xss === undefined && !document.querySelector('#audit-table img')), 'XSS payload executed');
  await shot(page, '08-audit');
  log('audit log lists every action; the payload stayed text');

  // The backtest page: submit, progress, result.
  await page.goto(url + '#/backtests');
  await page.waitForSelector('#bt-submit');
  await page.click('#bt-submit');
  await waitFor(page, () => /done/.test(document.querySelector('#jobs-table tbody tr')?.textContent || ''), undefined, 120000);
  await page.waitForSelector('#bt-runs-table tbody tr');
  await page.click('#bt-submit');
  await waitFor(page, () => document.querySelectorAll('#jobs-table tbody tr').length >= 2 && /done/.test(document.querySelector('#jobs-table tbody tr')?.textContent || ''), undefined, 120000);
  await page.waitForTimeout(500);
  await waitFor(page, () => document.querySelectorAll('#bt-runs-table tbody tr').length >= 2);
  await page.click('#bt-runs-table tbody tr:nth-child(2)');
  await page.click('#bt-runs-table tbody tr:nth-child(1)');
  await page.click('#bt-compare');
  await waitFor(page, () => document.querySelector('#bt-compare-chart').data && document.querySelector('#bt-compare-chart').data.length === 2);
  await shot(page, '09-backtests');
  log('backtest jobs ran; two runs compared');

  for (const [view, table] of [['runs', '#runs-table'], ['models', '#models-table'], ['evolutions', '#evolutions-table']]) {
    await page.goto(url + '#/' + view);
    await page.waitForSelector(table);
  }
  // Alternative data over the price, each value marked when it became available.
  await page.goto(url + '#/altdata');
  await waitFor(page, () => document.body.dataset.altdata === '5', undefined, 30000);
  const altTraces = await page.evaluate(() => document.querySelector('#alt-chart').data.length);
  check(altTraces >= 8, `alt-data chart has ${altTraces} traces`);
  const drawn = await page.locator('#alt-chart .scatterlayer .trace').count();
  check(drawn >= 8, `alt-data chart drew ${drawn} traces`);
  await shot(page, '10a-altdata');
  log('alternative data panel: ' + altTraces + ' traces');

  await page.goto(url + '#/runs');
  await page.click('#runs-table tbody tr:nth-child(1)');
  await page.waitForSelector('#open-report');
  await shot(page, '10-runs');

  // A viewer reads but cannot act.
  await page.goto(url + '#/trade');
  await page.click('#logout');
  await login(page, VIEWER);
  await page.waitForSelector('#emergency-stop');
  check(await page.isDisabled('#emergency-stop'), 'a viewer can press the emergency stop');
  check(await page.locator('#start-session').count() === 0, 'a viewer sees the start button');
  const refused = await api(page, 'POST', '/emergency-stop');
  check(refused.status === 403, 'a viewer got ' + refused.status + ' for the emergency stop');
  await shot(page, '11-viewer');
  log('viewer: read only');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
}

async function livePhase() {
  const page = await newPage();
  await login(page, TRADER);
  await page.waitForSelector('#start-mode');
  await page.selectOption('#start-mode', 'live');
  await page.fill('#start-target', arg);
  await page.fill('#start-assets', 'BTCUSDT');
  await page.fill('#start-params', 'fast=2 slow=3');
  await page.click('#start-session');
  await page.waitForSelector('#confirm-dialog[open]');
  // A local simulator needs no typed name, only the confirmation.
  check(!(await page.isDisabled('#confirm-ok')), 'a local exchange asked for a typed name');
  await page.click('#confirm-ok');
  await waitFor(page, () => window.ats.view.snap && window.ats.view.snap.mode === 'live');
  await waitFor(page, () => window.ats.view.fills.length >= 2, undefined, 60000);
  await page.click('.tabs button[data-tab="fills"]');
  await shot(page, '12-live-session');
  const n = await page.evaluate(() => window.ats.view.fills.length);
  log(`live session against the simulator: ${n} fills`);
  check(await page.textContent('#mode-badge').then((t) => /LIVE/.test(t)), 'the header does not say LIVE');
  await page.click('#stop-session');
  await page.click('#confirm-ok');
  await waitFor(page, () => /stopped/.test(document.getElementById('session-status').textContent), undefined, 30000);
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
}

// The first render of every bar of a file (the benchmark of docs/dashboard.md).
async function renderPhase() {
  const page = await newPage();
  await login(page, TRADER);
  await waitFor(page, () => Number(document.body.dataset.candles) > 0);
  const times = [];
  for (let i = 0; i < 3; ++i) {
    const t0 = Date.now();
    await page.evaluate(() => { window.ats.view.indicators = ''; return window.ats.view.loadMarket(); });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    times.push(Date.now() - t0);
  }
  const bars = await page.evaluate(() => document.body.dataset.candles);
  times.sort((a, b) => a - b);
  console.log(`first render of ${bars} bars (fetch + draw): median ${times[1]} ms`);
}

try {
  if (phase === 'main') await mainPhase();
  else if (phase === 'live') await livePhase();
  else if (phase === 'render') await renderPhase();
  else fail('unknown phase ' + phase);
} catch (e) {
  fail(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
