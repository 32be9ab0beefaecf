// ats chart module: the one home of chart code. The offline reports (report.html, inlined at
// build time) and the dashboard (served at /static/charts.js) both draw with these functions.
// A plain script (no import/export) so it can be inlined; it defines globalThis.atsCharts.
// Needs Plotly.js loaded first. No network, no eval.
(function () {
  'use strict';

  const themes = {
    light: { paper: '#ffffff', plot: '#ffffff', text: '#222222', grid: '#e8e8e8', up: '#089981',
             down: '#f23645', line: '#2962ff', bench: '#888888', fill: 'rgba(242,54,69,0.25)' },
    dark: { paper: '#131722', plot: '#131722', text: '#d1d4dc', grid: '#2a2e39', up: '#26a69a',
            down: '#ef5350', line: '#2962ff', bench: '#9598a1', fill: 'rgba(239,83,80,0.25)' },
  };
  const palette = ['#f7a21b', '#ab47bc', '#26c6da', '#d4e157', '#ff7043', '#8d6e63', '#ec407a',
                   '#7e57c2', '#66bb6a', '#29b6f6'];

  const ts = (a) => a.map((v) => new Date(v));

  function layout(theme, extra) {
    const t = themes[theme] || themes.light;
    const base = {
      paper_bgcolor: t.paper,
      plot_bgcolor: t.plot,
      font: { color: t.text, size: 12 },
      margin: { t: 36, r: 16, b: 36, l: 56 },
      xaxis: { gridcolor: t.grid, rangeslider: { visible: false } },
      yaxis: { gridcolor: t.grid },
      legend: { orientation: 'h', y: 1.08, x: 0 },
      hovermode: 'x',
    };
    return Object.assign(base, extra || {});
  }

  const config = { responsive: true, displaylogo: false, scrollZoom: true };

  // Columns {time, open, high, low, close, volume?} aggregated so that at most `max` candles are
  // drawn: each candle spans `step` bars (first open, max high, min low, last close, volume sum).
  function aggregate(bars, max, from, to) {
    const lo = from || 0;
    const hi = to === undefined ? bars.time.length : to;
    const n = Math.max(0, hi - lo);
    const step = Math.max(1, Math.ceil(n / (max || 4000)));
    const out = { time: [], open: [], high: [], low: [], close: [], volume: [], step, index: [] };
    for (let i = lo; i < hi; i += step) {
      const end = Math.min(i + step, hi);
      let h = bars.high[i];
      let l = bars.low[i];
      let v = 0;
      for (let k = i; k < end; ++k) {
        if (bars.high[k] > h) h = bars.high[k];
        if (bars.low[k] < l) l = bars.low[k];
        if (bars.volume) v += bars.volume[k];
      }
      out.time.push(bars.time[i]);
      out.open.push(bars.open[i]);
      out.high.push(h);
      out.low.push(l);
      out.close.push(bars.close[end - 1]);
      out.volume.push(v);
      out.index.push(i);
    }
    return out;
  }

  // Each series sampled at the aggregated candles' first bar (indicator lines on aggregated
  // candles).
  function sampleAt(values, index) {
    return index.map((i) => (values[i] === undefined ? null : values[i]));
  }

  // A candlestick chart with indicator lines and fill markers.
  // a: {symbol, x|time, open, high, low, close, indicators:{name: values}, fills:{buy_t, buy_p,
  //     sell_t, sell_p}, bars_per_candle}; options: {theme, title, height, extra: [traces]}
  function candleTraces(a, theme) {
    const t = themes[theme] || themes.light;
    const x = ts(a.x || a.time);
    const traces = [{ type: 'candlestick', name: a.symbol, x, open: a.open, high: a.high,
                      low: a.low, close: a.close,
                      increasing: { line: { color: t.up } }, decreasing: { line: { color: t.down } } }];
    let k = 0;
    for (const [name, ys] of Object.entries(a.indicators || {})) {
      traces.push({ type: 'scatter', mode: 'lines', name, x, y: ys,
                    line: { width: 1, color: palette[k++ % palette.length] } });
    }
    const f = a.fills || {};
    traces.push({ type: 'scatter', mode: 'markers', name: 'buy', x: ts(f.buy_t || []),
                  y: f.buy_p || [], marker: { symbol: 'triangle-up', color: t.up, size: 10,
                                              line: { width: 1, color: '#000' } } });
    traces.push({ type: 'scatter', mode: 'markers', name: 'sell', x: ts(f.sell_t || []),
                  y: f.sell_p || [], marker: { symbol: 'triangle-down', color: t.down, size: 10,
                                               line: { width: 1, color: '#000' } } });
    return traces;
  }

  function candles(div, a, options) {
    const o = options || {};
    const note = a.bars_per_candle > 1 ? ' (' + a.bars_per_candle + ' bars per candle)' : '';
    const traces = candleTraces(a, o.theme).concat(o.extra || []);
    const title = o.title === '' ? '' : (o.title || a.symbol) + note;
    const l = layout(o.theme, { title: { text: title, x: 0.01 }, height: o.height,
                                uirevision: o.uirevision });
    if (!title) l.margin = Object.assign({}, l.margin, { t: 28 });
    return Plotly.react(div, traces, l, config);
  }

  // Equity with a benchmark (buy and hold) and optional extra curves [{name, time, values, dash}].
  function equity(div, d, options) {
    const o = options || {};
    const t = themes[o.theme] || themes.light;
    const traces = [{ type: 'scatter', mode: 'lines', name: d.name || 'strategy', x: ts(d.time),
                      y: d.equity, line: { color: t.line, width: 1.5 } }];
    if (d.benchmark) {
      traces.push({ type: 'scatter', mode: 'lines', name: 'buy and hold', x: ts(d.time),
                    y: d.benchmark, line: { dash: 'dot', color: t.bench, width: 1 } });
    }
    (d.extra || []).forEach((e, i) => traces.push({
      type: 'scatter', mode: 'lines', name: e.name, x: ts(e.time), y: e.values,
      line: { dash: e.dash || 'solid', width: 1.5, color: palette[i % palette.length] } }));
    return Plotly.react(div, traces, layout(o.theme, { title: { text: o.title || 'Equity', x: 0.01 },
                                                        height: o.height }), config);
  }

  // Drawdown in percent below the running peak (values <= 0).
  function drawdownOf(values, start) {
    let peak = start === undefined ? -Infinity : start;
    return values.map((v) => {
      if (v > peak) peak = v;
      return peak > 0 ? (-100 * (peak - v)) / peak : 0;
    });
  }

  function drawdown(div, d, options) {
    const o = options || {};
    const t = themes[o.theme] || themes.light;
    return Plotly.react(div, [{ type: 'scatter', mode: 'lines', fill: 'tozeroy', name: 'drawdown %',
                                x: ts(d.time), y: d.drawdown, line: { color: t.down, width: 1 },
                                fillcolor: t.fill }],
                        layout(o.theme, { title: { text: o.title || 'Drawdown (%)', x: 0.01 },
                                          height: o.height, showlegend: false }), config);
  }

  function monthly(div, d, options) {
    const o = options || {};
    return Plotly.react(div, [{ type: 'heatmap',
                                x: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
                                    'Oct', 'Nov', 'Dec'],
                                y: d.months_years, z: d.months_grid, colorscale: 'RdYlGn', zmid: 0,
                                texttemplate: '%{z:.1f}' }],
                        layout(o.theme, { title: { text: 'Monthly returns (%)', x: 0.01 },
                                          height: o.height, hovermode: 'closest' }), config);
  }

  function histogram(div, values, options) {
    const o = options || {};
    const t = themes[o.theme] || themes.light;
    return Plotly.react(div, [{ type: 'histogram', x: values, nbinsx: o.bins || 20,
                                marker: { color: t.line } }],
                        layout(o.theme, { title: { text: o.title || '', x: 0.01 }, height: o.height,
                                          showlegend: false, bargap: 0.05, hovermode: 'closest' }),
                        config);
  }

  // Horizontal bars, largest on top (feature importance).
  function hbars(div, names, values, options) {
    const o = options || {};
    const t = themes[o.theme] || themes.light;
    return Plotly.react(div, [{ type: 'bar', orientation: 'h', x: values.slice().reverse(),
                                y: names.slice().reverse(), marker: { color: t.line } }],
                        layout(o.theme, { title: { text: o.title || '', x: 0.01 }, height: o.height,
                                          showlegend: false, hovermode: 'closest',
                                          margin: { t: 36, r: 16, b: 36, l: 140 } }), config);
  }

  // The whole backtest report (report.html): D is the report's chart data.
  function report(D) {
    const cd = document.getElementById('candles');
    D.assets.forEach((a, i) => {
      const div = document.createElement('div');
      div.className = 'chart';
      div.id = 'candles_' + i;
      cd.appendChild(div);
      candles(div, a, {});
    });
    equity('equity', D, {});
    drawdown('drawdown', D, {});
    monthly('monthly', D, {});
    document.body.dataset.rendered = 'yes';
  }

  globalThis.atsCharts = { themes, aggregate, sampleAt, candleTraces, candles, equity, drawdown,
                           drawdownOf, monthly, histogram, hbars, report, layout, config };
})();
