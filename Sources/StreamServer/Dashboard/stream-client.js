// stream-client.js: a browser (and Node) client for the streamd wire protocol.
//
// The JS counterpart of the original `useWebSocket` hook and of the Swift
// client: auto-reconnect with exponential backoff and full jitter, resume
// with `since` so nothing is lost or duplicated across a reconnect, an
// application-level ping heartbeat, and a bounded message history.
//
//   const client = new StreamClient({url, token, channelsFromWelcome: true});
//   client.on('message', (m) => ...);   // {type, channel, seq, epoch, timestamp, data}
//   client.on('state', (s) => ...);     // {state, attempt, delayMs, reason, code}
//   client.on('recovery_failed', (f) => ...); // {channel, reason, epoch, last_seq, replay_from, ...}
//   client.on('epoch_change', (c) => ...);    // {channel, oldEpoch, newEpoch, lastSeq}
//   client.connect();
//   ...
//   client.close();
//
// States: 'idle' → 'connecting' → 'open' (upgraded, waiting for welcome) →
// 'connected' (welcome received) → 'reconnecting' (delayMs until the next
// attempt) → ... ; 'closed' when close() was called or retrying stopped
// (reason says why).
//
// Positions are (epoch, seq) per channel (wire format 1.1). A message whose
// epoch differs from the stored one is new — the channel's numbering started
// over — and is delivered, never dropped as "already seen"; the change is
// reported once ('epoch_change', and a 'recovery_failed' with reason
// 'epoch_changed' when the server did not send one first). On reconnect the
// client resubscribes with `since`: {seq, epoch} per exact channel and, per
// wildcard, {after, seqs} so channels born while it was away are replayed.
// Against a server that sends no epochs it falls back to bare seqs.
//
// Authentication: in a browser the token travels as the subprotocol
// `bearer.<JWT>` next to `stream.v1`; under Node.js (with the `ws` package,
// Debian's node-ws) in an `Authorization: Bearer` header. It is never put in
// the URL and never logged by this module.
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
// The server's limits.max_recovery_channels (default 1000): more `seqs` in
// one wildcard entry is a bad_request. Channels left out are still recovered
// from `after`, and what that replays twice is dropped here by position.
const MAX_RECOVERY_SEQS = 1000;
const IS_NODE = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
let nodeWebSocket = null;

/**
 * Node.js: the `ws` package — from node_modules or NODE_PATH, else where
 * Debian's node-ws puts it (/usr/share/nodejs). Its constructor accepts the
 * headers a browser WebSocket cannot set.
 */
export async function loadNodeWebSocket() {
  if (nodeWebSocket) return nodeWebSocket;
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  let ws;
  try {
    ws = require('ws');
  } catch (_) {
    ws = require('/usr/share/nodejs/ws');
  }
  nodeWebSocket = ws.WebSocket || ws;
  return nodeWebSocket;
}

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
    this.WebSocketImpl = o.WebSocketImpl || null; // null: the browser's, or ws under Node
    this.ca = o.ca;                                // Node: PEM of the CA to trust
    this.wsOptions = o.wsOptions || {};            // Node: more options for ws
    this._setTimeout = o.setTimeout || ((fn, ms) => globalThis.setTimeout(fn, ms));
    this._clearTimeout = o.clearTimeout || ((id) => globalThis.clearTimeout(id));
    this._now = o.now || (() => Date.now());
    this._random = o.random || Math.random;

    this.state = 'idle';
    this.isConnected = false;
    this.lastMessage = null;
    this.messageHistory = [];
    this.welcome = null;
    this.positions = new Map();        // exact channel → {epoch, seq} last delivered
    this.after = new Map();            // wildcard pattern → latest timestamp seen under it
    this.epochsSeen = false;           // the server speaks wire format 1.1
    this.subscribedAt = null;          // timestamp of the last `subscribed`
    this.patterns = [];                // what the last subscribe asked for
    this.subscribed = [];              // channels granted by the last `subscribed`
    this.denied = [];
    this.recoveryFailures = [];
    this.epochChanges = [];

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
    if (typeof o.onRecoveryFailed === 'function') this.on('recovery_failed', o.onRecoveryFailed);
    if (typeof o.onEpochChange === 'function') this.on('epoch_change', o.onEpochChange);
  }

  /** Last seq delivered per channel (a view of `positions`, for older callers). */
  get lastSeq() {
    return new Map([...this.positions].map(([channel, p]) => [channel, p.seq]));
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
    if (!this.WebSocketImpl && (IS_NODE || !globalThis.WebSocket)) {
      // Node.js: load the ws package once, then connect.
      this._setState('connecting');
      loadNodeWebSocket().then((impl) => {
        this.WebSocketImpl = impl;
        if (!this._stopped && !this._ws) this._open();
      }, (err) => {
        this._stopped = true;
        this._emit('error', { kind: 'socket', error: err });
        this._setState('closed', { reason: 'no_websocket', detail: String(err && err.message) });
      });
      return;
    }
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
    const Impl = this.WebSocketImpl || globalThis.WebSocket;
    // The ws package (loaded here or passed in; it has terminate(), browsers'
    // WebSocket has not) takes headers: the token goes in Authorization.
    const nodeWs = Impl === nodeWebSocket || typeof Impl?.prototype?.terminate === 'function';
    let ws;
    this._setState('connecting');
    try {
      if (nodeWs) {
        const headers = { ...(this.wsOptions.headers || {}), Authorization: 'Bearer ' + this.token };
        const options = { ...this.wsOptions, headers };
        if (this.ca !== undefined) options.ca = this.ca;
        ws = new Impl(this.url, ['stream.v1'], options);
      } else {
        ws = new Impl(this.url, ['stream.v1', 'bearer.' + this.token]);
      }
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
    let status = null; // Node (ws) tells the HTTP status of a refused upgrade
    ws.onerror = (event) => {
      if (this._ws !== ws) return;
      const m = /Unexpected server response: (\d+)/.exec(String(event?.message ?? event?.error?.message ?? ''));
      if (m) status = Number(m[1]);
      // The close event follows and decides what happens next.
      this._emit('error', { kind: 'socket', opened, status });
    };
    ws.onclose = (event) => {
      if (this._ws !== ws) return;
      this._ws = null;
      this._stopHeartbeat();
      this._afterClose({ code: event.code, reason: event.reason || '', opened, status });
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

  _afterClose({ code, reason, opened, status = null }) {
    const wasWelcomed = this._connectedAt !== null;
    if (wasWelcomed && this._now() - this._connectedAt >= this.stableMs) this._attempt = 0;
    this._connectedAt = null;
    this.isConnected = false;
    if (this._stopped) return;

    if (status === 401 || status === 403) {
      this._stopped = true;
      this._setState('closed', { reason: status === 401 ? 'unauthorized' : 'forbidden', code, status });
      return;
    }

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
        // Granted and denied accumulate over the session's subscribe answers.
        this.subscribed = [...new Set([...this.subscribed, ...(Array.isArray(msg.data?.channels) ? msg.data.channels : [])])];
        this.denied = [...this.denied, ...(Array.isArray(msg.data?.denied) ? msg.data.denied : [])];
        if (typeof msg.timestamp === 'string') this.subscribedAt = msg.timestamp;
        this._emit('subscribed', { ...(msg.data || {}), id: msg.id });
        return;
      case 'unsubscribed': {
        const gone = Array.isArray(msg.data?.channels) ? msg.data.channels : [];
        this.subscribed = this.subscribed.filter((c) => !gone.includes(c));
        this._emit('unsubscribed', { ...(msg.data || {}), id: msg.id });
        return;
      }
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
      if (!this._accept(msg)) return; // already delivered (replay overlap after a reconnect)
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
    this.subscribed = [];
    this.denied = [];
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
   * Records a stream message's position; false when it was already delivered.
   * A message of another epoch is new: the change is reported, and, unless a
   * `recovery_failed` said so first, also as one (the old epoch's tail may
   * be lost).
   */
  _accept(msg) {
    const epoch = typeof msg.epoch === 'string' ? msg.epoch : null;
    if (epoch !== null) this.epochsSeen = true;
    for (const pattern of this.patterns) {
      if (pattern.endsWith('*') && matches(pattern, msg.channel) && typeof msg.timestamp === 'string'
          && msg.timestamp > (this.after.get(pattern) ?? '')) {
        this.after.set(pattern, msg.timestamp);
      }
    }
    const current = this.positions.get(msg.channel);
    if (!current) {
      this.positions.set(msg.channel, { epoch, seq: msg.seq });
      return true;
    }
    if (epoch !== null && current.epoch !== null && epoch !== current.epoch) {
      const change = { channel: msg.channel, oldEpoch: current.epoch, newEpoch: epoch, lastSeq: current.seq };
      this.positions.set(msg.channel, { epoch, seq: msg.seq });
      this._epochChanged(change);
      this._reportRecoveryFailed({
        channel: msg.channel, reason: 'epoch_changed', since: change.lastSeq, since_epoch: change.oldEpoch,
        epoch, last_seq: null, replay_from: msg.seq, detected: 'message',
      });
      return true;
    }
    if (msg.seq <= current.seq) return false;
    current.seq = msg.seq;
    if (current.epoch === null) current.epoch = epoch;
    return true;
  }

  /**
   * The subscribe operation for `patterns`, resuming what was seen so far.
   * Wire format 1.1 (once the server has shown an epoch): {seq, epoch} per
   * exact channel, {after, seqs} per wildcard. Before that: a bare seq per
   * exact channel, and a channel seen under a wildcard named in the request
   * (that server applies `since` only to channels named in it); a message
   * matching several subscriptions is still delivered once.
   */
  subscribeRequest(patterns) {
    const channels = [...new Set(patterns)];
    this.patterns = channels.slice();
    const since = {};
    const resumable = [...this.positions].filter(([channel]) => this.resumeChannel(channel));
    if (this.epochsSeen) {
      for (const pattern of channels) {
        if (pattern.endsWith('*')) {
          if (!this.resumeChannel(pattern.slice(0, -1))) continue;
          const seqs = {};
          const listed = resumable.filter(([channel, p]) => matches(pattern, channel) && p.epoch !== null)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_RECOVERY_SEQS);
          for (const [channel, p] of listed) seqs[channel] = { seq: p.seq, epoch: p.epoch };
          const seen = this.after.get(pattern) ?? '';
          const after = seen > (this.subscribedAt ?? '') ? seen : (this.subscribedAt ?? '');
          // The server needs `after`; there is one once anything was subscribed.
          if (after) since[pattern] = { after, seqs };
        } else {
          const p = this.positions.get(pattern);
          if (p && this.resumeChannel(pattern)) since[pattern] = p.epoch !== null ? { seq: p.seq, epoch: p.epoch } : p.seq;
        }
      }
    } else {
      for (const [channel, p] of resumable) {
        if (!patterns.some((pattern) => matches(pattern, channel))) continue;
        if (!channels.includes(channel)) {
          if (channels.length >= MAX_CHANNELS_PER_REQUEST) continue;
          channels.push(channel);
        }
        since[channel] = p.seq;
      }
    }
    const op = { type: 'subscribe', channels };
    if (Object.keys(since).length > 0) op.since = since;
    return op;
  }

  /** Subscribes to more channels on the live session (kept for reconnects). */
  subscribe(channels) {
    const list = channels.filter((c) => !this.patterns.includes(c));
    this.channels = [...(this.channels || this.patterns), ...list];
    this.channelsFromWelcome = false;
    if (list.length === 0) return null;
    const op = this.subscribeRequest(list);
    this.patterns = [...new Set([...this.channels])];
    return this.send(op);
  }

  /** Unsubscribes on the live session (and for later reconnects). */
  unsubscribe(channels) {
    this.channels = (this.channels || this.patterns).filter((c) => !channels.includes(c));
    this.patterns = this.patterns.filter((c) => !channels.includes(c));
    this.channelsFromWelcome = false;
    return this.send({ type: 'unsubscribe', channels });
  }

  _onRecoveryFailed(msg) {
    const d = msg.data || {};
    const channel = typeof d.channel === 'string' ? d.channel : null;
    const current = channel ? this.positions.get(channel) : undefined;
    if (channel && typeof d.epoch === 'string') {
      // Wire format 1.1: messages resume at replay_from of the current epoch
      // (null: none follow; the position moves to last_seq).
      this.epochsSeen = true;
      const seq = Number.isInteger(d.replay_from) ? d.replay_from - 1 : (Number.isInteger(d.last_seq) ? d.last_seq : null);
      if (seq !== null) this.positions.set(channel, { epoch: d.epoch, seq });
      if (current && current.epoch !== null && current.epoch !== d.epoch) {
        this._epochChanged({ channel, oldEpoch: current.epoch, newEpoch: d.epoch, lastSeq: current.seq });
      }
    } else if (channel && d.reason === 'epoch_changed') {
      this.positions.delete(channel); // the new numbering has no message yet
    } else if (channel && current && Number.isInteger(d.last_seq) && d.last_seq < current.seq) {
      // A server before 1.1 whose numbering restarted below what we saw.
      current.seq = d.last_seq;
    }
    this._reportRecoveryFailed(d);
  }

  _reportRecoveryFailed(data) {
    this.recoveryFailures.push(data);
    if (this.recoveryFailures.length > this.historyLimit) this.recoveryFailures.shift();
    this._emit('recovery_failed', data);
  }

  _epochChanged(change) {
    this.epochChanges.push(change);
    if (this.epochChanges.length > this.historyLimit) this.epochChanges.shift();
    this._emit('epoch_change', change);
  }
}

/** Whether subscription `pattern` (exact, or ending in `*`) covers `channel`. */
export function matches(pattern, channel) {
  if (pattern.endsWith('*')) return channel.startsWith(pattern.slice(0, -1));
  return pattern === channel;
}
