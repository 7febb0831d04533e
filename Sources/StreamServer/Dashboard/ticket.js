// The order ticket: symbol picker, live bid/ask and a position size that is
// recomputed on every tick and every input (formula in position-size.js).
// It places no orders. Selecting a prepared payload (a row of the payloads
// table) shows that payload's numbers and sizes the ticket from its stop.

import { positionSize } from './position-size.js';

const DEFAULT_SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD'];

const $ = (id) => document.getElementById(id);

function fmt(value, decimals) {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }) : '—';
}

/** Decimals a symbol's prices are shown with. */
function priceDecimals(symbol) {
  if (symbol.startsWith('XAU')) return 2;
  if (symbol.startsWith('XAG')) return 3;
  return symbol.endsWith('JPY') ? 3 : 5;
}

export class OrderTicket {
  constructor() {
    this.prices = new Map();   // symbol → {bid, ask}
    this.payload = null;       // the selected prepared payload's data
    this.payloadRow = null;
    this.ui = {
      form: $('ticket'),
      symbol: $('t-symbol'),
      side: $('t-side'),
      balance: $('t-balance'),
      currency: $('t-currency'),
      risk: $('t-risk'),
      stop: $('t-stop'),
      stopMode: $('t-stop-mode'),
      bid: $('t-bid'),
      ask: $('t-ask'),
      riskAmount: $('t-risk-amount'),
      stopPips: $('t-stop-pips'),
      pipValue: $('t-pip-value'),
      lots: $('t-lots'),
      units: $('t-units'),
      riskAt: $('t-risk-at'),
      error: $('t-error'),
      payloadBox: $('t-payload'),
      payloadText: $('t-payload-text'),
      payloadClear: $('t-payload-clear'),
    };
    for (const symbol of DEFAULT_SYMBOLS) this._addSymbol(symbol);
    this.ui.form.addEventListener('submit', (event) => event.preventDefault());
    this.ui.form.addEventListener('input', () => this.recompute());
    this.ui.form.addEventListener('change', () => this.recompute());
    this.ui.payloadClear.addEventListener('click', () => this.clearPayload());
    this.recompute();
  }

  _addSymbol(symbol) {
    if ([...this.ui.symbol.options].some((o) => o.value === symbol)) return;
    const option = document.createElement('option');
    option.value = symbol;
    option.textContent = symbol;
    const after = [...this.ui.symbol.options].find((o) => o.value > symbol);
    this.ui.symbol.insertBefore(option, after || null);
  }

  /** A tick: remember the price; recompute (a conversion pair may have moved). */
  onTick(symbol, bid, ask) {
    if (!Number.isFinite(bid) || !Number.isFinite(ask)) return;
    this.prices.set(symbol, { bid, ask });
    this._addSymbol(symbol);
    this.recompute();
  }

  /** Shows a prepared payload's numbers and sizes the ticket from its stop. */
  selectPayload(data, row) {
    if (this.payloadRow) this.payloadRow.classList.remove('selected');
    this.payload = data;
    this.payloadRow = row || null;
    if (row) row.classList.add('selected');
    const symbol = String(data.symbol || '').toUpperCase();
    if (symbol) {
      this._addSymbol(symbol);
      this.ui.symbol.value = symbol;
    }
    if (data.side === 'buy' || data.side === 'sell') this.ui.side.value = data.side;
    const sl = Number(data.sl);
    if (Number.isFinite(sl) && sl > 0) {
      this.ui.stopMode.value = 'price';
      this.ui.stop.value = String(sl);
    }
    const d = priceDecimals(symbol);
    const parts = [`${data.payload_id ?? '—'}`, `${data.side ?? ''} ${fmt(Number(data.volume), 2)} lots`,
      `entry ${fmt(Number(data.entry), d)}`, `SL ${fmt(sl, d)}`, `TP ${fmt(Number(data.tp), d)}`];
    this.ui.payloadText.textContent = parts.join(' · ');
    this.ui.payloadBox.classList.remove('hidden');
    this.recompute();
  }

  clearPayload() {
    if (this.payloadRow) this.payloadRow.classList.remove('selected');
    this.payload = null;
    this.payloadRow = null;
    this.ui.payloadBox.classList.add('hidden');
    this.ui.payloadText.textContent = '';
    this.recompute();
  }

  recompute() {
    const ui = this.ui;
    const symbol = ui.symbol.value;
    const quote = this.prices.get(symbol);
    const d = priceDecimals(symbol);
    ui.bid.textContent = quote ? fmt(quote.bid, d) : '—';
    ui.ask.textContent = quote ? fmt(quote.ask, d) : '—';
    const currency = ui.currency.value;
    const mode = ui.stopMode.value;
    const result = positionSize({
      symbol,
      side: ui.side.value,
      balance: ui.balance.value,
      riskPercent: ui.risk.value,
      stopMode: mode,
      stopPips: mode === 'pips' ? ui.stop.value : undefined,
      stopPrice: mode === 'price' ? ui.stop.value : undefined,
      accountCurrency: currency,
    }, (s) => this.prices.get(s));

    const show = (node, value, text) => {
      node.textContent = text;
      if (Number.isFinite(value)) node.dataset.value = String(value);
      else delete node.dataset.value;
    };
    show(ui.riskAmount, result.riskAmount, Number.isFinite(result.riskAmount) ? `${fmt(result.riskAmount, 2)} ${currency}` : '—');
    show(ui.stopPips, result.stopPips, Number.isFinite(result.stopPips) ? `${fmt(result.stopPips, 1)} pips` : '—');
    show(ui.pipValue, result.pipValue, Number.isFinite(result.pipValue) ? `${fmt(result.pipValue, 4)} ${currency}` : '—');
    show(ui.lots, result.error ? NaN : result.lots, result.error ? '—' : `${fmt(result.lots, 2)} lots`);
    show(ui.units, result.error ? NaN : result.units, result.error ? '' : `${fmt(result.units, 0)} ${result.spec.symbol.startsWith('XA') ? 'oz' : 'units'}`);
    show(ui.riskAt, result.error ? NaN : result.riskAtLots, result.error ? '—' : `${fmt(result.riskAtLots, 2)} ${currency}`);
    ui.error.textContent = result.error || '';
  }
}
