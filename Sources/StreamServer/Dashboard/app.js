// The streamd live dashboard. Served with a strict CSP (script-src 'self'):
// no inline scripts, no eval, no innerHTML — every value a publisher sent is
// written with textContent, so `<script>` in a field is shown as text.

import { StreamClient } from './stream-client.js';
import { OrderTicket } from './ticket.js';

const TOKEN_KEY = 'streamd.token';     // sessionStorage only: gone with the tab
const MAX_SIGNALS = 60;
const MAX_ORDERS = 60;
const MAX_IDEAS = 30;
const MAX_PAYLOADS = 40;

const $ = (id) => document.getElementById(id);

const ui = {
  form: $('auth-form'),
  token: $('token'),
  connect: $('connect'),
  disconnect: $('disconnect'),
  status: $('status'),
  statusText: $('status-text'),
  subject: $('subject'),
  session: $('session-id'),
  expires: $('expires'),
  prices: $('prices').tBodies[0],
  pricesCount: $('prices-count'),
  signals: $('signals').tBodies[0],
  orders: $('orders').tBodies[0],
  ideas: $('ideas'),
  payloads: $('payloads').tBodies[0],
  counters: $('counters'),
  notice: $('notice'),
};

const ticket = new OrderTicket();
let client = null;
let messageCount = 0;
let reconnectAt = null;
const priceRows = new Map();   // symbol → {row, cells, bid, ask, decimals}
const orderRows = new Map();   // order_id → row

// --- small DOM helpers -------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function td(text, className) {
  return el('td', className, text ?? '—');
}

function sideBadge(side) {
  const s = String(side ?? '').toLowerCase();
  const cell = el('td');
  cell.append(el('span', 'side ' + (s === 'buy' || s === 'sell' ? s : ''), s || '—'));
  return cell;
}

function setEmpty(id, isEmpty) {
  $(id).classList.toggle('hidden', !isEmpty);
}

/** Inserts `row` at the top of `body` and trims it to `max` rows. */
function prepend(body, row, max) {
  body.insertBefore(row, body.firstChild);
  while (body.children.length > max) body.removeChild(body.lastChild);
}

function restartAnimation(node, className) {
  node.classList.remove('flash-up', 'flash-down', 'new-row');
  void node.offsetWidth; // reflow, so the animation runs again
  node.classList.add(className);
}

/** HH:MM:SS.mmm (UTC), or HH:MM:SS with `seconds`. */
function utcTime(timestamp, seconds = false) {
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toISOString().slice(11, seconds ? 19 : 23);
}

/** A price with the decimals seen in that symbol's ticks (JSON drops trailing zeros). */
function price(symbol, value) {
  const n = num(value);
  if (n === null) return value ?? '—';
  const known = priceRows.get(String(symbol))?.decimals;
  return n.toFixed(Math.max(known ?? 0, decimalsOf(value)));
}

function volume(value) {
  const n = num(value);
  return n === null ? value ?? '—' : n.toFixed(2);
}

function num(value) {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

function decimalsOf(value) {
  const s = String(value);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : Math.min(8, s.length - dot - 1);
}

function fixed(value, decimals) {
  const n = num(value);
  return n === null ? '—' : n.toFixed(decimals);
}

function validUntil(msg) {
  const raw = msg.data?.valid_until ?? msg.valid_until;
  if (!raw) return null;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? null : t;
}

// --- status ------------------------------------------------------------------

const CLOSE_REASONS = {
  client: 'disconnected',
  token_expired: 'disconnected: token expired (4001)',
  permission_withdrawn: 'disconnected: permission withdrawn (4003)',
  upgrade_refused: 'disconnected: connection refused (token rejected, origin not allowed or server unreachable)',
};

function showState(s) {
  ui.status.dataset.state = s.state;
  reconnectAt = null;
  switch (s.state) {
    case 'connecting':
      ui.statusText.textContent = s.attempt > 0 ? `connecting (attempt ${s.attempt + 1})…` : 'connecting…';
      break;
    case 'open':
      ui.statusText.textContent = 'authenticating…';
      break;
    case 'connected':
      ui.statusText.textContent = 'connected';
      break;
    case 'reconnecting':
      reconnectAt = Date.now() + s.delayMs;
      updateCountdown();
      break;
    case 'closed':
      ui.statusText.textContent = CLOSE_REASONS[s.reason] || `disconnected: ${s.reason}`;
      break;
    default:
      ui.statusText.textContent = 'disconnected';
  }
  const live = s.state !== 'closed' && s.state !== 'idle';
  ui.connect.disabled = live;
  ui.disconnect.disabled = !live;
  if (s.state !== 'connected' && s.state !== 'open') {
    if (s.state === 'closed') {
      ui.subject.textContent = '—';
      ui.session.textContent = '—';
      ui.expires.textContent = '—';
    }
  }
}

function updateCountdown() {
  if (reconnectAt === null) return;
  const seconds = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
  ui.statusText.textContent = `reconnecting in ${seconds}s`;
}

function notice(text, warn = false) {
  ui.notice.textContent = text;
  ui.notice.classList.toggle('warn', warn);
}

// --- renderers ---------------------------------------------------------------

function renderTick(msg) {
  const d = msg.data || {};
  const symbol = String(d.symbol ?? msg.channel.slice(msg.channel.indexOf(':') + 1));
  const bid = num(d.bid);
  const ask = num(d.ask);
  let entry = priceRows.get(symbol);
  if (!entry) {
    const row = el('tr');
    row.dataset.symbol = symbol;
    const cells = {
      symbol: td(symbol, 'sym'),
      bid: td('—', 'num bid'),
      ask: td('—', 'num ask'),
      spread: td('—', 'num spread'),
      time: td('—', 'num time'),
    };
    row.append(cells.symbol, cells.bid, cells.ask, cells.spread, cells.time);
    entry = { row, cells, bid: null, ask: null, decimals: 0 };
    priceRows.set(symbol, entry);
    // keep the table sorted by symbol
    const after = [...priceRows.keys()].sort().find((s) => s > symbol);
    ui.prices.insertBefore(row, after ? priceRows.get(after).row : null);
    ui.pricesCount.textContent = `${priceRows.size} symbol${priceRows.size === 1 ? '' : 's'}`;
    setEmpty('prices-empty', false);
  }
  entry.decimals = Math.max(entry.decimals, decimalsOf(d.bid), decimalsOf(d.ask));
  const spread = num(d.spread) ?? (bid !== null && ask !== null ? ask - bid : null);
  flashCell(entry.cells.bid, entry.bid, bid);
  flashCell(entry.cells.ask, entry.ask, ask);
  entry.cells.bid.textContent = fixed(bid, entry.decimals);
  entry.cells.ask.textContent = fixed(ask, entry.decimals);
  entry.cells.spread.textContent = fixed(spread, entry.decimals);
  entry.cells.time.textContent = utcTime(msg.timestamp);
  entry.bid = bid ?? entry.bid;
  entry.ask = ask ?? entry.ask;
  ticket.onTick(symbol, entry.bid, entry.ask);
}

function flashCell(cell, before, after) {
  if (before === null || after === null || before === after) return;
  restartAnimation(cell, after > before ? 'flash-up' : 'flash-down');
}

function renderSignal(msg) {
  const d = msg.data || {};
  const row = el('tr', 'new-row');
  const strength = num(d.strength);
  const strengthCell = el('td', 'num');
  if (strength !== null) {
    const meter = el('span', 'meter');
    const fill = el('span');
    fill.style.width = `${Math.round(Math.max(0, Math.min(1, strength)) * 100)}%`;
    meter.append(fill);
    strengthCell.append(meter, document.createTextNode(strength.toFixed(2)));
  } else {
    strengthCell.textContent = '—';
  }
  const confidence = num(d.confidence);
  row.append(
    td(utcTime(msg.timestamp, true), 'time'),
    td(d.symbol, 'sym'),
    td(d.model),
    sideBadge(d.side),
    strengthCell,
    td(confidence === null ? '—' : `${confidence.toFixed(1)}%`, 'num'),
    td(d.timeframe),
  );
  trackExpiry(row, msg);
  prepend(ui.signals, row, MAX_SIGNALS);
  setEmpty('signals-empty', false);
}

function renderOrder(msg) {
  const d = msg.data || {};
  const id = String(d.order_id ?? `seq-${msg.seq}`);
  const status = String(d.status ?? '').toLowerCase();
  const old = orderRows.get(id);
  if (old) old.remove();
  const row = el('tr', 'new-row');
  row.dataset.orderId = id;
  const statusCell = el('td');
  statusCell.append(el('span', 'badge status-' + status.replace(/[^a-z_]/g, ''), status || '—'));
  row.append(
    td(utcTime(msg.timestamp, true), 'time'),
    td(id, 'id'),
    td(d.symbol, 'sym'),
    sideBadge(d.side),
    statusCell,
    td(volume(d.volume), 'num'),
    td(volume(d.filled_volume), 'num'),
    td(price(d.symbol, d.price), 'num'),
  );
  row.cells[1].title = id;
  orderRows.set(id, row);
  prepend(ui.orders, row, MAX_ORDERS);
  for (const [key, r] of orderRows) if (!r.isConnected) orderRows.delete(key);
  setEmpty('orders-empty', false);
}

function renderIdea(msg) {
  const d = msg.data || {};
  const direction = String(d.direction ?? d.side ?? '').toLowerCase();
  const card = el('li', 'card' + (direction === 'buy' || direction === 'sell' ? ' ' + direction : ''));
  const head = el('div', 'head');
  head.append(
    el('span', 'sym', d.symbol ?? '—'),
    el('span', 'side ' + direction, direction || '—'),
    el('span', 'badge', d.timeframe ?? '—'),
    el('span', 'time', utcTime(msg.timestamp, true)),
  );
  const levels = el('div', 'levels');
  const levelsList = [['entry', price(d.symbol, d.entry)], ['stop', price(d.symbol, d.stop)],
    ['target', price(d.symbol, d.target)], ['R:R', d.risk_reward]];
  for (const [label, value] of levelsList) {
    const item = el('span', null, label + ' ');
    item.append(el('b', null, value ?? '—'));
    levels.append(item);
  }
  card.append(head, levels);
  if (d.rationale) card.append(el('p', 'why', d.rationale));
  ui.ideas.insertBefore(card, ui.ideas.firstChild);
  while (ui.ideas.children.length > MAX_IDEAS) ui.ideas.removeChild(ui.ideas.lastChild);
  setEmpty('ideas-empty', false);
}

function renderPayload(msg) {
  const d = msg.data || {};
  const row = el('tr', 'new-row');
  const id = String(d.payload_id ?? `seq-${msg.seq}`);
  row.append(
    td(utcTime(msg.timestamp, true), 'time'),
    td(id, 'id'),
    td(d.symbol, 'sym'),
    sideBadge(d.side),
    td(volume(d.volume), 'num'),
    td(price(d.symbol, d.entry), 'num'),
    td(price(d.symbol, d.sl), 'num'),
    td(price(d.symbol, d.tp), 'num'),
    td(d.model),
    td('—', 'num valid'),
  );
  row.cells[1].title = id;
  row.tabIndex = 0;
  row.dataset.payloadId = id;
  const select = () => ticket.selectPayload(d, row);
  row.addEventListener('click', select);
  row.addEventListener('keydown', (event) => { if (event.key === 'Enter') select(); });
  trackExpiry(row, msg);
  prepend(ui.payloads, row, MAX_PAYLOADS);
  setEmpty('payloads-empty', false);
}

// Rows with a valid_until get greyed when it passes (checked once a second).
function trackExpiry(row, msg) {
  const until = validUntil(msg);
  if (until === null) return;
  row.dataset.validUntil = String(until);
  refreshExpiry(row, Date.now());
}

function refreshExpiry(row, now) {
  const until = Number(row.dataset.validUntil);
  const expired = now >= until;
  row.classList.toggle('expired', expired);
  const cell = row.querySelector('td.valid');
  if (cell) cell.textContent = expired ? 'expired' : `${Math.ceil((until - now) / 1000)}s`;
}

setInterval(() => {
  const now = Date.now();
  for (const row of document.querySelectorAll('tr[data-valid-until]')) {
    if (!row.classList.contains('expired') || row.querySelector('td.valid')?.textContent !== 'expired') {
      refreshExpiry(row, now);
    }
  }
  updateCountdown();
}, 1000);

const RENDERERS = {
  tick: renderTick,
  signal: renderSignal,
  order: renderOrder,
  idea: renderIdea,
  payload: renderPayload,
};

function onMessage(msg) {
  messageCount += 1;
  const kind = msg.channel.slice(0, msg.channel.indexOf(':'));
  const render = RENDERERS[kind];
  if (render) render(msg);
  ui.counters.textContent = `${messageCount} message${messageCount === 1 ? '' : 's'} · last ${utcTime(msg.timestamp)}`;
}

// --- connecting ----------------------------------------------------------------

function start(token) {
  if (client) client.close();
  const url = `wss://${location.host}/ws`;
  client = new StreamClient({ url, token, channelsFromWelcome: true });
  client.on('state', showState);
  client.on('welcome', (w) => {
    ui.subject.textContent = w.subject ?? '—';
    ui.session.textContent = w.session ?? '—';
    ui.expires.textContent = w.expires_at ? utcTime(w.expires_at, true) + 'Z' : '—';
    ui.expires.title = w.expires_at ?? '';
    notice(`allowed: ${(w.channels || []).join(', ')}`);
  });
  client.on('subscribed', (s) => {
    const denied = (s.denied || []).map((x) => `${x.channel} (${x.reason})`);
    if (denied.length) notice(`subscribe denied: ${denied.join(', ')}`, true);
  });
  client.on('recovery_failed', (f) => {
    if (f.reason === 'epoch_changed') {
      notice(`${f.channel}: numbering restarted (epoch ${f.epoch ?? '—'}); messages after seq ${f.since ?? '—'} of the old epoch were not recovered`, true);
    } else {
      notice(`could not recover ${f.channel} after seq ${f.since}: ${f.reason}`, true);
    }
  });
  client.on('error', (e) => {
    if (e.kind === 'server') notice(`server: ${e.code ?? 'error'}${e.message ? ' — ' + e.message : ''}`, true);
    if (e.kind === 'heartbeat_timeout') notice('no answer to ping: reconnecting', true);
  });
  client.on('message', onMessage);
  client.connect();
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (!token) {
    notice('enter a token first', true);
    ui.token.focus();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  start(token);
});

ui.disconnect.addEventListener('click', () => {
  if (client) client.close();
  client = null;
});

window.addEventListener('pagehide', () => {
  if (client) client.close(1001, 'page closed');
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  ui.token.value = saved;
  start(saved);
}
