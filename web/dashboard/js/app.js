// The dashboard: login, header, hash routing between views, one WebSocket stream for all.
import * as api from './api.js';
import { Stream } from './stream.js';
import { clear, toast, ago } from './ui.js';
import { TradeView } from './trade.js';
import { BacktestsView } from './backtests.js';
import { RunsView, EvolutionsView, ModelsView, AuditView } from './browsers.js';
import { AltDataView } from './altdata.js';

const state = {
  user: null,
  stream: new Stream(),
  view: null,
  lastUpdate: 0,
  mode: null,
};
window.ats = state;  // for the browser tests and for curious users in the console

const views = {
  trade: () => new TradeView(state),
  backtests: () => new BacktestsView(state),
  runs: () => new RunsView(state),
  evolutions: () => new EvolutionsView(state),
  models: () => new ModelsView(state),
  altdata: () => new AltDataView(state),
  audit: () => new AuditView(state),
};

function showLogin(message) {
  const d = document.getElementById('login-dialog');
  document.getElementById('login-error').textContent = message || '';
  if (!d.open) d.showModal();
  document.getElementById('login-user').focus();
}

async function afterLogin(me) {
  state.user = me;
  document.getElementById('user-name').textContent = me.username;
  document.getElementById('user-role').textContent = me.role;
  document.body.dataset.role = me.role;
  document.getElementById('login-dialog').close();
  state.stream.connect();
  await refreshStatus();
  route();
}

async function refreshStatus() {
  try {
    const s = await api.get('/status');
    setMode(s.mode, s.sessions);
    if (s.last_update_ms) state.lastUpdate = s.last_update_ms;
  } catch { /* shown by the views */ }
}

function setMode(mode, sessions) {
  const badge = document.getElementById('mode-badge');
  const running = (sessions || []).filter((x) => ['running', 'replaying', 'starting'].includes(x.status));
  badge.textContent = running.length ? `${mode.toUpperCase()} · ${running.length} running` : 'IDLE';
  badge.className = 'badge ' + (running.length ? mode : '');
}
state.setMode = setMode;

function route() {
  if (!state.user) return;
  const name = (location.hash.replace(/^#\//, '') || 'trade').split('/')[0];
  const make = views[name] || views.trade;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.view === name);
  }
  if (state.view && state.view.destroy) state.view.destroy();
  const root = clear(document.getElementById('view'));
  state.view = make();
  state.view.mount(root).catch((e) => toast(e.message, 'error'));
}

window.addEventListener('hashchange', route);

document.getElementById('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const user = document.getElementById('login-user').value;
  const password = document.getElementById('login-password').value;
  const button = document.getElementById('login-submit');
  button.disabled = true;
  try {
    const me = await api.login(user, password);
    document.getElementById('login-password').value = '';
    await afterLogin(me);
  } catch (e) {
    document.getElementById('login-error').textContent =
      e.status === 429 ? 'Too many attempts: wait a minute.' : 'Wrong user name or password.';
  } finally {
    button.disabled = false;
  }
});
// Escape must not close the login dialog into a dead page.
document.getElementById('login-dialog').addEventListener('cancel', (ev) => ev.preventDefault());

document.getElementById('logout').addEventListener('click', async () => {
  await api.logout();
  state.stream.close();
  state.user = null;
  if (state.view && state.view.destroy) state.view.destroy();
  clear(document.getElementById('view'));
  showLogin();
});

api.setLoggedOutHandler(() => {
  state.user = null;
  state.stream.close();
  showLogin('Your session ended: log in again.');
});

state.stream.onState((s) => {
  const dot = document.getElementById('conn-dot');
  dot.className = 'dot ' + (s === 'online' ? 'on' : s === 'connecting' ? 'wait' : 'off');
  document.getElementById('conn-text').textContent = s;
});
state.stream.on((m) => {
  if (m.topic === 'status' || m.topic === 'snapshot') {
    const t = m.data && m.data.updated_ms;
    if (t) state.lastUpdate = Math.max(state.lastUpdate, t);
  }
});
setInterval(() => {
  document.getElementById('last-update').textContent = ago(state.lastUpdate);
}, 1000);

// A reload keeps the user logged in through the refresh cookie.
(async () => {
  try {
    await api.refresh();
    await afterLogin(await api.me());
  } catch {
    showLogin();
  }
})();
