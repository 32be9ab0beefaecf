// The trading view: market chart with indicators and fills, equity vs buy-and-hold, drawdown,
// positions (close / reduce), orders, trades, fills, alerts, the auto-trading panel (start,
// stop, pause entries, risk limits, emergency stop), the ML panel and session vs simulation.
// Live over the WebSocket: a session's snapshot, then its updates.
import * as api from './api.js';
import { el, clear, num, dec, signClass, time, table, toast, confirmDialog, throttle } from './ui.js';

const MAX_CANDLES = 3000;  // drawn at once; more bars are aggregated (zoom in for detail)
const RUNNING = ['running', 'replaying', 'starting'];
const RISK_FIELDS = [
  ['max_position_qty', 'Max position qty'],
  ['max_position_notional', 'Max position notional'],
  ['max_gross_exposure', 'Max gross exposure (x equity)'],
  ['max_open_orders', 'Max open orders'],
  ['max_daily_loss_pct', 'Max daily loss (fraction of equity, e.g. 0.05)'],
  ['max_drawdown_pct', 'Max drawdown (fraction, e.g. 0.2): kill switch'],
  ['stop_loss_atr', 'Stop loss (ATR)'],
  ['take_profit_atr', 'Take profit (ATR)'],
  ['trailing_stop_atr', 'Trailing stop (ATR)'],
  ['trailing_stop_pct', 'Trailing stop (fraction, e.g. 0.03)'],
  ['atr_period', 'ATR period'],
  ['cooldown_after_stop_s', 'Cooldown after stop (s)'],
];

function emptyBars() { return { time: [], open: [], high: [], low: [], close: [], volume: [] }; }

function lowerBound(a, x) {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class TradeView {
  constructor(state) {
    this.state = state;
    this.trader = state.user.role === 'trader';
    this.sessionId = sessionStorage.getItem('ats.session') || '';
    this.symbol = '';
    this.indicators = localStorage.getItem('ats.indicators') || 'sma:20,bbands:20:2:2';
    this.tab = 'positions';
    this.reset();
    this.renderSoon = throttle(() => this.render(), 1000);
    this.refetchIndicators = throttle(() => this.loadIndicators(), 2000);
  }

  reset() {
    this.snap = null;
    this.bars = {};  // symbol -> columns
    this.fills = [];
    this.trades = [];
    this.alerts = [];
    this.orderEvents = [];
    this.equity = { time: [], equity: [] };
    this.signals = {};  // symbol -> [[t, values...]]
    this.indicatorColumns = null;  // {time, columns: {name: values}}
    this.compare = null;
    this.zoom = null;
  }

  async mount(root) {
    this.root = root;
    const left = el('div', { class: 'stack' });
    const right = el('div', { class: 'stack' });
    root.append(el('div', { class: 'grid-trade' }, left, right));

    this.sessionSelect = el('select', { id: 'session-select', onchange: () => this.select(this.sessionSelect.value) });
    this.symbolSelect = el('select', { id: 'symbol-select', onchange: () => { this.symbol = this.symbolSelect.value; this.zoom = null; this.loadMarket(); } });
    this.indicatorInput = el('input', { id: 'indicator-input', value: this.indicators, size: 28,
                                        title: 'Registry names with parameters, e.g. rsi:14,ema:50,bbands:20:2:2' });
    const apply = el('button', { type: 'button', onclick: () => {
      this.indicators = this.indicatorInput.value.trim();
      localStorage.setItem('ats.indicators', this.indicators);
      this.loadIndicators();
      if (!this.sessionId) this.loadMarket();
    } }, 'Apply');
    left.append(el('div', { class: 'panel' },
      el('div', { class: 'toolbar' },
        el('label', {}, 'Session', this.sessionSelect),
        el('label', {}, 'Symbol', this.symbolSelect),
        el('label', {}, 'Indicators (overlays)', el('div', { class: 'row' }, this.indicatorInput, apply)),
        this.chartNote = el('span', { class: 'muted' })),
      this.candleDiv = el('div', { id: 'chart-candles', class: 'chart' })));
    left.append(el('div', { class: 'charts2' },
      el('div', { class: 'panel' }, this.equityDiv = el('div', { id: 'chart-equity', class: 'chart small' })),
      el('div', { class: 'panel' }, this.drawdownDiv = el('div', { id: 'chart-drawdown', class: 'chart small' }))));
    const tabs = el('div', { class: 'tabs' });
    for (const [key, title] of [['positions', 'Positions'], ['orders', 'Orders'], ['trades', 'Trades'],
                                ['fills', 'Fills'], ['alerts', 'Alerts']]) {
      tabs.append(el('button', { type: 'button', dataset: { tab: key }, class: key === this.tab ? 'active' : '',
                                 onclick: () => { this.tab = key; this.renderTables(); } }, title));
    }
    this.tabs = tabs;
    left.append(el('div', { class: 'panel' }, tabs, this.tableBox = el('div', { class: 'scroll', id: 'tables' })));
    left.append(this.comparePanel = el('div', { class: 'panel hidden', id: 'compare-panel' }));

    right.append(this.sessionPanel = el('div', { class: 'panel', id: 'session-panel' }));
    right.append(el('div', { class: 'panel' },
      el('button', { id: 'emergency-stop', class: 'big-danger', type: 'button', disabled: !this.trader,
                     onclick: () => this.emergencyStop() }, 'EMERGENCY STOP — every session'),
      el('p', { class: 'muted' }, 'Cancels working orders, flattens every position and halts new entries. Persisted.')));
    right.append(this.startPanel = el('div', { class: 'panel', id: 'start-panel' }));
    right.append(this.riskPanel = el('div', { class: 'panel', id: 'risk-panel' }));
    right.append(this.mlPanel = el('div', { class: 'panel', id: 'ml-panel' }));

    this.off = this.state.stream.on((m) => this.onMessage(m));
    const [symbols, strategies] = await Promise.all([api.get('/symbols'), api.get('/strategies')]);
    this.files = symbols;
    this.strategies = strategies;
    this.buildStartForm();
    await this.loadSessions();
    await this.select(this.sessionId);
  }

  destroy() {
    if (this.off) this.off();
    if (this.sessionId) this.state.stream.unsubscribe(this.sessionId);
  }

  async loadSessions() {
    const list = await api.get('/sessions');
    this.sessions = list;
    const keep = this.sessionId;
    clear(this.sessionSelect).append(el('option', { value: '' }, '— market data (no session) —'));
    for (const s of list) {
      this.sessionSelect.append(el('option', { value: s.id },
        `${s.id} · ${s.mode} · ${s.assets.join(',')} · ${s.strategy} · ${s.status}`));
    }
    this.sessionSelect.value = list.some((s) => s.id === keep) ? keep : '';
    this.state.setMode(list.some((s) => s.mode === 'live' && RUNNING.includes(s.status)) ? 'live' : 'paper', list);
  }

  async select(id) {
    if (this.sessionId) this.state.stream.unsubscribe(this.sessionId);
    if (id && !(this.sessions || []).some((s) => s.id === id)) id = '';
    this.sessionId = id;
    sessionStorage.setItem('ats.session', id);
    this.sessionSelect.value = id;
    this.reset();
    clear(this.symbolSelect);
    if (id) {
      // The snapshot arrives first on the stream; every update follows it.
      this.state.stream.subscribe(id, ['*']);
    } else {
      const seen = new Set();
      for (const f of this.files) {
        const key = f.symbol + ' ' + f.interval;
        if (seen.has(key)) continue;
        seen.add(key);
        this.symbolSelect.append(el('option', { value: f.symbol + '|' + f.interval }, `${f.symbol} ${f.interval}`));
      }
      // 1m by default: the finest data there is.
      const fine = this.files.find((f) => f.interval === '1m');
      if (fine) this.symbolSelect.value = fine.symbol + '|1m';
      this.symbol = this.symbolSelect.value;
      await this.loadMarket();
    }
    this.renderSession();
    this.renderRisk();
    this.renderML();
    this.renderTables();
    this.comparePanel.classList.add('hidden');
  }

  // Market data (no session): bars and indicators from the data directory.
  async loadMarket() {
    if (this.sessionId || !this.symbol) return;
    const [symbol, interval] = this.symbol.split('|');
    const t0 = performance.now();
    const q = new URLSearchParams({ symbol, interval });
    if (this.indicators) q.set('indicators', this.indicators);
    let d;
    try {
      d = await api.get('/candles?' + q);
    } catch (e) {
      toast(e.message, 'error');
      return;
    }
    this.bars = { [symbol]: { time: d.time, open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume } };
    this.indicatorColumns = { time: d.time, columns: d.indicators };
    this.marketSymbol = symbol;
    this.render();
    this.state.lastRender = { bars: d.count, ms: performance.now() - t0 };
    document.body.dataset.candles = String(d.count);
  }

  async loadIndicators() {
    if (!this.sessionId || !this.indicators || !this.currentSymbol()) {
      if (this.sessionId) { this.indicatorColumns = null; this.renderSoon(); }
      return;
    }
    const q = new URLSearchParams({ symbol: this.currentSymbol(), session: this.sessionId, indicators: this.indicators });
    try {
      const d = await api.get('/candles?' + q);
      this.indicatorColumns = { time: d.time, columns: d.indicators };
      this.renderSoon();
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  currentSymbol() {
    return this.sessionId ? this.symbolSelect.value : this.marketSymbol;
  }

  // ----- the stream -----
  onMessage(m) {
    if (m.session === 'server') return;
    if (m.topic === 'status' && m.data) this.updateSessionList(m.data);
    if (!this.sessionId || m.session !== this.sessionId) return;
    const d = m.data;
    switch (m.topic) {
      case 'snapshot': this.applySnapshot(d); break;
      case 'status': this.snap = Object.assign(this.snap || {}, d); this.renderSession(); break;
      case 'bars':
        for (const [symbol, rows] of Object.entries(d)) this.appendBars(symbol, rows);
        this.refetchIndicators();
        this.renderSoon();
        break;
      case 'equity':
        for (const [t, e] of d) { this.equity.time.push(t); this.equity.equity.push(e); }
        this.renderSoon();
        break;
      case 'positions': if (this.snap) this.snap.positions = d; this.renderTablesSoon(); break;
      case 'balances': if (this.snap) { this.snap.balances = d; this.renderSession(); } break;
      case 'orders':
        if (Array.isArray(d)) { if (this.snap) this.snap.orders = d; } else { this.orderEvents.push(d); }
        this.renderTablesSoon();
        break;
      case 'trades': this.trades.push(...d); this.renderTablesSoon(); break;
      case 'fills': this.fills.push(d); this.renderSoon(); this.renderTablesSoon(); break;
      case 'alerts': this.alerts.push(d); this.renderTablesSoon(); if (d.level === 'critical') toast(d.message, 'error'); break;
      case 'signals':
        for (const [symbol, point] of Object.entries(d.points || {})) {
          (this.signals[symbol] = this.signals[symbol] || []).push(point);
        }
        if (this.snap && d.names) this.snap.plot_names = d.names;
        this.renderMLSoon();
        break;
      default: break;
    }
  }

  updateSessionList(s) {
    if (!this.sessions) return;
    const i = this.sessions.findIndex((x) => x.id === s.id);
    if (i < 0) { this.loadSessions(); return; }
    const before = this.sessions[i].status;
    this.sessions[i] = Object.assign(this.sessions[i], s);
    if (before !== s.status) {
      const opt = [...this.sessionSelect.options].find((o) => o.value === s.id);
      if (opt) opt.textContent = `${s.id} · ${s.mode} · ${s.assets.join(',')} · ${s.strategy} · ${s.status}`;
      this.state.setMode(this.sessions.some((x) => x.mode === 'live' && RUNNING.includes(x.status)) ? 'live' : 'paper', this.sessions);
    }
  }

  applySnapshot(d) {
    if (!d) return;
    const symbol = this.symbolSelect.value;
    this.reset();
    this.snap = d;
    this.fills = d.fills || [];
    this.trades = d.trades || [];
    this.alerts = d.alerts || [];
    for (const p of d.equity_points || []) { this.equity.time.push(p.time_ms); this.equity.equity.push(p.equity); }
    for (const [s, rows] of Object.entries(d.bar_rows || {})) this.appendBars(s, rows);
    this.signals = d.plots || {};
    clear(this.symbolSelect);
    for (const a of d.assets) this.symbolSelect.append(el('option', { value: a }, a));
    this.symbolSelect.value = d.assets.includes(symbol) ? symbol : d.assets[0];
    this.renderSession();
    this.renderRisk();
    this.renderML();
    this.renderTables();
    this.render();
    this.loadIndicators();
  }

  appendBars(symbol, rows) {
    const b = this.bars[symbol] || (this.bars[symbol] = emptyBars());
    for (const r of rows) {
      const t = r[0];
      const n = b.time.length;
      if (n && t <= b.time[n - 1]) {
        if (t === b.time[n - 1]) {  // the same bar again (an update): replace
          b.open[n - 1] = r[1]; b.high[n - 1] = r[2]; b.low[n - 1] = r[3]; b.close[n - 1] = r[4]; b.volume[n - 1] = r[5];
        }
        continue;
      }
      b.time.push(t); b.open.push(r[1]); b.high.push(r[2]); b.low.push(r[3]); b.close.push(r[4]); b.volume.push(r[5]);
    }
  }

  renderTablesSoon() {
    if (!this._tablesSoon) this._tablesSoon = throttle(() => { this.renderTables(); this.renderSession(); }, 500);
    this._tablesSoon();
  }

  renderMLSoon() {
    if (!this._mlSoon) this._mlSoon = throttle(() => this.renderML(), 2000);
    this._mlSoon();
  }

  // ----- charts -----
  render() {
    const symbol = this.currentSymbol();
    const bars = this.bars[symbol];
    if (!bars || !bars.time.length) {
      Plotly.purge(this.candleDiv);
      this.chartNote.textContent = this.sessionId ? 'waiting for the first bar…' : 'no data';
      this.renderEquity();
      return;
    }
    // The visible window at full detail when zoomed in, else all bars aggregated.
    let from = 0;
    let to = bars.time.length;
    if (this.zoom) {
      from = Math.max(0, lowerBound(bars.time, this.zoom[0]) - 1);
      to = Math.min(bars.time.length, lowerBound(bars.time, this.zoom[1]) + 1);
    }
    const agg = atsCharts.aggregate(bars, MAX_CANDLES, from, to);
    // Indicator lines on the same bars are sampled like the candles (one point per candle).
    const aligned = this.indicatorColumns && this.indicatorColumns.time.length === bars.time.length &&
      this.indicatorColumns.time[0] === bars.time[0];
    const fills = { buy_t: [], buy_p: [], sell_t: [], sell_p: [] };
    const shownFrom = bars.time[from];
    for (const f of this.fills) {
      if (f.symbol !== symbol || f.time_ms < shownFrom) continue;  // only where candles are drawn
      if (f.side === 'BUY' || f.side === 'buy') { fills.buy_t.push(f.time_ms); fills.buy_p.push(Number(f.price)); } else { fills.sell_t.push(f.time_ms); fills.sell_p.push(Number(f.price)); }
    }
    const extra = [];
    if (this.indicatorColumns) {
      const x = (aligned ? agg.time : this.indicatorColumns.time).map((v) => new Date(v));
      let k = 0;
      const palette = ['#f7a21b', '#ab47bc', '#26c6da', '#d4e157', '#ff7043', '#ec407a'];
      for (const [name, ys] of Object.entries(this.indicatorColumns.columns || {})) {
        // Oscillators (not on the price scale) go to a second axis.
        const osc = /^(rsi|adx|cci|mfi|willr|stoch|macd|mom|roc|atr|obv|cmo|aroon|ultosc|trix|natr|ml)/.test(name);
        extra.push({ type: 'scatter', mode: 'lines', name, x, y: aligned ? atsCharts.sampleAt(ys, agg.index) : ys, yaxis: osc ? 'y2' : 'y',
                     line: { width: 1, color: palette[k++ % palette.length] } });
      }
    }
    if (this.compare) {
      const sim = this.compare.simulation_fill_rows.filter((f) => f.symbol === symbol && f.time_ms >= shownFrom);
      extra.push({ type: 'scatter', mode: 'markers', name: 'simulation fills', x: sim.map((f) => new Date(f.time_ms)),
                   y: sim.map((f) => Number(f.price)), marker: { symbol: 'circle-open', size: 12, color: '#ffeb3b', line: { width: 2 } } });
    }
    const hasOsc = extra.some((t) => t.yaxis === 'y2');
    const a = { symbol, x: agg.time, open: agg.open, high: agg.high, low: agg.low, close: agg.close, fills, bars_per_candle: agg.step };
    atsCharts.candles(this.candleDiv, a, { theme: 'dark', extra, uirevision: symbol + this.sessionId, title: '' });
    Plotly.relayout(this.candleDiv, hasOsc
      ? { 'yaxis.domain': [0.3, 1], yaxis2: { domain: [0, 0.25], gridcolor: '#2a2e39', anchor: 'x' } }
      : { 'yaxis.domain': [0, 1] });
    if (!this.zoomHooked) {
      this.zoomHooked = true;
      this.candleDiv.on('plotly_relayout', (ev) => {
        if (ev['xaxis.autorange']) { this.zoom = null; this.render(); return; }
        const lo = ev['xaxis.range[0]'] ?? (ev['xaxis.range'] && ev['xaxis.range'][0]);
        const hi = ev['xaxis.range[1]'] ?? (ev['xaxis.range'] && ev['xaxis.range'][1]);
        if (lo !== undefined && hi !== undefined) {
          this.zoom = [new Date(lo).getTime(), new Date(hi).getTime()];
          this.render();
        }
      });
    }
    this.chartNote.textContent = `${symbol} · ${bars.time.length.toLocaleString()} bars` + (agg.step > 1 ? ` · ${agg.step} per candle (zoom for detail)` : '');
    this.renderEquity();
  }

  renderEquity() {
    if (!this.sessionId) {
      // Market data only: the buy-and-hold curve of the symbol, for scale.
      Plotly.purge(this.equityDiv);
      Plotly.purge(this.drawdownDiv);
      this.equityDiv.textContent = '';
      this.equityDiv.append(el('p', { class: 'muted' }, 'Equity and drawdown appear when a session is selected.'));
      return;
    }
    for (const p of this.equityDiv.querySelectorAll(':scope > p')) p.remove();
    const e = this.equity;
    if (!e.time.length) return;
    // Buy and hold of the session's assets (equal weights) from the first equity point.
    const assets = (this.snap && this.snap.assets) || [];
    let bench = null;
    const start = e.equity[0];
    const ratios = assets.map((s) => this.bars[s]).filter((b) => b && b.time.length).map((b) => {
      const at = (t) => { const i = Math.min(b.time.length - 1, Math.max(0, lowerBound(b.time, t + 1) - 1)); return b.close[i]; };
      const c0 = at(e.time[0]);
      return e.time.map((t) => at(t) / c0);
    });
    if (ratios.length) {
      bench = e.time.map((_, i) => start * ratios.reduce((acc, r) => acc + r[i], 0) / ratios.length);
    }
    const extra = [];
    if (this.compare) {
      const p = this.compare.simulation_equity_points;
      extra.push({ name: 'simulation', time: p.map((x) => x.time_ms), values: p.map((x) => x.equity), dash: 'dash' });
    }
    atsCharts.equity(this.equityDiv, { time: e.time, equity: e.equity, benchmark: bench, name: 'session', extra },
                     { theme: 'dark', title: 'Equity vs buy and hold' });
    atsCharts.drawdown(this.drawdownDiv, { time: e.time, drawdown: atsCharts.drawdownOf(e.equity) }, { theme: 'dark' });
  }

  // ----- panels -----
  renderSession() {
    const p = clear(this.sessionPanel);
    p.append(el('h3', {}, 'Auto-trading'));
    const s = this.snap;
    if (!this.sessionId || !s) {
      p.append(el('p', { class: 'muted' }, this.sessionId ? 'Loading…' : 'No session selected: start one below or pick one above.'));
      return;
    }
    const b = s.balances || {};
    const pnl = Number(b.equity) - Number(b.initial_cash);
    p.append(el('dl', { class: 'kv', id: 'session-kv' },
      el('dt', {}, 'Session'), el('dd', {}, `${s.id} (${s.mode})`),
      el('dt', {}, 'Status'), el('dd', { id: 'session-status' }, s.status + (s.error ? ': ' + s.error : '')),
      el('dt', {}, 'Strategy'), el('dd', {}, s.strategy + ' ' + Object.entries(s.params || {}).map(([k, v]) => `${k}=${v}`).join(' ')),
      el('dt', {}, 'Feed'), el('dd', {}, s.mode === 'live' ? s.exchange : (s.feed || '').replace(/^replay:.*\//, 'replay:')),
      el('dt', {}, 'Bars'), el('dd', { id: 'session-bars' }, String(s.bars)),
      el('dt', {}, 'Clock'), el('dd', {}, time(s.time_ms)),
      el('dt', {}, 'Equity'), el('dd', { id: 'session-equity' }, num(b.equity)),
      el('dt', {}, 'Cash'), el('dd', {}, num(b.cash)),
      el('dt', {}, 'P&L'), el('dd', { class: signClass(pnl), id: 'session-pnl' }, num(pnl)),
      el('dt', {}, 'Realized / unrealized'), el('dd', {}, `${num(b.realized_pnl)} / ${num(b.unrealized_pnl)}`),
      el('dt', {}, 'Fees'), el('dd', {}, num(b.fees))));
    if (s.halted) p.append(el('div', { class: 'halted', id: 'halted-banner' }, 'HALTED: ' + (s.halt_reason || '')));
    if (s.entries_paused) p.append(el('div', { class: 'paused', id: 'paused-banner' }, 'New entries paused'));
    const running = RUNNING.includes(s.status);
    p.append(el('div', { class: 'row' },
      el('button', { id: 'stop-session', type: 'button', disabled: !this.trader || !running, onclick: () => this.stopSession() }, 'Stop'),
      el('button', { id: 'pause-entries', type: 'button', disabled: !this.trader || !running,
                     onclick: () => this.pauseEntries(!s.entries_paused) }, s.entries_paused ? 'Resume entries' : 'Pause entries'),
      ['stopped', 'failed'].includes(s.status) && el('button', { id: 'resume-session', type: 'button', disabled: !this.trader,
        onclick: async () => {
          try { await api.post(`/sessions/${this.sessionId}/resume`); toast('resuming from the state file', 'ok'); this.state.stream.subscribe(this.sessionId, ['*']); } catch (e) { toast(e.message, 'error'); }
        } }, 'Resume'),
      el('button', { id: 'compare-button', type: 'button', onclick: () => this.runCompare() }, 'Compare with simulation')));
  }

  buildStartForm() {
    const p = clear(this.startPanel);
    p.append(el('h3', {}, 'Start a session'));
    if (!this.trader) { p.append(el('p', { class: 'muted' }, 'Viewers cannot start sessions.')); return; }
    const mode = el('select', { id: 'start-mode' },
      el('option', { value: 'paper-replay' }, 'Paper: replay a data file'),
      el('option', { value: 'paper-live' }, 'Paper: live exchange feed'),
      el('option', { value: 'live' }, 'Live trading'));
    const file = el('select', { id: 'start-file', multiple: true, size: 3 });
    for (const f of this.files) file.append(el('option', { value: f.file, dataset: { symbol: f.symbol } }, `${f.symbol} ${f.interval} (${f.file.split('/').pop()})`));
    if (file.options.length) file.options[0].selected = true;
    const target = el('input', { id: 'start-target', value: 'testnet', title: 'binance, testnet or http(s)://127.0.0.1:PORT' });
    const assets = el('input', { id: 'start-assets', value: 'BTCUSDT' });
    const strategy = el('select', { id: 'start-strategy' });
    for (const s of this.strategies) strategy.append(el('option', { value: s.name }, s.name));
    const params = el('input', { id: 'start-params', size: 24 });
    const model = el('input', { id: 'start-model', placeholder: 'model directory (ml)' });
    const speed = el('input', { id: 'start-speed', value: 'max', size: 6, title: 'max or e.g. 60x' });
    const interval = el('input', { id: 'start-interval', value: '1m', size: 4 });
    const fillParams = () => {
      const s = this.strategies.find((x) => x.name === strategy.value);
      params.value = s ? Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(' ') : '';
      model.parentElement.classList.toggle('hidden', strategy.value !== 'ml');
    };
    strategy.onchange = fillParams;
    const replayOnly = el('div', { class: 'stack' }, el('label', {}, 'Data files (one per asset)', file), el('label', {}, 'Speed', speed));
    const liveOnly = el('div', { class: 'stack hidden' }, el('label', {}, 'Exchange', target), el('label', {}, 'Assets', assets), el('label', {}, 'Interval', interval));
    mode.onchange = () => {
      replayOnly.classList.toggle('hidden', mode.value !== 'paper-replay');
      liveOnly.classList.toggle('hidden', mode.value === 'paper-replay');
    };
    const start = el('button', { id: 'start-session', type: 'button', class: 'primary', onclick: async () => {
      const body = { strategy: strategy.value, params: {} };
      for (const kv of params.value.split(/\s+/).filter(Boolean)) {
        const [k, v] = kv.split('=');
        if (v === undefined || v === '' || !Number.isFinite(Number(v))) { toast(`parameter '${kv}': expected name=number`, 'error'); return; }
        body.params[k] = Number(v);
      }
      if (strategy.value === 'ml' && model.value) body.model = model.value;
      if (mode.value === 'paper-replay') {
        const chosen = [...file.selectedOptions];
        if (!chosen.length) { toast('choose a data file', 'error'); return; }
        body.mode = 'paper';
        body.assets = chosen.map((o) => o.dataset.symbol);
        body.feed = 'replay:' + chosen.map((o) => o.value).join(',');
        body.speed = speed.value;
      } else {
        body.mode = mode.value === 'live' ? 'live' : 'paper';
        body.assets = assets.value.split(',').map((x) => x.trim()).filter(Boolean);
        body.interval = interval.value;
        if (body.mode === 'paper') body.feed = 'live:' + target.value;
        else body.exchange = target.value;
      }
      if (body.mode === 'live') {
        const real = !(target.value === 'testnet' || /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(target.value));
        const ok = await confirmDialog({
          title: real ? 'Trade real money?' : 'Start live trading?',
          text: real ? `Orders go to ${target.value} with real funds. Type the exchange's name to confirm.`
                     : `Orders go to ${target.value}.`,
          ok: 'Start live', typed: real ? target.value : undefined });
        if (!ok) return;
        if (real) body.confirm = ok;
      }
      try {
        const r = await api.post('/sessions', body);
        toast(`session ${r.id} started`, 'ok');
        await this.loadSessions();
        await this.select(r.id);
      } catch (e) { toast(e.message, 'error'); }
    } }, 'Start');
    p.append(el('div', { class: 'stack' },
      el('label', {}, 'Mode', mode), replayOnly, liveOnly,
      el('label', {}, 'Strategy', strategy), el('label', {}, 'Parameters', params),
      el('label', { class: 'hidden' }, 'Model', model), start));
    fillParams();
  }

  renderRisk() {
    const p = clear(this.riskPanel);
    p.append(el('h3', {}, 'Risk limits'));
    if (!this.sessionId || !this.snap) { p.append(el('p', { class: 'muted' }, 'Select a session.')); return; }
    const limits = this.snap.risk || {};
    const inputs = {};
    const form = el('div', { class: 'stack', id: 'risk-form' });
    for (const [key, title] of RISK_FIELDS) {
      const v = limits[key];
      inputs[key] = el('input', { name: key, value: v === undefined || v === null ? '' : String(v), placeholder: 'off', disabled: !this.trader });
      form.append(el('label', {}, title, inputs[key]));
    }
    form.append(el('button', { type: 'button', id: 'risk-apply', class: 'primary', disabled: !this.trader, onclick: async () => {
      const body = {};
      for (const [key] of RISK_FIELDS) {
        const v = inputs[key].value.trim();
        if (v === '') continue;
        const n = Number(v);
        if (!Number.isFinite(n)) { toast(`${key}: not a number`, 'error'); return; }
        body[key] = key.startsWith('max_position_') ? v : n;
      }
      try {
        await api.put(`/sessions/${this.sessionId}/risk`, body);
        toast('risk limits queued: applied at the next bar', 'ok');
      } catch (e) { toast(e.message, 'error'); }
    } }, 'Apply risk limits'));
    p.append(form);
  }

  async renderML() {
    const p = clear(this.mlPanel);
    p.append(el('h3', {}, 'ML signal'));
    const s = this.snap;
    if (!s || s.strategy !== 'ml') {
      p.append(el('p', { class: 'muted' }, s ? `This session trades ${s.strategy}, not a model.` : 'Select a session that trades the ml strategy.'));
      return;
    }
    const symbol = this.currentSymbol();
    const points = (this.signals[symbol] || []).filter((x) => x[1] !== null);
    const probs = points.map((x) => x[1]);
    // Live hit rate: the probability's side (above or below 0.5) vs the next bar's direction.
    const b = this.bars[symbol];
    let hits = 0;
    let n = 0;
    if (b) {
      for (const [t, prob] of points) {
        const i = lowerBound(b.time, t + 1) - 1;  // the bar whose close the signal saw
        if (i < 0 || i + 1 >= b.time.length) continue;
        const up = b.close[i + 1] > b.close[i];
        if ((prob > 0.5) === up) hits++;
        n++;
      }
    }
    const kv = el('dl', { class: 'kv', id: 'ml-kv' },
      el('dt', {}, 'Signals seen'), el('dd', {}, String(probs.length)),
      el('dt', {}, 'Live hit rate'), el('dd', {}, n ? `${num(100 * hits / n, 1)}% of ${n}` : '—'),
      el('dt', {}, 'Last probability'), el('dd', {}, probs.length ? num(probs[probs.length - 1], 3) : '—'));
    p.append(kv);
    const hist = el('div', { class: 'chart small', id: 'ml-hist' });
    const feats = el('div', { class: 'chart small', id: 'ml-features' });
    p.append(hist, feats);
    atsCharts.histogram(hist, probs, { theme: 'dark', title: 'Confidence (probability of up)', bins: 20, height: 220 });
    if (!this.modelInfo && s.model) {
      try {
        const models = await api.get('/models');
        const m = models.find((x) => x.dir && s.model && (s.model === x.dir || s.model.endsWith('/' + x.dir.replace(/^\.\//, ''))));
        this.modelInfo = m ? await api.get('/models/' + m.id) : { missing: true };
      } catch { this.modelInfo = { missing: true }; }
    }
    const mi = this.modelInfo;
    if (mi && !mi.missing) {
      kv.append(el('dt', {}, 'Model'), el('dd', {}, `${mi.model} #${mi.id}`),
                el('dt', {}, 'Out-of-sample accuracy'), el('dd', {}, num(100 * mi.oos_accuracy, 1) + '%'),
                el('dt', {}, 'Out-of-sample AUC'), el('dd', {}, num(mi.oos_auc, 3)));
      const top = (mi.importance || []).slice(0, 10);
      atsCharts.hbars(feats, top.map((x) => x.feature), top.map((x) => x.total_gain), { theme: 'dark', title: 'Top features (total gain)', height: 260 });
    } else {
      feats.append(el('p', { class: 'muted' }, 'The model is not in the registry (ats train records it).'));
    }
  }

  renderTables() {
    for (const b of this.tabs.children) b.classList.toggle('active', b.dataset.tab === this.tab);
    const box = clear(this.tableBox);
    const s = this.snap;
    if (!s) { box.append(el('p', { class: 'muted' }, 'No session.')); return; }
    if (this.tab === 'positions') {
      const running = RUNNING.includes(s.status);
      box.append(table([
        { title: 'Symbol', value: (r) => r.symbol },
        { title: 'Side', value: (r) => r.side, class: (r) => (r.side === 'long' ? 'pos' : 'neg') },
        { title: 'Qty', value: (r) => dec(r.qty) },
        { title: 'Entry', value: (r) => dec(r.entry) },
        { title: 'Current', value: (r) => dec(r.mark) },
        { title: 'P&L', value: (r) => num(r.unrealized_pnl), class: (r) => signClass(r.unrealized_pnl) },
        { title: 'P&L %', value: (r) => {
          const e = Number(r.entry); const m = Number(r.mark);
          return e ? num(((m - e) / e) * 100 * (r.side === 'short' ? -1 : 1)) + '%' : '—';
        }, class: (r) => signClass((Number(r.mark) - Number(r.entry)) * (r.side === 'short' ? -1 : 1)) },
        { title: '', value: (r) => el('span', { class: 'row' },
          el('button', { class: 'small', type: 'button', disabled: !this.trader || !running, dataset: { action: 'reduce', symbol: r.symbol },
                         onclick: () => this.closePosition(r, 0.5) }, 'Reduce 50%'),
          el('button', { class: 'small danger', type: 'button', disabled: !this.trader || !running, dataset: { action: 'close', symbol: r.symbol },
                         onclick: () => this.closePosition(r, 1) }, 'Close')) },
      ], (s.positions || []).filter((r) => !r.dust), { id: 'positions-table', empty: 'Flat: no open position.', rowId: (r) => r.symbol }));
    } else if (this.tab === 'orders') {
      box.append(el('h4', {}, 'Working'));
      box.append(table([
        { title: 'Id', value: (r) => r.id }, { title: 'Symbol', value: (r) => r.symbol },
        { title: 'Side', value: (r) => r.side }, { title: 'Type', value: (r) => r.type },
        { title: 'Qty', value: (r) => dec(r.qty) }, { title: 'Filled', value: (r) => dec(r.filled) },
        { title: 'Limit', value: (r) => dec(r.limit) }, { title: 'Trigger', value: (r) => dec(r.trigger) },
        { title: 'Status', value: (r) => r.status },
      ], s.orders || [], { id: 'orders-table', empty: 'No working order.' }));
      box.append(el('h4', {}, 'Recent order events'));
      box.append(table([
        { title: 'Time', value: (r) => time(r.time_ms) }, { title: 'Event', value: (r) => r.event },
        { title: 'Id', value: (r) => r.id }, { title: 'Symbol', value: (r) => r.symbol },
        { title: 'Detail', value: (r) => r.reason || `${r.side || ''} ${r.type || ''} ${dec(r.qty)}`, align: 'left' },
      ], this.orderEvents.slice(-50).reverse(), { empty: 'None since this page opened.' }));
    } else if (this.tab === 'trades') {
      box.append(table([
        { title: 'Symbol', value: (r) => r.symbol }, { title: 'Side', value: (r) => r.side },
        { title: 'Entry', value: (r) => time(r.entry_time_ms) }, { title: 'Entry price', value: (r) => dec(r.entry_price) },
        { title: 'Exit', value: (r) => time(r.exit_time_ms) }, { title: 'Exit price', value: (r) => dec(r.exit_price) },
        { title: 'Qty', value: (r) => dec(r.quantity) }, { title: 'Fees', value: (r) => num(r.fees, 4) },
        { title: 'Net P&L', value: (r) => num(r.pnl_net), class: (r) => signClass(r.pnl_net) },
      ], this.trades.slice(-300).reverse(), { id: 'trades-table', empty: 'No closed trade yet.' }));
    } else if (this.tab === 'fills') {
      box.append(table([
        { title: 'Time', value: (r) => time(r.time_ms) }, { title: 'Order', value: (r) => r.order_id },
        { title: 'Symbol', value: (r) => r.symbol }, { title: 'Side', value: (r) => r.side },
        { title: 'Qty', value: (r) => dec(r.qty) }, { title: 'Price', value: (r) => dec(r.price) },
        { title: 'Fee', value: (r) => dec(r.fee) }, { title: 'Maker', value: (r) => (r.maker ? 'yes' : 'no') },
      ], this.fills.slice(-300).reverse(), { id: 'fills-table', empty: 'No fill yet.' }));
    } else {
      box.append(table([
        { title: 'Time', value: (r) => time(r.time_ms) },
        { title: 'Level', value: (r) => r.level, class: (r) => 'alert-' + r.level },
        { title: 'Message', value: (r) => r.message, align: 'left' },
      ], this.alerts.slice(-300).reverse(), { id: 'alerts-table', empty: 'No alert.' }));
    }
  }

  // ----- actions -----
  async closePosition(r, fraction) {
    const what = fraction === 1 ? 'Close' : `Reduce by ${fraction * 100}%`;
    const ok = await confirmDialog({
      title: `${what} ${r.symbol}?`,
      text: `${what} the ${r.side} position of ${dec(r.qty)} ${r.symbol} in session ${this.sessionId} with a market order at the next bar.`,
      ok: what });
    if (!ok) return;
    try {
      await api.post(`/sessions/${this.sessionId}/positions/${encodeURIComponent(r.symbol)}/close`, { fraction });
      toast(`${what} ${r.symbol}: queued`, 'ok');
    } catch (e) { toast(e.message, 'error'); }
  }

  async stopSession() {
    const ok = await confirmDialog({ title: `Stop ${this.sessionId}?`, text: 'The session stops within a bar; its state is saved and positions stay as they are.', ok: 'Stop' });
    if (!ok) return;
    try { await api.post(`/sessions/${this.sessionId}/stop`); toast('stopping', 'ok'); } catch (e) { toast(e.message, 'error'); }
  }

  async pauseEntries(paused) {
    try {
      await api.post(`/sessions/${this.sessionId}/pause-entries`, { paused });
      toast(paused ? 'new entries paused' : 'entries resumed', 'ok');
    } catch (e) { toast(e.message, 'error'); }
  }

  async emergencyStop() {
    const ok = await confirmDialog({ title: 'EMERGENCY STOP', text: 'Every running session cancels its working orders, flattens every position and halts. Type STOP to confirm.', ok: 'Emergency stop', typed: 'STOP' });
    if (!ok) return;
    try {
      const r = await api.post('/emergency-stop');
      toast(`emergency stop sent to ${r.sessions} session(s)`, 'error');
    } catch (e) { toast(e.message, 'error'); }
  }

  async runCompare() {
    const p = clear(this.comparePanel);
    p.classList.remove('hidden');
    p.append(el('h3', {}, 'Session vs simulation'), el('p', { class: 'muted' }, 'Running the same configuration as a backtest over the same bars…'));
    let c;
    try {
      c = await api.post(`/sessions/${this.sessionId}/compare`);
    } catch (e) {
      p.append(el('p', { class: 'error' }, e.message));
      return;
    }
    this.compare = c;
    clear(p).append(el('h3', {}, 'Session vs simulation'));
    p.append(el('p', { id: 'compare-summary', class: c.identical ? 'pos' : 'neg' },
      c.identical ? `Identical: ${c.matched} fills and ${c.trades_matched} trades match the backtest exactly.`
                  : `${c.differences.length} fill and ${c.trade_differences.length} trade difference(s); ${c.matched} fills match.`));
    p.append(el('dl', { class: 'kv' },
      el('dt', {}, 'Bars'), el('dd', {}, c.bars_source),
      el('dt', {}, 'Session equity'), el('dd', {}, num(c.session_equity)),
      el('dt', {}, 'Simulation equity'), el('dd', {}, num(c.simulation_equity)),
      el('dt', {}, 'Fills (session / simulation)'), el('dd', {}, `${c.session_fills} / ${c.simulation_fills}`),
      el('dt', {}, 'Positions (session)'), el('dd', {}, c.session_positions.map((x) => `${x.symbol} ${x.side} ${dec(x.qty)}`).join(', ') || 'flat'),
      el('dt', {}, 'Positions (simulation)'), el('dd', {}, c.simulation_positions.map((x) => `${x.symbol} ${x.side} ${dec(x.qty)}`).join(', ') || 'flat')));
    const side = (r, k) => (r[k] ? `${dec(r[k].price ?? r[k].entry_price)} × ${dec(r[k].qty ?? r[k].quantity)}` : '—');
    if (c.trade_differences.length) {
      p.append(el('h4', {}, 'Trades that differ'));
      p.append(table([
        { title: 'Kind', value: (r) => r.kind }, { title: 'Symbol', value: (r) => r.symbol },
        { title: 'Entry', value: (r) => time((r.session || r.simulation).entry_time_ms) },
        { title: 'Fields', value: (r) => (r.fields || []).join(', '), align: 'left' },
        { title: 'Session exit / price / fees', value: (r) => (r.session ? `${time(r.session.exit_time_ms)} ${dec(r.session.exit_price)} ${num(r.session.fees, 4)}` : '—') },
        { title: 'Simulation exit / price / fees', value: (r) => (r.simulation ? `${time(r.simulation.exit_time_ms)} ${dec(r.simulation.exit_price)} ${num(r.simulation.fees, 4)}` : '—') },
      ], c.trade_differences, { id: 'compare-trades' }));
    }
    if (c.differences.length) {
      p.append(el('h4', {}, 'Fills that differ'));
      p.append(table([
        { title: 'Kind', value: (r) => r.kind }, { title: 'Time', value: (r) => time(r.time_ms) },
        { title: 'Symbol', value: (r) => r.symbol }, { title: 'Side', value: (r) => r.side },
        { title: 'Session', value: (r) => side(r, 'session') }, { title: 'Simulation', value: (r) => side(r, 'simulation') },
      ], c.differences, { id: 'compare-fills' }));
    }
    this.render();
  }
}
