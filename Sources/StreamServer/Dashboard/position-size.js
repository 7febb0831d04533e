// position-size.js: the order ticket's arithmetic, with no DOM.
//
//   risk amount      = balance × risk% / 100
//   stop (pips)      = the stop in pips, or |entry − stop price| / pip size,
//                      where entry is the ask for a buy and the bid for a sell
//   pip value / lot  = contract size × pip size            (in the quote currency)
//                      converted to the account currency:
//                        quote = account → as is
//                        base  = account → ÷ mid of the symbol itself
//                        else            → × mid of QUOTE/ACCOUNT, or ÷ mid of ACCOUNT/QUOTE
//   size (lots)      = risk amount / (stop pips × pip value per lot),
//                      rounded DOWN to the lot step (0.01), so the risk taken
//                      never exceeds the risk chosen
//
// Symbols: six-letter FX pairs (base + quote) trade 100,000 units a lot with
// a pip of 0.0001, or 0.01 when the quote currency is JPY; XAUUSD (gold)
// trades 100 oz a lot with a pip of 0.01 USD; XAGUSD (silver) 5,000 oz with
// a pip of 0.001 USD. Mid = (bid + ask) / 2 of the latest tick.

export const LOT_STEP = 0.01;

const METALS = {
  XAU: { contractSize: 100, pipSize: 0.01 },
  XAG: { contractSize: 5000, pipSize: 0.001 },
};

/** {base, quote, contractSize, pipSize} of a symbol, or null when unknown. */
export function symbolSpec(symbol) {
  const s = String(symbol || '').toUpperCase();
  if (!/^[A-Z]{6}$/.test(s)) return null;
  const base = s.slice(0, 3);
  const quote = s.slice(3);
  if (METALS[base]) return { symbol: s, base, quote, ...METALS[base] };
  return { symbol: s, base, quote, contractSize: 100000, pipSize: quote === 'JPY' ? 0.01 : 0.0001 };
}

function mid(quote) {
  if (!quote || !Number.isFinite(quote.bid) || !Number.isFinite(quote.ask)) return null;
  return (quote.bid + quote.ask) / 2;
}

/**
 * The value of one pip for one lot, in the account currency.
 * `prices(symbol)` gives the latest {bid, ask} of a symbol, or undefined.
 * Returns {value} or {missing: <the pair whose price is needed>}.
 */
export function pipValuePerLot(spec, accountCurrency, prices) {
  const inQuote = spec.contractSize * spec.pipSize;
  const account = String(accountCurrency).toUpperCase();
  if (spec.quote === account) return { value: inQuote };
  if (spec.base === account) {
    const m = mid(prices(spec.symbol));
    return m ? { value: inQuote / m } : { missing: spec.symbol };
  }
  const direct = mid(prices(spec.quote + account));
  if (direct) return { value: inQuote * direct };
  const inverse = mid(prices(account + spec.quote));
  if (inverse) return { value: inQuote / inverse };
  return { missing: `${spec.quote}${account}` };
}

/**
 * The ticket's numbers. Input: {symbol, side: 'buy'|'sell', balance,
 * riskPercent, stopMode: 'pips'|'price', stopPips, stopPrice,
 * accountCurrency}; `prices(symbol)` → {bid, ask}.
 * Output: {riskAmount, entry, stopPips, pipValue, rawLots, lots, units,
 * riskAtLots} or {error} saying what is missing.
 */
export function positionSize(input, prices) {
  const spec = symbolSpec(input.symbol);
  if (!spec) return { error: `unknown symbol ${input.symbol}` };
  const balance = Number(input.balance);
  const riskPercent = Number(input.riskPercent);
  if (!(balance > 0)) return { error: 'enter the account balance' };
  if (!(riskPercent > 0) || riskPercent > 100) return { error: 'risk % must be above 0 and at most 100' };
  const riskAmount = balance * riskPercent / 100;
  const quote = prices(spec.symbol);
  const entry = quote ? (input.side === 'sell' ? quote.bid : quote.ask) : null;

  let stopPips;
  if (input.stopMode === 'price') {
    const stop = Number(input.stopPrice);
    if (!(stop > 0)) return { error: 'enter the stop price', riskAmount };
    if (!Number.isFinite(entry)) return { error: `waiting for a ${spec.symbol} price`, riskAmount };
    if (input.side === 'sell' ? stop <= entry : stop >= entry) {
      return { error: `a ${input.side === 'sell' ? 'sell' : 'buy'} stop must be ${input.side === 'sell' ? 'above' : 'below'} the entry`, riskAmount, entry };
    }
    stopPips = Math.abs(entry - stop) / spec.pipSize;
  } else {
    stopPips = Number(input.stopPips);
    if (!(stopPips > 0)) return { error: 'enter the stop distance in pips', riskAmount, entry };
  }

  const pip = pipValuePerLot(spec, input.accountCurrency || 'USD', prices);
  if (pip.missing) return { error: `needs a ${pip.missing} price to convert the pip value`, riskAmount, entry, stopPips };
  const rawLots = riskAmount / (stopPips * pip.value);
  // Round down to the lot step; the epsilon absorbs binary fractions
  // (0.6 computed as 0.59999999999 must stay 0.60).
  const lots = Math.floor(rawLots / LOT_STEP + 1e-9) * LOT_STEP;
  return {
    riskAmount,
    entry,
    stopPips,
    pipValue: pip.value,
    rawLots,
    lots: Number(lots.toFixed(2)),
    units: Math.round(lots * spec.contractSize),
    riskAtLots: lots * stopPips * pip.value,
    spec,
  };
}
