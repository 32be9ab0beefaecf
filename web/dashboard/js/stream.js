// The WebSocket stream (/api/v1/ws): authenticates with the first message, keeps the last
// sequence number and, after a dropped connection, reconnects and resumes from it (the server
// replays what was missed, or sends snapshots when too much was).

import { token } from './api.js';

export class Stream {
  constructor() {
    this.ws = null;
    this.lastSeq = new Map();  // session -> the last sequence number seen of it
    this.subscriptions = new Map();  // session -> topics
    this.handlers = new Set();
    this.stateHandlers = new Set();
    this.closed = false;
    this.retry = 500;
    this.state = 'offline';
  }

  on(fn) { this.handlers.add(fn); return () => this.handlers.delete(fn); }
  onState(fn) { this.stateHandlers.add(fn); fn(this.state); }

  setState(s) {
    this.state = s;
    for (const fn of this.stateHandlers) fn(s);
  }

  connect() {
    this.closed = false;
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws';
    const ws = new WebSocket(url);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: token() }));
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      if (m.type === 'hello') {
        this.retry = 500;
        this.setState('online');
        // Back after a drop: each subscription resumes after the last message seen of it.
        for (const [session, topics] of this.subscriptions) this.send(session, topics);
        return;
      }
      if (m.type === 'error' || m.type === 'pong') return;
      if (typeof m.seq === 'number') {
        const seen = this.lastSeq.get(m.session) || 0;
        if (m.seq <= seen && m.topic !== 'snapshot') return;  // already seen
        this.lastSeq.set(m.session, Math.max(seen, m.seq));
      }
      for (const fn of this.handlers) fn(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setState('offline');
      if (!this.closed) {
        const wait = Math.max(this.retry, (this.holdUntil || 0) - Date.now());
        setTimeout(() => this.connect(), wait);
        this.retry = Math.min(this.retry * 2, 8000);
      }
    };
  }

  send(session, topics) {
    const m = { type: 'subscribe', session, topics };
    if (this.lastSeq.has(session)) m.last_seq = this.lastSeq.get(session);
    this.ws.send(JSON.stringify(m));
  }

  // A fresh subscription starts with the session's snapshot.
  subscribe(session, topics = ['*']) {
    this.subscriptions.set(session, topics);
    this.lastSeq.delete(session);
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.state === 'online') {
      this.send(session, topics);
    }
  }

  unsubscribe(session) {
    this.subscriptions.delete(session);
    this.lastSeq.delete(session);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'unsubscribe', session }));
    }
  }

  // Drops the connection and stays away `ms` (tests use it to check that resume loses nothing).
  drop(ms = 0) {
    this.holdUntil = Date.now() + ms;
    if (this.ws) this.ws.close();
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }
}
