// The order ticket's arithmetic (position-size.js), against values worked
// out by hand.
//   node --test Tests/Browser/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { positionSize, pipValuePerLot, symbolSpec } from '../../Sources/StreamServer/Dashboard/position-size.js';

const book = (entries) => (symbol) => entries[symbol];
const near = (actual, expected, eps = 1e-9) => assert.ok(Math.abs(actual - expected) < eps, `${actual} ≠ ${expected}`);

test('pip sizes and contracts: FX, JPY quotes, gold', () => {
  assert.deepEqual(symbolSpec('EURUSD'), { symbol: 'EURUSD', base: 'EUR', quote: 'USD', contractSize: 100000, pipSize: 0.0001 });
  assert.equal(symbolSpec('USDJPY').pipSize, 0.01);
  assert.equal(symbolSpec('GBPJPY').pipSize, 0.01);
  assert.deepEqual(symbolSpec('XAUUSD'), { symbol: 'XAUUSD', base: 'XAU', quote: 'USD', contractSize: 100, pipSize: 0.01 });
  assert.equal(symbolSpec('BTC-USD'), null);
});

test('EURUSD, USD account: 10,000 × 1% = 100; 20 pips × 10 USD = 200 per lot → 0.50 lots', () => {
  const r = positionSize({ symbol: 'EURUSD', side: 'buy', balance: 10000, riskPercent: 1, stopMode: 'pips', stopPips: 20,
    accountCurrency: 'USD' }, book({ EURUSD: { bid: 1.1, ask: 1.1001 } }));
  assert.equal(r.riskAmount, 100);
  near(r.pipValue, 10);
  assert.equal(r.lots, 0.5);
  assert.equal(r.units, 50000);
});

test('USDJPY, USD account: a pip is 1,000 JPY = 1000/150 USD at mid 150 → 25 pips → 0.60 lots', () => {
  const prices = { USDJPY: { bid: 149.99, ask: 150.01 } };
  const r = positionSize({ symbol: 'USDJPY', side: 'buy', balance: 10000, riskPercent: 1, stopMode: 'pips', stopPips: 25,
    accountCurrency: 'USD' }, book(prices));
  near(r.pipValue, 1000 / 150);
  assert.equal(r.lots, 0.6, 'not 0.59: 0.6 is exact, the binary rounding must not cost a step');
  // The price moves to 120: a pip is worth more dollars, the size shrinks.
  prices.USDJPY = { bid: 119.99, ask: 120.01 };
  assert.equal(positionSize({ symbol: 'USDJPY', side: 'buy', balance: 10000, riskPercent: 1, stopMode: 'pips', stopPips: 25,
    accountCurrency: 'USD' }, book(prices)).lots, 0.48);
});

test('XAUUSD with a stop price: buy at ask 2000.50, stop 1990.50 = 1000 pips × 1 USD; 2% of 10,000 → 0.20 lots', () => {
  const r = positionSize({ symbol: 'XAUUSD', side: 'buy', balance: 10000, riskPercent: 2, stopMode: 'price', stopPrice: 1990.5,
    accountCurrency: 'USD' }, book({ XAUUSD: { bid: 2000, ask: 2000.5 } }));
  near(r.stopPips, 1000, 1e-6);
  near(r.pipValue, 1);
  assert.equal(r.lots, 0.2);
  assert.equal(r.units, 20);
  const sell = positionSize({ symbol: 'XAUUSD', side: 'sell', balance: 10000, riskPercent: 2, stopMode: 'price', stopPrice: 2010,
    accountCurrency: 'USD' }, book({ XAUUSD: { bid: 2000, ask: 2000.5 } }));
  assert.equal(sell.entry, 2000, 'a sell enters at the bid');
  assert.equal(sell.lots, 0.2);
});

test('conversion to the account currency through the symbol or a cross', () => {
  // EUR account, EURUSD at mid 1.25: 10 USD = 8 EUR a pip.
  near(pipValuePerLot(symbolSpec('EURUSD'), 'EUR', book({ EURUSD: { bid: 1.2499, ask: 1.2501 } })).value, 8);
  // USD account, GBPJPY: 1,000 JPY through USDJPY at mid 125 = 8 USD.
  near(pipValuePerLot(symbolSpec('GBPJPY'), 'USD', book({ USDJPY: { bid: 124.99, ask: 125.01 } })).value, 8);
  // GBP account, EURUSD: 10 USD through GBPUSD at mid 1.25 = 8 GBP.
  near(pipValuePerLot(symbolSpec('EURUSD'), 'GBP', book({ GBPUSD: { bid: 1.2499, ask: 1.2501 } })).value, 8);
  assert.deepEqual(pipValuePerLot(symbolSpec('GBPJPY'), 'USD', book({})), { missing: 'JPYUSD' });
});

test('what is missing or wrong is said, never a made-up size', () => {
  const none = book({});
  assert.match(positionSize({ symbol: 'XAUUSD', side: 'buy', balance: 10000, riskPercent: 1, stopMode: 'price', stopPrice: 1990,
    accountCurrency: 'USD' }, none).error, /waiting for a XAUUSD price/);
  assert.match(positionSize({ symbol: 'XAUUSD', side: 'buy', balance: 10000, riskPercent: 1, stopMode: 'price', stopPrice: 2010,
    accountCurrency: 'USD' }, book({ XAUUSD: { bid: 2000, ask: 2000.5 } })).error, /buy stop must be below/);
  assert.match(positionSize({ symbol: 'EURUSD', side: 'buy', balance: 0, riskPercent: 1, stopMode: 'pips', stopPips: 20,
    accountCurrency: 'USD' }, none).error, /balance/);
  assert.match(positionSize({ symbol: 'USDJPY', side: 'buy', balance: 1000, riskPercent: 1, stopMode: 'pips', stopPips: 20,
    accountCurrency: 'USD' }, none).error, /needs a USDJPY price/);
});
