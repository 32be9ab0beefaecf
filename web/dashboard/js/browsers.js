// Browsers for the run history, strategy searches, the model registry and the audit log.
import * as api from './api.js';
import { el, clear, num, time, table } from './ui.js';

export class RunsView {
  constructor(state) { this.state = state; }

  async mount(root) {
    const runs = await api.get('/runs?limit=500');
    const detail = el('div', { class: 'panel stack', id: 'run-detail' }, el('p', { class: 'muted' }, 'Click a run to open it.'));
    root.append(el('div', { class: 'stack' },
      el('div', { class: 'panel scroll' }, el('h3', {}, 'Runs'), table([
        { title: 'Run', value: (r) => String(r.id) }, { title: 'When', value: (r) => time(r.created_ms) },
        { title: 'Config', value: (r) => r.config_id }, { title: 'Strategy', value: (r) => `${r.strategy} ${r.params}`, align: 'left' },
        { title: 'Assets', value: (r) => r.assets }, { title: 'Final equity', value: (r) => num(r.final_equity) },
        { title: 'Return', value: (r) => num(r.total_return_pct) + '%' }, { title: 'Sharpe', value: (r) => num(r.sharpe, 3) },
        { title: 'Max DD', value: (r) => num(r.max_drawdown_pct) + '%' }, { title: 'Trades', value: (r) => String(r.trades) },
      ], runs, { id: 'runs-table', empty: 'No run recorded yet (ats backtest records them).', onclick: (r) => this.open(r.id, detail) })),
      detail));
  }

  async open(id, box) {
    const r = await api.get('/runs/' + id);
    clear(box).append(el('h3', {}, `Run ${r.id} · ${r.strategy} ${r.params} · ${r.assets}`));
    if (r.has_report) box.append(el('a', { href: `/api/v1/runs/${r.id}/report`, target: '_blank', rel: 'noopener', id: 'open-report' }, 'Open the full report'));
    const m = r.metrics || {};
    const kv = el('dl', { class: 'kv' });
    for (const k of ['total_return_pct', 'benchmark_return_pct', 'cagr_pct', 'sharpe', 'sortino', 'calmar', 'max_drawdown_pct', 'win_rate_pct', 'profit_factor', 'trades', 'fees']) {
      if (m[k] !== undefined) kv.append(el('dt', {}, k), el('dd', {}, typeof m[k] === 'number' ? num(m[k], 3) : String(m[k])));
    }
    const chart = el('div', { class: 'chart small' });
    const dd = el('div', { class: 'chart small' });
    box.append(el('div', { class: 'charts2' }, kv, el('pre', {}, r.config || '')), chart, dd);
    const t = r.equity.map((p) => p.time_ms);
    const e = r.equity.map((p) => p.equity);
    atsCharts.equity(chart, { time: t, equity: e }, { theme: 'dark' });
    atsCharts.drawdown(dd, { time: t, drawdown: atsCharts.drawdownOf(e) }, { theme: 'dark' });
    box.append(el('h4', {}, `Trades (${r.trades.length})`), el('div', { class: 'scroll' }, table([
      { title: 'Symbol', value: (x) => x.symbol }, { title: 'Side', value: (x) => x.side },
      { title: 'Entry', value: (x) => time(x.entry_time_ms) }, { title: 'Entry price', value: (x) => String(x.entry_price) },
      { title: 'Exit', value: (x) => time(x.exit_time_ms) }, { title: 'Exit price', value: (x) => String(x.exit_price) },
      { title: 'Qty', value: (x) => String(x.quantity) }, { title: 'Net P&L', value: (x) => num(x.pnl_net) },
    ], r.trades.slice(0, 500))));
  }
}

export class EvolutionsView {
  constructor(state) { this.state = state; }

  async mount(root) {
    const list = await api.get('/evolutions');
    const chart = el('div', { class: 'chart small', id: 'evo-chart' });
    root.append(el('div', { class: 'stack' }, el('div', { class: 'panel scroll' }, el('h3', {}, 'Strategy and hyperparameter searches'), table([
      { title: 'Id', value: (r) => String(r.id) }, { title: 'When', value: (r) => time(r.created_ms) },
      { title: 'Mode', value: (r) => r.mode }, { title: 'Asset', value: (r) => r.asset },
      { title: 'Algorithm', value: (r) => r.algorithm }, { title: 'Trials', value: (r) => String(r.trials) },
      { title: 'Best fitness', value: (r) => num(r.best_fitness, 3) },
      { title: 'In-sample Sharpe', value: (r) => num(r.in_sample_sharpe, 3) },
      { title: 'Holdout Sharpe', value: (r) => num(r.holdout_sharpe, 3) },
      { title: 'Deflated Sharpe', value: (r) => num(r.deflated_sharpe, 3) },
      { title: 'Winner', value: (r) => r.winner, align: 'left' },
    ], list, { id: 'evolutions-table', empty: 'No search recorded yet (ats evolve records them).' })),
    el('div', { class: 'panel' }, chart)));
    if (list.length) {
      // In-sample vs holdout Sharpe of every search: overfitting shows as points far below the line.
      Plotly.react(chart, [{ type: 'scatter', mode: 'markers+text', x: list.map((r) => r.in_sample_sharpe), y: list.map((r) => r.holdout_sharpe),
                             text: list.map((r) => '#' + r.id), textposition: 'top center', marker: { size: 9, color: '#2962ff' } }],
                   atsCharts.layout('dark', { title: { text: 'In-sample vs holdout Sharpe', x: 0.01 }, xaxis: { title: { text: 'in-sample' } },
                                              yaxis: { title: { text: 'holdout' } }, hovermode: 'closest' }), atsCharts.config);
    }
  }
}

export class ModelsView {
  constructor(state) { this.state = state; }

  async mount(root) {
    const list = await api.get('/models');
    const detail = el('div', { class: 'panel stack', id: 'model-detail' }, el('p', { class: 'muted' }, 'Click a model to see its walk-forward metrics and features.'));
    root.append(el('div', { class: 'stack' }, el('div', { class: 'panel scroll' }, el('h3', {}, 'Model registry'), table([
      { title: 'Id', value: (r) => String(r.id) }, { title: 'When', value: (r) => time(r.created_ms) },
      { title: 'Asset', value: (r) => r.asset }, { title: 'Model', value: (r) => r.model }, { title: 'Label', value: (r) => r.label },
      { title: 'Trained', value: (r) => `${time(r.train_from_ms).slice(0, 10)} → ${time(r.train_to_ms).slice(0, 10)}` },
      { title: 'OOS accuracy', value: (r) => num(100 * r.oos_accuracy, 1) + '%' }, { title: 'OOS AUC', value: (r) => num(r.oos_auc, 3) },
      { title: 'OOS rows', value: (r) => String(r.oos_rows) }, { title: 'Directory', value: (r) => r.dir, align: 'left' },
    ], list, { id: 'models-table', empty: 'No model yet (ats train records them).', onclick: (r) => this.open(r.id, detail) })), detail));
  }

  async open(id, box) {
    const m = await api.get('/models/' + id);
    clear(box).append(el('h3', {}, `Model ${m.id} · ${m.model} · ${m.asset}`));
    const folds = (m.walk_forward && m.walk_forward.folds) || [];
    const imp = el('div', { class: 'chart', id: 'model-importance' });
    const wf = el('div', { class: 'chart small', id: 'model-folds' });
    box.append(el('dl', { class: 'kv' },
      el('dt', {}, 'Out-of-sample accuracy'), el('dd', {}, num(100 * m.oos_accuracy, 2) + '%'),
      el('dt', {}, 'Out-of-sample AUC'), el('dd', {}, num(m.oos_auc, 4)),
      el('dt', {}, 'Features'), el('dd', {}, String(m.features)),
      el('dt', {}, 'Walk-forward folds'), el('dd', {}, String(folds.length))), imp, wf);
    const top = (m.importance || []).slice(0, 20);
    atsCharts.hbars(imp, top.map((x) => x.feature), top.map((x) => x.total_gain), { theme: 'dark', title: 'Feature importance (total gain)', height: 460 });
    if (folds.length) {
      Plotly.react(wf, [{ type: 'bar', x: folds.map((_, i) => 'fold ' + (i + 1)), y: folds.map((f) => f.accuracy), name: 'accuracy' },
                        { type: 'scatter', mode: 'lines+markers', x: folds.map((_, i) => 'fold ' + (i + 1)), y: folds.map((f) => f.auc), name: 'AUC' }],
                   atsCharts.layout('dark', { title: { text: 'Walk-forward folds', x: 0.01 } }), atsCharts.config);
    }
  }
}

export class AuditView {
  constructor(state) { this.state = state; }

  async mount(root) {
    const log = await api.get('/audit');
    root.append(el('div', { class: 'panel scroll', style: 'max-height:none' }, el('h3', {}, 'Audit log: every control action'), table([
      { title: 'Time', value: (r) => time(r.time_ms) }, { title: 'User', value: (r) => r.user },
      { title: 'Action', value: (r) => r.action }, { title: 'Target', value: (r) => r.target },
      { title: 'Result', value: (r) => r.result, class: (r) => (r.result === 'ok' ? 'pos' : 'neg') },
      { title: 'Detail', value: (r) => r.detail, align: 'left' },
    ], log, { id: 'audit-table', empty: 'Nothing yet.' })));
  }
}
