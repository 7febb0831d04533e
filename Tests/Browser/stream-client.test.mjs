// Unit tests for the dashboard's StreamClient, with Node's built-in runner:
//   node --test Tests/Browser/
// No npm packages: a fake WebSocket and fake timers are defined here and
// injected through the constructor, so every test is deterministic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamClient, matches } from '../../Sources/StreamServer/Dashboard/stream-client.js';

class FakeClock {
  constructor() {
    this.t = 1_000_000;
    this.timers = new Map();
    this.nextId = 1;
  }
  now = () => this.t;
  setTimeout = (fn, ms) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn, ms });
    return id;
  };
  clearTimeout = (id) => {
    this.timers.delete(id);
  };
  /** Delays of the timers now pending, soonest first. */
  pending() {
    return [...this.timers.values()].sort((a, b) => a.at - b.at).map((x) => x.ms);
  }
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (next === null || timer.at < next[1].at)) next = [id, timer];
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

function fakeSocketClass() {
  class FakeWebSocket {
    static instances = [];
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      FakeWebSocket.instances.push(this);
    }
    send(text) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      this.sent.push(JSON.parse(text));
    }
    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 2;
    }
    // Server side of the fake:
    open() {
      this.readyState = 1;
      this.protocol = 'stream.v1';
      this.onopen?.({});
    }
    receive(obj) {
      this.onmessage?.({ data: JSON.stringify(obj) });
    }
    serverClose(code, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason, wasClean: code !== 1006 });
    }
    failUpgrade() {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
    }
  }
  return FakeWebSocket;
}

const WELCOME_CHANNELS = ['tick:*', 'signal:*', 'idea:*', 'order:demo-1', 'payload:demo-1'];

function welcome(channels = WELCOME_CHANNELS) {
  return {
    type: 'welcome',
    timestamp: '2026-01-01T00:00:00.000Z',
    data: { session: 's-1', subject: 'demo-1', expires_at: '2026-01-01T01:00:00Z', heartbeat_s: 30, channels },
  };
}

function streamMessage(channel, seq, data = {}) {
  const kind = channel.split(':')[0];
  const type = { order: 'order_update', payload: 'prepared_payload' }[kind] || kind;
  return { type, channel, seq, timestamp: '2026-01-01T00:00:00.000Z', data };
}

function setup(extra = {}) {
  const clock = new FakeClock();
  const WS = fakeSocketClass();
  const client = new StreamClient({
    url: 'wss://127.0.0.1:8443/ws',
    token: 'eyJ.test.token',
    channelsFromWelcome: true,
    heartbeatMs: 15000,
    WebSocketImpl: WS,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    now: clock.now,
    random: () => 0.5,
    ...extra,
  });
  const states = [];
  client.on('state', (s) => states.push(s));
  const messages = [];
  client.on('message', (m) => messages.push(m));
  return { clock, WS, client, states, messages };
}

test('the token travels as the bearer subprotocol, never in the URL', () => {
  const { WS, client, states } = setup();
  client.connect();
  assert.equal(WS.instances.length, 1);
  const ws = WS.instances[0];
  assert.deepEqual(ws.protocols, ['stream.v1', 'bearer.eyJ.test.token']);
  assert.equal(ws.url, 'wss://127.0.0.1:8443/ws');
  assert.ok(!ws.url.includes('token'));
  assert.equal(states.at(-1).state, 'connecting');
  assert.equal(client.isConnected, false);
});

test('after welcome it subscribes to the welcome channels and is connected', () => {
  const { WS, client, states } = setup();
  let welcomed = null;
  client.on('welcome', (w) => (welcomed = w));
  client.connect();
  const ws = WS.instances[0];
  ws.open();
  assert.equal(client.isConnected, false, 'not connected before welcome');
  ws.receive(welcome());
  assert.equal(client.isConnected, true);
  assert.equal(states.at(-1).state, 'connected');
  assert.equal(welcomed.subject, 'demo-1');
  assert.equal(ws.sent.length, 1);
  assert.equal(ws.sent[0].type, 'subscribe');
  assert.deepEqual(ws.sent[0].channels, WELCOME_CHANNELS);
  assert.equal(ws.sent[0].since, undefined, 'nothing seen yet, no since');
  assert.ok(ws.sent[0].id !== undefined);
});

test('an explicit channel list is used instead of welcome when given', () => {
  const { WS, client } = setup({ channels: ['tick:EURUSD'], channelsFromWelcome: false });
  client.connect();
  WS.instances[0].open();
  WS.instances[0].receive(welcome());
  assert.deepEqual(WS.instances[0].sent[0].channels, ['tick:EURUSD']);
});

test('messages: lastMessage, bounded messageHistory, duplicates dropped', () => {
  const { WS, client, messages } = setup({ historyLimit: 3 });
  client.connect();
  const ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  for (let seq = 1; seq <= 5; seq++) ws.receive(streamMessage('signal:EURUSD', seq, { n: seq }));
  ws.receive(streamMessage('signal:EURUSD', 4)); // duplicate
  ws.receive(streamMessage('signal:EURUSD', 2)); // old
  assert.equal(messages.length, 5);
  assert.equal(client.lastMessage.seq, 5);
  assert.deepEqual(client.messageHistory.map((m) => m.seq), [3, 4, 5]);
});

test('reconnect resubscribes with since per exact channel and drops the replay overlap', () => {
  const { clock, WS, client, messages } = setup();
  client.connect();
  let ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  ws.receive(streamMessage('signal:EURUSD', 7));
  ws.receive(streamMessage('signal:GBPUSD', 3));
  ws.receive(streamMessage('order:demo-1', 12));
  ws.receive(streamMessage('tick:EURUSD', 40, { bid: 1.1 }));
  assert.equal(messages.length, 4);

  ws.serverClose(1006);
  assert.equal(client.isConnected, false);
  assert.equal(client.state, 'reconnecting');
  clock.advance(30000);
  assert.equal(WS.instances.length, 2, 'a new socket after the backoff delay');
  ws = WS.instances[1];
  assert.deepEqual(ws.protocols, ['stream.v1', 'bearer.eyJ.test.token']);
  ws.open();
  ws.receive(welcome());
  const sub = ws.sent[0];
  assert.equal(sub.type, 'subscribe');
  // Patterns from welcome, plus every resumed exact channel by name (the
  // server applies since only to channels named in the request).
  assert.deepEqual(sub.channels, [...WELCOME_CHANNELS, 'signal:EURUSD', 'signal:GBPUSD']);
  assert.deepEqual(sub.since, { 'signal:EURUSD': 7, 'signal:GBPUSD': 3, 'order:demo-1': 12 });
  assert.equal(sub.since['tick:EURUSD'], undefined, 'ticks take the snapshot, not a replay');

  // Replay overlaps what was already seen: the overlap is dropped.
  ws.receive(streamMessage('signal:EURUSD', 6));
  ws.receive(streamMessage('signal:EURUSD', 7));
  ws.receive(streamMessage('signal:EURUSD', 8));
  ws.receive(streamMessage('order:demo-1', 12));
  ws.receive(streamMessage('order:demo-1', 13));
  ws.receive(streamMessage('tick:EURUSD', 40)); // snapshot of the same tick
  ws.receive(streamMessage('tick:EURUSD', 41));
  const after = messages.slice(4).map((m) => `${m.channel}#${m.seq}`);
  assert.deepEqual(after, ['signal:EURUSD#8', 'order:demo-1#13', 'tick:EURUSD#41']);
});

test('recovery_failed is reported, and a reset channel is accepted again', () => {
  const { clock, WS, client, messages } = setup();
  const failures = [];
  client.on('recovery_failed', (f) => failures.push(f));
  client.connect();
  WS.instances[0].open();
  WS.instances[0].receive(welcome());
  WS.instances[0].receive(streamMessage('signal:EURUSD', 50));
  WS.instances[0].serverClose(1001);
  clock.advance(30000);
  const ws = WS.instances[1];
  ws.open();
  ws.receive(welcome());
  ws.receive({ type: 'recovery_failed', timestamp: 't', data: { channel: 'signal:EURUSD', since: 50, last_seq: 2, reason: 'history_unavailable' } });
  assert.equal(failures.length, 1);
  assert.equal(failures[0].reason, 'history_unavailable');
  ws.receive(streamMessage('signal:EURUSD', 3));
  assert.equal(messages.at(-1).seq, 3, 'the restarted channel numbering is followed');
});

test('backoff grows exponentially with full jitter, is capped, and resets after a stable session', () => {
  const { clock, WS, client, states } = setup({ random: () => 0.999999, maxFailedUpgrades: 1000 });
  client.connect();
  const delays = [];
  for (let i = 0; i < 9; i++) {
    WS.instances.at(-1).open(); // opened, so not counted as a refused upgrade
    WS.instances.at(-1).serverClose(1006);
    const s = states.at(-1);
    assert.equal(s.state, 'reconnecting');
    delays.push(s.delayMs);
    clock.advance(s.delayMs);
  }
  // ceilings: 500, 1000, 2000, ... capped at 30000 (random just under 1)
  assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
  assert.equal(WS.instances.length, 10);

  // Full jitter: the delay is random · ceiling.
  const jitter = setup({ random: () => 0.25 });
  jitter.client.connect();
  jitter.WS.instances[0].open();
  jitter.WS.instances[0].serverClose(1006);
  assert.equal(jitter.states.at(-1).delayMs, 125);

  // A session that stays up for 30 s resets the attempt counter.
  const ws = WS.instances.at(-1);
  ws.open();
  ws.receive(welcome());
  clock.advance(29000);
  ws.receive(streamMessage('tick:EURUSD', 1)); // keep the heartbeat happy
  clock.advance(1000);
  ws.serverClose(1006);
  assert.equal(states.at(-1).delayMs, 499, 'back to the initial delay');

  // A session shorter than 30 s does not.
  clock.advance(499);
  const short = WS.instances.at(-1);
  short.open();
  short.receive(welcome());
  clock.advance(5000);
  short.serverClose(1006);
  assert.equal(states.at(-1).delayMs, 999, 'still growing');
});

test('heartbeat: pings every heartbeatMs; silence after a ping reconnects', () => {
  const { clock, WS, client, states } = setup();
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.connect();
  const ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  clock.advance(15000);
  assert.deepEqual(ws.sent.map((m) => m.type), ['subscribe', 'ping']);
  const pingId = ws.sent[1].id;
  ws.receive({ type: 'pong', id: pingId, timestamp: 't', data: {} });
  clock.advance(15000);
  assert.deepEqual(ws.sent.map((m) => m.type), ['subscribe', 'ping', 'ping'], 'answered: next ping');
  assert.equal(client.isConnected, true);
  // No answer to the second ping within heartbeatMs.
  clock.advance(15000);
  assert.equal(ws.closedWith?.code, 4000, 'the dead socket is closed');
  assert.equal(client.isConnected, false);
  assert.ok(errors.some((e) => e.kind === 'heartbeat_timeout'));
  assert.equal(states.at(-1).state, 'reconnecting');
  clock.advance(states.at(-1).delayMs);
  assert.equal(WS.instances.length, 2, 're-established');
  // Any message counts as an answer, not only pong.
  const ws2 = WS.instances[1];
  ws2.open();
  ws2.receive(welcome());
  clock.advance(15000);
  ws2.receive(streamMessage('tick:EURUSD', 1));
  clock.advance(15000);
  assert.equal(ws2.closedWith, null);
  assert.equal(WS.instances.length, 2);
});

for (const [code, reason] of [[4001, 'token_expired'], [4003, 'permission_withdrawn']]) {
  test(`close ${code} stops retrying (${reason})`, () => {
    const { clock, WS, client, states } = setup();
    client.connect();
    WS.instances[0].open();
    WS.instances[0].receive(welcome());
    WS.instances[0].serverClose(code, 'bye');
    assert.equal(states.at(-1).state, 'closed');
    assert.equal(states.at(-1).reason, reason);
    assert.equal(states.at(-1).code, code);
    clock.advance(10 * 60 * 1000);
    assert.equal(WS.instances.length, 1, 'no new connection');
  });
}

test('an upgrade refused twice in a row (closed before open) stops retrying', () => {
  const s = setup();
  s.client.connect();
  s.WS.instances[0].failUpgrade();
  assert.equal(s.states.at(-1).state, 'reconnecting', 'one failure may be the network');
  s.clock.advance(s.states.at(-1).delayMs);
  assert.equal(s.WS.instances.length, 2);
  s.WS.instances[1].failUpgrade();
  assert.equal(s.states.at(-1).state, 'closed');
  assert.equal(s.states.at(-1).reason, 'upgrade_refused');
  s.clock.advance(10 * 60 * 1000);
  assert.equal(s.WS.instances.length, 2);
});

test('a welcome in between resets the refused-upgrade count', () => {
  const s = setup();
  s.client.connect();
  s.WS.instances[0].failUpgrade();
  s.clock.advance(s.states.at(-1).delayMs);
  s.WS.instances[1].open();
  s.WS.instances[1].receive(welcome());
  s.WS.instances[1].serverClose(1006);
  s.clock.advance(s.states.at(-1).delayMs);
  s.WS.instances[2].failUpgrade();
  assert.equal(s.states.at(-1).state, 'reconnecting');
});

test('close() stops everything; connect() starts again', () => {
  const { clock, WS, client, states } = setup();
  client.connect();
  WS.instances[0].open();
  WS.instances[0].receive(welcome());
  client.close();
  assert.equal(WS.instances[0].closedWith.code, 1000);
  assert.equal(states.at(-1).state, 'closed');
  assert.equal(states.at(-1).reason, 'client');
  assert.equal(client.isConnected, false);
  clock.advance(10 * 60 * 1000);
  assert.equal(WS.instances.length, 1);
  assert.equal(clock.timers.size, 0, 'no timers left behind');
  client.connect();
  assert.equal(WS.instances.length, 2);
});

test('non-JSON input is reported as an error, not thrown', () => {
  const { WS, client } = setup();
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.connect();
  WS.instances[0].open();
  WS.instances[0].onmessage({ data: 'not json' });
  assert.equal(errors[0].kind, 'parse');
});

test('matches: exact and trailing-wildcard patterns', () => {
  assert.ok(matches('tick:*', 'tick:EURUSD'));
  assert.ok(matches('tick:EUR*', 'tick:EURUSD'));
  assert.ok(!matches('tick:EUR*', 'tick:GBPUSD'));
  assert.ok(matches('order:demo-1', 'order:demo-1'));
  assert.ok(!matches('order:demo-1', 'order:demo-10'));
});

// --- wire format 1.1: epochs and wildcard recovery --------------------------

function epochMessage(channel, seq, epoch, timestamp = '2026-12-06T21:00:00.000Z', data = {}) {
  return { ...streamMessage(channel, seq, data), epoch, timestamp };
}

test('with epochs, since carries {seq, epoch} per channel and {after, seqs} per wildcard', () => {
  const { clock, WS, client } = setup();
  client.connect();
  let ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  ws.receive({ type: 'subscribed', id: 1, timestamp: '2026-12-06T20:59:59.000Z', data: { channels: WELCOME_CHANNELS, denied: [] } });
  ws.receive(epochMessage('signal:EURUSD', 7, 'e1', '2026-12-06T21:00:01.000Z'));
  ws.receive(epochMessage('signal:GBPUSD', 3, 'e2', '2026-12-06T21:00:02.000Z'));
  ws.receive(epochMessage('order:demo-1', 12, 'e3', '2026-12-06T21:00:03.000Z'));
  ws.receive(epochMessage('tick:EURUSD', 40, 'e4', '2026-12-06T21:00:04.000Z'));
  ws.serverClose(1001);
  clock.advance(30000);
  ws = WS.instances[1];
  ws.open();
  ws.receive(welcome());
  const sub = ws.sent[0];
  assert.deepEqual(sub.channels, WELCOME_CHANNELS, 'wildcards are resumed as such: no channel added by name');
  // tick:* is not resumed (the latest price comes on subscribe); idea:* saw
  // nothing, so it resumes from the time of the last subscription;
  // payload:demo-1 saw nothing and has no position.
  assert.deepEqual(sub.since, {
    'signal:*': { after: '2026-12-06T21:00:02.000Z',
      seqs: { 'signal:EURUSD': { seq: 7, epoch: 'e1' }, 'signal:GBPUSD': { seq: 3, epoch: 'e2' } } },
    'idea:*': { after: '2026-12-06T20:59:59.000Z', seqs: {} },
    'order:demo-1': { seq: 12, epoch: 'e3' },
  });
});

test('a message of another epoch is delivered, and the change reported once', () => {
  const { WS, client, messages } = setup();
  const changes = [];
  const failures = [];
  client.on('epoch_change', (c) => changes.push(c));
  client.on('recovery_failed', (f) => failures.push(f));
  client.connect();
  const ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  for (let seq = 1; seq <= 5; seq++) ws.receive(epochMessage('signal:EURUSD', seq, 'old'));
  ws.receive(epochMessage('signal:EURUSD', 1, 'new'));
  ws.receive(epochMessage('signal:EURUSD', 2, 'new'));
  ws.receive(epochMessage('signal:EURUSD', 2, 'new')); // a real duplicate
  assert.deepEqual(messages.map((m) => `${m.epoch}#${m.seq}`), ['old#1', 'old#2', 'old#3', 'old#4', 'old#5', 'new#1', 'new#2']);
  assert.deepEqual(changes, [{ channel: 'signal:EURUSD', oldEpoch: 'old', newEpoch: 'new', lastSeq: 5 }]);
  assert.equal(failures.length, 1);
  assert.equal(failures[0].reason, 'epoch_changed');
  assert.equal(failures[0].replay_from, 1);
});

test('recovery_failed epoch_changed moves the position to replay_from, without a second report', () => {
  const { clock, WS, client, messages } = setup({
    onEpochChange: (c) => changes.push(c),
    onRecoveryFailed: (f) => failures.push(f),
  });
  const changes = [];
  const failures = [];
  client.connect();
  WS.instances[0].open();
  WS.instances[0].receive(welcome());
  WS.instances[0].receive(epochMessage('order:demo-1', 41, 'E1'));
  WS.instances[0].serverClose(1001);
  clock.advance(30000);
  const ws = WS.instances[1];
  ws.open();
  ws.receive(welcome());
  assert.deepEqual(ws.sent[0].since['order:demo-1'], { seq: 41, epoch: 'E1' });
  ws.receive({ type: 'recovery_failed', timestamp: 't', data: { channel: 'order:demo-1', reason: 'epoch_changed',
    since: 41, since_epoch: 'E1', epoch: 'E2', last_seq: 3, replay_from: 1 } });
  for (let seq = 1; seq <= 3; seq++) ws.receive(epochMessage('order:demo-1', seq, 'E2'));
  assert.deepEqual(messages.map((m) => `${m.epoch}#${m.seq}`), ['E1#41', 'E2#1', 'E2#2', 'E2#3']);
  assert.deepEqual(changes, [{ channel: 'order:demo-1', oldEpoch: 'E1', newEpoch: 'E2', lastSeq: 41 }]);
  assert.equal(failures.length, 1, 'the notice is reported; the messages that follow are not a second change');
  assert.deepEqual(client.positions.get('order:demo-1'), { epoch: 'E2', seq: 3 });
});

test('recovery_failed with replay_from null moves the position to last_seq', () => {
  const { clock, WS, client } = setup();
  client.connect();
  WS.instances[0].open();
  WS.instances[0].receive(welcome());
  WS.instances[0].receive(epochMessage('order:demo-1', 5, 'E1'));
  WS.instances[0].receive({ type: 'recovery_failed', timestamp: 't', data: { channel: 'order:demo-1',
    reason: 'history_unavailable', epoch: 'E1', last_seq: 90, replay_from: null } });
  WS.instances[0].serverClose(1001);
  clock.advance(30000);
  WS.instances[1].open();
  WS.instances[1].receive(welcome());
  assert.deepEqual(WS.instances[1].sent[0].since['order:demo-1'], { seq: 90, epoch: 'E1' });
});

test('subscribe() and unsubscribe() on a live session, remembered for reconnects', () => {
  const { clock, WS, client } = setup({ channels: ['tick:EURUSD'], channelsFromWelcome: false });
  client.connect();
  let ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  client.subscribe(['order:demo-1', 'tick:EURUSD']);
  assert.deepEqual(ws.sent[1].channels, ['order:demo-1']);
  client.unsubscribe(['tick:EURUSD']);
  assert.deepEqual(ws.sent[2], { type: 'unsubscribe', channels: ['tick:EURUSD'], id: ws.sent[2].id });
  ws.serverClose(1006);
  clock.advance(30000);
  ws = WS.instances[1];
  ws.open();
  ws.receive(welcome());
  assert.deepEqual(ws.sent[0].channels, ['order:demo-1']);
});

test('a wildcard lists at most 1000 seqs (the server refuses more); the rest resume from after', () => {
  const { clock, WS, client, messages } = setup({ channels: ['signal:*'], channelsFromWelcome: false });
  client.connect();
  let ws = WS.instances[0];
  ws.open();
  ws.receive(welcome());
  for (let n = 0; n < 1005; n++) ws.receive(epochMessage(`signal:S${String(n).padStart(4, '0')}`, 1, 'e', '2026-12-06T21:00:01.000Z'));
  ws.serverClose(1001);
  clock.advance(30000);
  ws = WS.instances[1];
  ws.open();
  ws.receive(welcome());
  const entry = ws.sent[0].since['signal:*'];
  assert.equal(Object.keys(entry.seqs).length, 1000);
  assert.equal(entry.after, '2026-12-06T21:00:01.000Z');
  ws.receive(epochMessage('signal:S1004', 1, 'e', '2026-12-06T21:00:01.000Z')); // replayed from after: seen already
  assert.equal(messages.length, 1005);
});
