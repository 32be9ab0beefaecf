// DOM helpers. Text from the server is only ever set as textContent (never as HTML), so a
// symbol, strategy name or alert message cannot inject markup or scripts.

export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'value') e.value = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function num(v, digits = 2) {
  const x = typeof v === 'string' ? Number(v) : v;
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// Quantities and prices as the server sent them (exact decimals), trailing zeros trimmed.
export function dec(v) {
  if (v === undefined || v === null || v === '') return '—';
  const s = String(v);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export function signClass(v) {
  const x = Number(v);
  return x > 0 ? 'pos' : x < 0 ? 'neg' : '';
}

export function time(ms) {
  if (!ms) return '—';
  return new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19);
}

export function ago(ms) {
  if (!ms) return '—';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  return Math.floor(s / 3600) + 'h ago';
}

// A table from column specs [{title, value: row => text|Node, class?: row => string}].
export function table(columns, rows, options = {}) {
  const head = el('tr', {}, columns.map((c) => el('th', { class: c.align === 'left' ? 'left' : '' },
                                                    c.title)));
  const body = rows.map((r, i) => {
    const tr = el('tr', { class: options.onclick ? 'clickable' : '' },
                  columns.map((c) => {
                    const v = c.value(r, i);
                    const cls = [c.align === 'left' ? 'left' : '', c.class ? c.class(r) : '']
                      .filter(Boolean).join(' ');
                    return el('td', { class: cls }, v instanceof Node ? v : String(v ?? '—'));
                  }));
    if (options.onclick) tr.addEventListener('click', () => options.onclick(r, tr));
    if (options.rowId) tr.dataset.id = options.rowId(r);
    return tr;
  });
  const t = el('table', { id: options.id }, el('thead', {}, head), el('tbody', {}, body));
  if (!rows.length && options.empty) {
    t.tBodies[0].append(el('tr', {}, el('td', { colspan: columns.length, class: 'muted left' },
                                         options.empty)));
  }
  return t;
}

export function toast(message, kind = '') {
  const box = document.getElementById('toasts');
  const t = el('div', { class: 'toast ' + kind, role: 'status' }, message);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

// A confirmation dialog; `typed` makes the user type a word (e.g. the exchange for real money).
export function confirmDialog({ title, text, ok = 'Confirm', typed }) {
  const d = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  const okButton = document.getElementById('confirm-ok');
  okButton.textContent = ok;
  const label = document.getElementById('confirm-typed-label');
  const input = document.getElementById('confirm-typed');
  label.hidden = !typed;
  input.value = '';
  document.getElementById('confirm-typed-word').textContent = typed || '';
  okButton.disabled = Boolean(typed);
  input.oninput = () => { okButton.disabled = input.value !== typed; };
  return new Promise((resolve) => {
    d.returnValue = '';
    d.onclose = () => resolve(d.returnValue === 'ok' ? (typed ? input.value : true) : false);
    d.showModal();
  });
}

// Calls fn at most once per `ms` (trailing call kept).
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  return (...args) => {
    const now = Date.now();
    const wait = last + ms - now;
    if (wait <= 0) {
      last = now;
      fn(...args);
    } else if (!timer) {
      timer = setTimeout(() => { timer = null; last = Date.now(); fn(...args); }, wait);
    }
  };
}
