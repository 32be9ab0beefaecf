// The REST client. The access token lives in memory only; a reload gets a new one from the
// HttpOnly refresh cookie (POST /auth/refresh), so no token is ever kept in page storage. Every
// call sends the token as a header (state-changing requests need it: CSRF protection).

let accessToken = null;
let refreshTimer = null;
let onLoggedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setLoggedOutHandler(fn) { onLoggedOut = fn; }
export function token() { return accessToken; }

function keep(tokens) {
  accessToken = tokens.access_token;
  clearTimeout(refreshTimer);
  // Renew a minute before the access token expires.
  const ms = Math.max(10, (tokens.expires_in || 900) - 60) * 1000;
  refreshTimer = setTimeout(() => refresh().catch(() => onLoggedOut()), ms);
}

async function raw(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (accessToken) headers.Authorization = 'Bearer ' + accessToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch('/api/v1' + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) {
    const e = data && data.error ? data.error : { code: 'http_' + r.status, message: text || r.statusText };
    throw new ApiError(r.status, e.code, e.message);
  }
  return data;
}

export async function login(username, password) {
  const tokens = await raw('POST', '/auth/login', { username, password });
  keep(tokens);
  return me();
}

export async function refresh() {
  const tokens = await raw('POST', '/auth/refresh', {});
  keep(tokens);
  return tokens;
}

export async function logout() {
  try { await raw('POST', '/auth/logout', {}); } catch { /* already gone */ }
  accessToken = null;
  clearTimeout(refreshTimer);
}

export function me() { return raw('GET', '/me'); }

async function call(method, path, body) {
  try {
    return await raw(method, path, body);
  } catch (e) {
    if (e.status === 401 && path !== '/auth/refresh') {
      try {
        await refresh();
        return await raw(method, path, body);
      } catch {
        onLoggedOut();
      }
    }
    throw e;
  }
}

export const get = (path) => call('GET', path);
export const post = (path, body = {}) => call('POST', path, body);
export const put = (path, body = {}) => call('PUT', path, body);
