// Alternative data over the price: on-chain metrics, Fear & Greed and headline sentiment as a
// strategy would have read them (point in time), with every published value marked at the time it
// became available and its lag behind the day it describes (docs/altdata.md).
import * as api from './api.js';
import { el, num, toast } from './ui.js';

const DEFAULT_FEATURES = [
  'fear_greed', 'onchain_active_addresses_z:30', 'onchain_mvrv_z:365',
  'news_sentiment_mean:24h', 'news_count:24h',
];
const RANGES = { '90d': 90, '1y': 365, '2y': 730, 'all': 3650 };

export class AltDataView {
  constructor(state) { this.state = state; }

  async mount(root) {
    this.symbol = el('select', { id: 'alt-symbol' },
      ...['BTCUSDT', 'ETHUSDT'].map((s) => el('option', { value: s }, s)));
    this.range = el('select', { id: 'alt-range' },
      ...Object.keys(RANGES).map((r) => el('option', { value: r, selected: r === '1y' ? '' : null }, r)));
    this.features = el('input', { id: 'alt-features', size: 70, value: DEFAULT_FEATURES.join(',') });
    const go = el('button', { type: 'button', class: 'primary', id: 'alt-load' }, 'Show');
    go.addEventListener('click', () => this.load());
    for (const c of [this.symbol, this.range]) c.addEventListener('change', () => this.load());
    this.note = el('p', { class: 'muted', id: 'alt-note' });
    this.chart = el('div', { id: 'alt-chart', class: 'chart' });
    root.append(el('div', { class: 'stack' },
      el('div', { class: 'panel' },
        el('h3', {}, 'Alternative data, point in time'),
        el('div', { class: 'row' }, el('label', {}, 'Symbol ', this.symbol), el('label', {}, 'Range ', this.range),
          el('label', {}, 'Features ', this.features), go),
        this.note),
      el('div', { class: 'panel' }, this.chart)));
    await this.load();
  }

  async load() {
    const symbol = this.symbol.value;
    try {
      const candles = await api.get('/candles?' + new URLSearchParams({ symbol, interval: '1h' }));
      if (!candles.count) throw new Error(`no 1h bars for ${symbol}`);
      const to = candles.time[candles.time.length - 1] + 3600000;
      const from = Math.max(candles.time[0], to - RANGES[this.range.value] * 86400000);
      const alt = await api.get('/altdata?' + new URLSearchParams({ symbol, from, to, features: this.features.value }));
      this.render(symbol, candles, alt, from);
    } catch (e) {
      this.note.textContent = e.message;
      toast(e.message, 'error');
    }
  }

  render(symbol, candles, alt, from) {
    const first = candles.time.findIndex((t) => t >= from);
    const t = candles.time.slice(first).map((x) => new Date(x));
    const close = candles.close.slice(first);
    const n = alt.series.length;
    // Price on top, one row per feature below, all on the same time axis.
    const rows = n + 1;
    const gap = 0.015;
    const h = (1 - gap * n) / (rows + 1);  // the price row is twice as tall
    const layout = atsCharts.layout('dark', {
      showlegend: false, height: 160 + 120 * rows, margin: { t: 30, l: 60, r: 20, b: 30 },
      title: { text: `${symbol} with ${alt.asset} alternative data (${alt.source})`, x: 0.01 },
    });
    const traces = [{ x: t, y: close, type: 'scatter', mode: 'lines', name: `${symbol} close`, xaxis: 'x', yaxis: 'y',
                      line: { width: 1.2 } }];
    const grid = layout.yaxis.gridcolor;
    layout.yaxis = { domain: [1 - 2 * h, 1], title: { text: 'close' }, type: 'log', gridcolor: grid };
    layout.xaxis = { anchor: `y${rows}`, type: 'date', gridcolor: grid };
    alt.series.forEach((s, i) => {
      const axis = i + 2;
      const top = 1 - 2 * h - gap * (i + 1) - h * i;
      layout[`yaxis${axis}`] = { domain: [Math.max(0, top - h), top], title: { text: s.name, font: { size: 10 } }, gridcolor: grid };
      // The value a strategy deciding at each time reads: a step that moves when a value becomes
      // available, not on the day it describes.
      traces.push({ x: s.t.map((x) => new Date(x)), y: s.v, type: 'scatter', mode: 'lines', line: { shape: 'hv', width: 1.2 },
                    name: s.name, xaxis: 'x', yaxis: `y${axis}`, connectgaps: false });
      if (s.events.length) {
        traces.push({
          x: s.events.map((e) => new Date(e.available_ms)), y: s.events.map((e) => e.value),
          type: 'scatter', mode: 'markers', marker: { size: 4 }, name: `${s.name} published`, xaxis: 'x', yaxis: `y${axis}`,
          text: s.events.map((e) => `describes ${new Date(e.event_ms).toISOString().slice(0, 10)}, available ${new Date(e.available_ms).toISOString().slice(0, 16).replace('T', ' ')} UTC (+${num((e.available_ms - e.event_ms) / 3600000, 0)} h)${e.vintage ? ', revision ' + e.vintage : ''}`),
          hovertemplate: '%{y}<br>%{text}<extra></extra>',
        });
      }
    });
    this.chart.style.height = layout.height + 'px';
    Plotly.react(this.chart, traces, layout, atsCharts.config);
    const missing = alt.missing.map((m) => `${m.name}: ${m.reason}`).join('; ');
    this.note.textContent = `Each line is what a strategy deciding at that time would read; dots mark each value at the time it was published (hover for the day it describes and its lag). ${missing ? 'Not available: ' + missing : ''}`;
    document.body.dataset.altdata = String(n);
  }
}
