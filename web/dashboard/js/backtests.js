// The backtest page: submit a backtest (form or TOML), watch its progress live, open its report,
// compare two runs' equity.
import * as api from './api.js';
import { el, clear, num, time, table, toast } from './ui.js';

export class BacktestsView {
  constructor(state) {
    this.state = state;
    this.trader = state.user.role === 'trader';
    this.selected = [];
  }

  async mount(root) {
    const [files, strategies] = await Promise.all([api.get('/symbols'), api.get('/strategies')]);
    const symbols = [...new Set(files.map((f) => f.symbol))];
    const assets = el('select', { id: 'bt-assets', multiple: true, size: Math.min(4, symbols.length) });
    for (const s of symbols) assets.append(el('option', { value: s, selected: s === symbols[0] }, s));
    const interval = el('select', { id: 'bt-interval' });
    for (const i of [...new Set(files.map((f) => f.interval))]) interval.append(el('option', { value: i, selected: i === '1h' }, i));
    const strategy = el('select', { id: 'bt-strategy' });
    for (const s of strategies) if (s.name !== 'rules') strategy.append(el('option', { value: s.name }, s.name));
    const params = el('input', { id: 'bt-params', size: 30 });
    const fill = () => {
      const s = strategies.find((x) => x.name === strategy.value);
      params.value = s ? Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    };
    strategy.onchange = fill;
    fill();
    const from = el('input', { id: 'bt-from', placeholder: '2024-01-01', size: 11 });
    const to = el('input', { id: 'bt-to', placeholder: '2025-01-01', size: 11 });
    const cash = el('input', { id: 'bt-cash', value: '10000', size: 8 });
    const fee = el('input', { id: 'bt-fee', value: '10', size: 4 });
    const toml = el('textarea', { id: 'bt-toml', rows: 6, placeholder: '[risk]\nstop_loss_atr = 2\n(optional: any key of the backtest TOML format)' });
    const submit = el('button', { id: 'bt-submit', class: 'primary', type: 'button', disabled: !this.trader, onclick: async () => {
      const p = {};
      for (const kv of params.value.split(/\s+/).filter(Boolean)) {
        const [k, v] = kv.split('=');
        if (!Number.isFinite(Number(v))) { toast(`parameter '${kv}': expected name=number`, 'error'); return; }
        p[k] = Number(v);
      }
      const chosen = [...assets.selectedOptions].map((o) => o.value);
      // The interval picks each asset's file in the data directories.
      const body = {
        backtest: { assets: chosen, cash: Number(cash.value), maker_fee_bps: Number(fee.value), taker_fee_bps: Number(fee.value) },
        strategy: { name: strategy.value, params: p },
      };
      const dataFiles = chosen.map((s) => files.find((f) => f.symbol === s && f.interval === interval.value));
      if (dataFiles.some((f) => !f)) { toast(`no ${interval.value} data for every chosen asset`, 'error'); return; }
      body.files = Object.fromEntries(chosen.map((s, i) => [s, dataFiles[i].file]));
      if (from.value) body.backtest.from = from.value;
      if (to.value) body.backtest.to = to.value;
      if (toml.value.trim()) body.config = toml.value;
      try {
        const r = await api.post('/backtests', body);
        toast(`${r.job} queued`, 'ok');
        this.loadJobs();
      } catch (e) { toast(e.message, 'error'); }
    } }, 'Run backtest');
    root.append(el('div', { class: 'grid-trade' },
      el('div', { class: 'stack' },
        el('div', { class: 'panel' }, el('h3', {}, 'Jobs'), this.jobsBox = el('div', { id: 'jobs' })),
        el('div', { class: 'panel' }, el('h3', {}, 'Recent runs — pick two to compare'),
           this.runsBox = el('div', { class: 'scroll', id: 'bt-runs' }),
           el('div', { class: 'row' }, el('button', { id: 'bt-compare', type: 'button', onclick: () => this.compareRuns() }, 'Compare selected'))),
        el('div', { class: 'panel' }, this.compareDiv = el('div', { id: 'bt-compare-chart', class: 'chart' }))),
      el('div', { class: 'panel stack' }, el('h3', {}, 'New backtest'),
        el('label', {}, 'Assets', assets), el('label', {}, 'Interval', interval),
        el('label', {}, 'Strategy', strategy), el('label', {}, 'Parameters', params),
        el('div', { class: 'row' }, el('label', {}, 'From', from), el('label', {}, 'To', to)),
        el('div', { class: 'row' }, el('label', {}, 'Cash', cash), el('label', {}, 'Fee (bps)', fee)),
        el('label', {}, 'More settings (TOML)', toml), submit)));
    this.off = this.state.stream.on((m) => {
      if (m.session === 'server' && m.topic === 'jobs') this.onJob(m.data);
    });
    this.state.stream.subscribe('server', ['jobs']);
    await Promise.all([this.loadJobs(), this.loadRuns()]);
  }

  destroy() {
    if (this.off) this.off();
    this.state.stream.unsubscribe('server');
  }

  onJob(j) {
    if (!j || !j.id) return;
    const row = this.jobsBox.querySelector(`tr[data-id="${CSS.escape(j.id)}"]`);
    if (row && j.status === 'running' && typeof j.progress === 'number') {
      const bar = row.querySelector('.progress > div');
      if (bar) bar.style.width = (100 * j.progress).toFixed(0) + '%';
      row.querySelector('td:nth-child(2)').textContent = 'running';
      return;
    }
    this.loadJobs();
    if (j.status === 'done') this.loadRuns();
  }

  async loadJobs() {
    const jobs = await api.get('/jobs');
    clear(this.jobsBox).append(table([
      { title: 'Job', value: (r) => r.id },
      { title: 'Status', value: (r) => r.status, class: (r) => (r.status === 'failed' ? 'neg' : r.status === 'done' ? 'pos' : '') },
      { title: 'Progress', value: (r) => el('div', { class: 'progress' }, el('div', { style: `width:${(100 * r.progress).toFixed(0)}%` })) },
      { title: 'Return', value: (r) => (r.result && r.result.total_return_pct !== undefined ? num(r.result.total_return_pct) + '%' : '—') },
      { title: 'Sharpe', value: (r) => (r.result && r.result.sharpe !== undefined ? num(r.result.sharpe, 3) : '—') },
      { title: 'Trades', value: (r) => (r.result && r.result.trades !== undefined ? String(r.result.trades) : '—') },
      { title: '', value: (r) => (r.result && r.result.run_id ? el('a', { href: `/api/v1/runs/${r.result.run_id}/report`, target: '_blank', rel: 'noopener' }, 'report') : (r.error || '')), align: 'left' },
    ], jobs, { id: 'jobs-table', empty: 'No job yet: run a backtest.', rowId: (r) => r.id }));
  }

  async loadRuns() {
    const runs = await api.get('/runs?limit=50');
    this.runs = runs;
    clear(this.runsBox).append(table([
      { title: 'Run', value: (r) => String(r.id) }, { title: 'When', value: (r) => time(r.created_ms) },
      { title: 'Strategy', value: (r) => `${r.strategy} ${r.params}`, align: 'left' }, { title: 'Assets', value: (r) => r.assets },
      { title: 'Return', value: (r) => num(r.total_return_pct) + '%' }, { title: 'Sharpe', value: (r) => num(r.sharpe, 3) },
      { title: 'Max DD', value: (r) => num(r.max_drawdown_pct) + '%' }, { title: 'Trades', value: (r) => String(r.trades) },
    ], runs, { id: 'bt-runs-table', rowId: (r) => r.id, onclick: (r, tr) => {
      const i = this.selected.indexOf(r.id);
      if (i >= 0) { this.selected.splice(i, 1); tr.classList.remove('selected'); } else {
        this.selected.push(r.id);
        tr.classList.add('selected');
        if (this.selected.length > 2) {
          const drop = this.selected.shift();
          const old = this.runsBox.querySelector(`tr[data-id="${drop}"]`);
          if (old) old.classList.remove('selected');
        }
      }
    } }));
  }

  async compareRuns() {
    if (this.selected.length !== 2) { toast('pick two runs in the table', 'error'); return; }
    const [a, b] = await Promise.all(this.selected.map((id) => api.get('/runs/' + id)));
    const curve = (r) => ({ time: r.equity.map((p) => p.time_ms), values: r.equity.map((p) => p.equity) });
    const ca = curve(a);
    const cb = curve(b);
    atsCharts.equity(this.compareDiv, { time: ca.time, equity: ca.values, name: `run ${a.id} ${a.strategy} ${a.params}`,
                                        extra: [{ name: `run ${b.id} ${b.strategy} ${b.params}`, time: cb.time, values: cb.values }] },
                     { theme: 'dark', title: `Run ${a.id} vs run ${b.id}` });
  }
}
