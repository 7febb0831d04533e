// stream-client.js: a browser (and Node) client for the streamd wire protocol.
//
// The JS counterpart of the original `useWebSocket` hook and of the Swift
// client: auto-reconnect with exponential backoff and full jitter, resume
// with `since` so nothing is lost or duplicated across a reconnect, an
// application-level ping heartbeat, and a bounded message history.
//
//   const client = new StreamClient({url, token, channelsFromWelcome: true});
//   client.on('message', (m) => ...);   // {type, channel, seq, timestamp, data}
//   client.on('state', (s) => ...);     // {state, attempt, delayMs, reason, code}
//   client.connect();
//   ...
//   client.close();
//
// States: 'idle' → 'connecting' → 'open' (upgraded, waiting for welcome) →
// 'connected' (welcome received) → 'reconnecting' (delayMs until the next
// attempt) → ... ; 'closed' when close() was called or retrying stopped
// (reason says why).
//
// Authentication: the token travels as the subprotocol `bearer.<JWT>` next to
// `stream.v1`; it is never put in the URL and never logged by this module.
//
// Retrying stops on:
//  - close code 4001 (token expired) and 4003 (permission withdrawn);
//  - a refused upgrade. Browsers do not expose the HTTP status of a failed
//    WebSocket handshake (401/403 look exactly like a network failure: an
//    `error` then a `close` with code 1006 and no `open`). So after
//    `maxFailedUpgrades` (default 2) consecutive attempts that closed before
//    `open` with no welcome in between — each already separated by the
//    backoff delay — the client assumes the token or origin was refused and
//    stops with reason 'upgrade_refused'. A server that is down for longer
//    than that looks the same; the caller may call connect() again.

const DEFAULT_BACKOFF = Object.freeze({ initialMs: 500, factor: 2, maxMs: 30000 });
const STOP_CODES = new Set([4001, 4003]);
const MAX_CHANNELS_PER_REQUEST = 100;

export class StreamClient {
  constructor(options = {}) {
    const o = options;
    if (!o.url) throw new TypeError('StreamClient: url is required');
    this.url = o.url;
    this.token = o.token || '';
    this.channels = Array.isArray(o.channels) ? o.channels.slice() : null;
    this.channelsFromWelcome = o.channelsFromWelcome === true || !this.channels;
    this.heartbeatMs = o.heartbeatMs ?? 15000;
    this.backoff = { ...DEFAULT_BACKOFF, ...(o.backoff || {}) };
    this.stableMs = o.stableMs ?? 30000;
    this.historyLimit = o.historyLimit ?? 100;
    this.maxFailedUpgrades = o.maxFailedUpgrades ?? 2;
    // Which exact channels are resumed with `since` after a reconnect. Ticks
    // are conflated market data: a snapshot of the latest price (what the
    // server sends for a tick subscription without `since`) is what a screen
    // wants, not a replay of every missed quote.
    this.resumeChannel = o.resumeChannel || ((channel) => !channel.startsWith('tick:'));
    this.WebSocketImpl = o.WebSocketImpl || globalThis.WebSocket;
    this._setTimeout = o.setTimeout || ((fn, ms) => globalThis.setTimeout(fn, ms));
    this._clearTimeout = o.clearTimeout || ((id) => globalThis.clearTimeout(id));
    this._now = o.now || (() => Date.now());
    this._random = o.random || Math.random;

    this.state = 'idle';
    this.isConnected = false;
    this.lastMessage = null;
    this.messageHistory = [];
    this.welcome = null;
    this.lastSeq = new Map();          // exact channel → last seq delivered
    this.subscribed = [];              // channels granted by the last `subscribed`
    this.denied = [];

    this._listeners = new Map();
    this._ws = null;
    this._attempt = 0;                 // reconnect attempts since the last stable session
    this._failedUpgrades = 0;          // consecutive closes before open, no welcome
    this._connectedAt = null;
    this._stopped = true;
    this._retryTimer = null;
    this._heartbeatTimer = null;
    this._pingSentAt = null;
    this._lastReceivedAt = 0;
    this._nextId = 1;
  }

  // --- events -------------------------------------------------------------

  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    const set = this._listeners.get(event);
    if (set) set.delete(fn);
  }

  _emit(event, payload) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(payload);
      } catch (err) {
        if (event !== 'error') this._emit('error', { kind: 'listener', event, error: err });
      }
    }
  }

  _setState(state, extra = {}) {
    this.state = state;
    this.isConnected = state === 'connected';
    this._emit('state', { state, attempt: this._attempt, ...extra });
  }

  // --- lifecycle ----------------------------------------------------------

  /** Starts (or restarts) connecting. Resets the retry counters. */
  connect() {
    this._stopped = false;
    this._attempt = 0;
    this._failedUpgrades = 0;
    this._clearRetry();
    if (this._ws) this._dropSocket(1000, 'reconnect');
    this._open();
  }

  /** Closes the connection and stops retrying. */
  close(code = 1000, reason = 'client closed') {
    this._stopped = true;
    this._clearRetry();
    this._dropSocket(code, reason);
    this._setState('closed', { reason: 'client' });
  }

  /** Replaces the token used for the next connection attempt. */
  setToken(token) {
    this.token = token || '';
  }

  /** Sends a `refresh` with a new token on the live session. */
  refresh(token) {
    this.token = token || '';
    return this.send({ type: 'refresh', token: this.token });
  }

  /** Sends one client operation; returns its id, or null when not open. */
  send(op) {
    const ws = this._ws;
    if (!ws || ws.readyState !== 1) return null;
    const id = op.id ?? this._nextId++;
    ws.send(JSON.stringify({ ...op, id }));
    return id;
  }

  _open() {
    const protocols = ['stream.v1', 'bearer.' + this.token];
    let ws;
    this._setState('connecting');
    try {
      ws = new this.WebSocketImpl(this.url, protocols);
    } catch (err) {
      this._emit('error', { kind: 'socket', error: err });
      this._afterClose({ code: 1006, reason: 'constructor failed', opened: false });
      return;
    }
    this._ws = ws;
    let opened = false;
    ws.onopen = () => {
      if (this._ws !== ws) return;
      opened = true;
      this._lastReceivedAt = this._now();
      this._setState('open');
      this._startHeartbeat();
    };
    ws.onmessage = (event) => {
      if (this._ws !== ws) return;
      this._lastReceivedAt = this._now();
      this._receive(event.data);
    };
    ws.onerror = () => {
      if (this._ws !== ws) return;
      // The close event follows and decides what happens next.
      this._emit('error', { kind: 'socket', opened });
    };
    ws.onclose = (event) => {
      if (this._ws !== ws) return;
      this._ws = null;
      this._stopHeartbeat();
      this._afterClose({ code: event.code, reason: event.reason || '', opened });
    };
  }

  /** Detaches the current socket so its events no longer count, then closes it. */
  _dropSocket(code, reason) {
    const ws = this._ws;
    this._ws = null;
    this._stopHeartbeat();
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    try {
      if (ws.readyState === 0 || ws.readyState === 1) ws.close(code, reason);
    } catch (_) {
      /* closing a half-open socket may throw in some implementations */
    }
  }

  _afterClose({ code, reason, opened }) {
    const wasWelcomed = this._connectedAt !== null;
    if (wasWelcomed && this._now() - this._connectedAt >= this.stableMs) this._attempt = 0;
    this._connectedAt = null;
    this.isConnected = false;
    if (this._stopped) return;

    if (STOP_CODES.has(code)) {
      this._stopped = true;
      const why = code === 4001 ? 'token_expired' : 'permission_withdrawn';
      this._setState('closed', { reason: why, code, detail: reason });
      return;
    }
    if (!opened && !wasWelcomed) {
      this._failedUpgrades += 1;
      if (this._failedUpgrades >= this.maxFailedUpgrades) {
        this._stopped = true;
        this._setState('closed', { reason: 'upgrade_refused', code, detail: reason });
        return;
      }
    }
    this._scheduleReconnect({ code, reason });
  }

  /** Full jitter: a uniform delay in [0, min(maxMs, initialMs · factor^attempt)). */
  nextDelay() {
    const { initialMs, factor, maxMs } = this.backoff;
    const ceiling = Math.min(maxMs, initialMs * Math.pow(factor, this._attempt));
    return Math.floor(this._random() * ceiling);
  }

  _scheduleReconnect({ code, reason }) {
    const delayMs = this.nextDelay();
    this._attempt += 1;
    this._setState('reconnecting', { delayMs, code, reason });
    this._retryTimer = this._setTimeout(() => {
      this._retryTimer = null;
      if (!this._stopped) this._open();
    }, delayMs);
  }

  _clearRetry() {
    if (this._retryTimer !== null) this._clearTimeout(this._retryTimer);
    this._retryTimer = null;
  }

  // --- heartbeat ----------------------------------------------------------

  // Every heartbeatMs: if the previous ping got nothing at all back since it
  // was sent, the connection is dead — drop it and reconnect; otherwise send
  // the next ping.
  _startHeartbeat() {
    this._stopHeartbeat();
    this._pingSentAt = null;
    const beat = () => {
      this._heartbeatTimer = null;
      if (!this._ws) return;
      if (this._pingSentAt !== null && this._lastReceivedAt < this._pingSentAt) {
        this._emit('error', { kind: 'heartbeat_timeout' });
        this._dropSocket(4000, 'heartbeat timeout');
        this._afterClose({ code: 4000, reason: 'heartbeat timeout', opened: true });
        return;
      }
      this._pingSentAt = this._now();
      this.send({ type: 'ping' });
      this._heartbeatTimer = this._setTimeout(beat, this.heartbeatMs);
    };
    this._heartbeatTimer = this._setTimeout(beat, this.heartbeatMs);
  }

  _stopHeartbeat() {
    if (this._heartbeatTimer !== null) this._clearTimeout(this._heartbeatTimer);
    this._heartbeatTimer = null;
    this._pingSentAt = null;
  }

  // --- messages -----------------------------------------------------------

  _receive(raw) {
    let msg;
    try {
      msg = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch (err) {
      this._emit('error', { kind: 'parse', error: err });
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;

    switch (msg.type) {
      case 'welcome':
        return this._onWelcome(msg);
      case 'subscribed':
        this.subscribed = Array.isArray(msg.data?.channels) ? msg.data.channels : [];
        this.denied = Array.isArray(msg.data?.denied) ? msg.data.denied : [];
        this._emit('subscribed', msg.data || {});
        return;
      case 'pong':
        return;
      case 'recovery_failed':
        return this._onRecoveryFailed(msg);
      case 'error':
        this._emit('error', { kind: 'server', code: msg.data?.code ?? msg.data?.error, message: msg.data?.message, id: msg.id });
        return;
      default:
        break;
    }
    if (typeof msg.channel === 'string' && Number.isInteger(msg.seq)) {
      const last = this.lastSeq.get(msg.channel) ?? 0;
      if (msg.seq <= last) return; // already delivered (replay overlap after a reconnect)
      this.lastSeq.set(msg.channel, msg.seq);
      this.lastMessage = msg;
      this.messageHistory.push(msg);
      if (this.messageHistory.length > this.historyLimit) {
        this.messageHistory.splice(0, this.messageHistory.length - this.historyLimit);
      }
      this._emit('message', msg);
    } else {
      this._emit('control', msg);
    }
  }

  _onWelcome(msg) {
    const data = msg.data || {};
    this.welcome = data;
    this._connectedAt = this._now();
    this._failedUpgrades = 0;
    this._setState('connected', { session: data.session, subject: data.subject });
    this._emit('welcome', data);

    const patterns = this.channelsFromWelcome
      ? (Array.isArray(data.channels) ? data.channels : [])
      : this.channels;
    const request = this.subscribeRequest(patterns);
    if (request.channels.length > 0) this.send(request);
  }

  /**
   * The subscribe operation for `patterns`, resuming every exact channel seen
   * so far. The server applies `since` only to channels named in the same
   * request, so a channel seen under a wildcard (`signal:EURUSD` under
   * `signal:*`) is added to the list by name; a message matching several
   * subscriptions is still delivered once.
   */
  subscribeRequest(patterns) {
    const channels = [...new Set(patterns)];
    const since = {};
    for (const [channel, seq] of this.lastSeq) {
      if (!this.resumeChannel(channel)) continue;
      if (!patterns.some((p) => matches(p, channel))) continue;
      if (!channels.includes(channel)) {
        if (channels.length >= MAX_CHANNELS_PER_REQUEST) continue;
        channels.push(channel);
      }
      since[channel] = seq;
    }
    const op = { type: 'subscribe', channels };
    if (Object.keys(since).length > 0) op.since = since;
    return op;
  }

  _onRecoveryFailed(msg) {
    const d = msg.data || {};
    // The server's seq for this channel is behind what we saw: the channel
    // was reset (a restart of a non-durable stream). Accept its new numbering.
    if (typeof d.channel === 'string' && Number.isInteger(d.last_seq)) {
      const last = this.lastSeq.get(d.channel);
      if (last !== undefined && d.last_seq < last) this.lastSeq.set(d.channel, d.last_seq);
    }
    this._emit('recovery_failed', d);
  }
}

/** Whether subscription `pattern` (exact, or ending in `*`) covers `channel`. */
export function matches(pattern, channel) {
  if (pattern.endsWith('*')) return channel.startsWith(pattern.slice(0, -1));
  return pattern === channel;
}
