// Interoperability test: an unmodified ccxt (npm, pinned in package.json) binance client against
// `ats exchange-sim` on 127.0.0.1. Usage: node tests/ccxt_interop.mjs ATS_BINARY REPO_ROOT
// Starts the simulator on a free port itself, fails (exit 1) on the first wrong answer.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import ccxt from 'ccxt';

const [ats, root] = process.argv.slice(2);
const KEY = 'ccxt-interop-key-0123456789';
const SECRET = 'ccxt-interop-secret-abcdefghijklmnopqrstuvwxyz';
const btcFile = `${root}/data/BTCUSDT_1m_2024-12.csv`;
const ethFile = `${root}/data/ETHUSDT_1h_2021-04_2025-12.csv`;

const sim = spawn(ats, [
  'exchange-sim', '--port', '0', '--data', `BTCUSDT=${btcFile}`, '--data', `ETHUSDT=${ethFile}`,
  '--api-key', KEY, '--api-secret', SECRET, '--balance', 'USDT=10000,BTC=0', '--bar-ms', '0',
  '--start-bar', '2000',
], { stdio: ['ignore', 'pipe', 'inherit'] });
const killer = setTimeout(() => { console.error('timeout'); sim.kill('SIGKILL'); process.exit(1); }, 90_000);

const port = await new Promise((resolve, reject) => {
  let buf = '';
  sim.stdout.on('data', (chunk) => {
    buf += chunk;
    const m = buf.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  sim.on('exit', (code) => reject(new Error(`exchange-sim exited with ${code}`)));
});
const base = `http://127.0.0.1:${port}`;

function client(secret = SECRET) {
  const ex = new ccxt.binance({
    apiKey: KEY, secret, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  // Rewrite every REST host so nothing can leave the machine.
  for (const k of Object.keys(ex.urls.api)) {
    if (typeof ex.urls.api[k] === 'string') ex.urls.api[k] = ex.urls.api[k].replace(/^https:\/\/[^/]+/, base);
  }
  return ex;
}

// The CSV row for an open time, as the simulator must replay it.
function csvRow(file, openMs) {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${openMs},`));
  assert.ok(line, `no row ${openMs} in ${file}`);
  const f = line.split(',');
  return [Number(f[0]), Number(f[2]), Number(f[3]), Number(f[4]), Number(f[5]), Number(f[6])];
}

async function expectError(promise, cls, what) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${e.constructor.name}: ${e.message}`);
    return;
  }
  assert.fail(`${what}: expected ${cls.name}, got success`);
}

let checks = 0;
const ok = (what) => { checks += 1; console.log(`ok ${checks} - ${what}`); };

try {
  const ex = client();
  const markets = await ex.loadMarkets();
  assert.ok(markets['BTC/USDT'] && markets['ETH/USDT'], 'both markets loaded');
  assert.equal(markets['BTC/USDT'].precision.price, 0.01);
  assert.equal(markets['BTC/USDT'].precision.amount, 0.00001);
  assert.equal(markets['BTC/USDT'].limits.cost.min, 5);
  assert.equal(markets['BTC/USDT'].active, true);
  ok('loadMarkets: BTC/USDT and ETH/USDT with filters');

  const time = await ex.fetchTime();
  assert.ok(Math.abs(time - Date.now()) < 5000, 'server time is now');
  ok('fetchTime');

  const since = Date.UTC(2024, 11, 1, 0, 0);
  const candles = await ex.fetchOHLCV('BTC/USDT', '1m', since, 100);
  assert.equal(candles.length, 100);
  assert.deepEqual(candles[0], csvRow(btcFile, since));
  assert.deepEqual(candles[99], csvRow(btcFile, since + 99 * 60_000));
  const hourly = await ex.fetchOHLCV('ETH/USDT', '1h', Date.UTC(2021, 4, 1), 24);
  assert.equal(hourly.length, 24);
  assert.deepEqual(hourly[0], csvRow(ethFile, Date.UTC(2021, 4, 1)));
  ok('fetchOHLCV: replayed rows equal the CSV (1m BTC, 1h ETH)');

  const book = await ex.fetchOrderBook('BTC/USDT', 5);
  assert.equal(book.bids.length, 5);
  assert.equal(book.asks.length, 5);
  assert.ok(book.bids[0][0] < book.asks[0][0], 'bid below ask');
  assert.ok(book.bids[0][0] > book.bids[1][0] && book.asks[0][0] < book.asks[1][0], 'sorted');
  assert.ok(book.nonce > 0);
  ok('fetchOrderBook');

  const ticker = await ex.fetchTicker('BTC/USDT');
  assert.equal(ticker.symbol, 'BTC/USDT');
  assert.equal(ticker.bid, book.bids[0][0]);
  assert.equal(ticker.ask, book.asks[0][0]);
  assert.ok(ticker.high >= ticker.last && ticker.low <= ticker.last && ticker.baseVolume > 0);
  const tickers = await ex.fetchTickers();
  assert.ok(tickers['BTC/USDT'] && tickers['ETH/USDT']);
  ok('fetchTicker / fetchTickers');

  let balance = await ex.fetchBalance();
  assert.equal(balance.USDT.free, 10000);
  assert.equal(balance.USDT.used, 0);
  assert.equal(balance.BTC.total, 0);
  ok('fetchBalance: starting balances');

  const limitPrice = ex.priceToPrecision('BTC/USDT', book.bids[0][0] * 0.9);
  const limit = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, Number(limitPrice));
  assert.equal(limit.status, 'open');
  assert.equal(limit.filled, 0);
  assert.ok(limit.clientOrderId.startsWith('x-'), 'ccxt client order id kept');
  const fetched = await ex.fetchOrder(limit.id, 'BTC/USDT');
  assert.equal(fetched.status, 'open');
  assert.equal(fetched.price, Number(limitPrice));
  const byClientId = await ex.fetchOrder(undefined, 'BTC/USDT', { origClientOrderId: limit.clientOrderId });
  assert.equal(byClientId.id, limit.id);
  const open = await ex.fetchOpenOrders('BTC/USDT');
  assert.equal(open.length, 1);
  balance = await ex.fetchBalance();
  assert.ok(Math.abs(balance.USDT.used - Number(limitPrice) * 0.01) < 1e-6, 'funds locked');
  const canceled = await ex.cancelOrder(limit.id, 'BTC/USDT');
  assert.equal(canceled.status, 'canceled');
  assert.equal((await ex.fetchOrder(limit.id, 'BTC/USDT')).status, 'canceled');
  assert.equal((await ex.fetchOpenOrders('BTC/USDT')).length, 0);
  balance = await ex.fetchBalance();
  assert.equal(balance.USDT.free, 10000);
  assert.equal(balance.USDT.used, 0);
  ok('limit order: create, fetch (id and client id), open orders, cancel, funds released');

  const market = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
  assert.equal(market.status, 'closed');
  assert.equal(market.filled, 0.01);
  assert.ok(market.average >= book.asks[0][0], 'paid at least the best ask');
  assert.ok(market.trades.length >= 1);
  assert.equal(market.fee.currency, 'BTC');
  balance = await ex.fetchBalance();
  assert.equal(balance.BTC.free, 0.00999, 'bought 0.01 minus 10 bps commission');
  assert.ok(Math.abs(balance.USDT.free - (10000 - market.cost)) < 1e-6, 'paid the cost');
  ok('market buy fills and shows in the balance');

  const sell = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.005);
  assert.equal(sell.status, 'closed');
  const withCost = await ex.createMarketBuyOrderWithCost('BTC/USDT', 50);
  assert.equal(withCost.status, 'closed');
  assert.ok(withCost.cost <= 50 && withCost.cost > 49, `cost ${withCost.cost}`);
  const trades = await ex.fetchMyTrades('BTC/USDT');
  assert.ok(trades.length >= 3);
  assert.ok(trades.some((t) => t.side === 'sell') && trades.some((t) => t.side === 'buy'));
  const publicTrades = await ex.fetchTrades('BTC/USDT');  // GET /aggTrades
  assert.equal(publicTrades.length, trades.length, 'every fill is a public trade');
  assert.deepEqual(publicTrades.map((t) => t.price), trades.map((t) => t.price));
  ok('market sell, market buy with cost, fetchMyTrades, fetchTrades');

  const ask = (await ex.fetchOrderBook('BTC/USDT', 5)).asks[0][0];
  await expectError(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, ask, { postOnly: true }),
    ccxt.OrderImmediatelyFillable, 'post-only that would take');
  await expectError(ex.fetchOrder('987654', 'BTC/USDT'), ccxt.OrderNotFound, 'unknown order');
  await expectError(ex.cancelOrder('987654', 'BTC/USDT'), ccxt.OrderNotFound, 'cancel unknown order');
  await expectError(ex.createOrder('BTC/USDT', 'limit', 'buy', 1, Number(limitPrice)),
    ccxt.InsufficientFunds, 'insufficient balance');
  await expectError(client('wrong-secret').fetchBalance(), ccxt.AuthenticationError, 'wrong secret');
  const skewed = client();
  skewed.options.timeDifference = 30_000;  // ccxt sends timestamps 30 s in the past
  await expectError(skewed.fetchBalance(), ccxt.InvalidNonce, 'skewed timestamp');
  ok('errors map to ccxt exceptions (post-only, unknown order, funds, auth, nonce)');

  // ccxt.pro over the simulator's WebSocket streams (ccxt-local.md §6): watchOrderBook keeps a
  // book from the REST snapshot plus depth diffs; it must equal the simulator's own book.
  const pro = new ccxt.pro.binance({
    apiKey: KEY, secret: SECRET, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  for (const k of Object.keys(pro.urls.api)) {
    if (typeof pro.urls.api[k] === 'string') pro.urls.api[k] = pro.urls.api[k].replace(/^https:\/\/[^/]+/, base);
  }
  pro.urls.api.ws = { spot: `ws://127.0.0.1:${port}/ws` };
  await pro.loadHttpProxyAgent();
  await pro.loadMarkets();
  const tradesPromise = pro.watchTrades('BTC/USDT');
  let ob = await pro.watchOrderBook('BTC/USDT');
  await new Promise((r) => setTimeout(r, 200));  // let the trade subscription land
  await ex.createOrder('BTC/USDT', 'market', 'buy', 0.002);
  await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.003, Number(limitPrice));
  const streamed = await tradesPromise;
  assert.ok(streamed.length >= 1 && streamed[0].symbol === 'BTC/USDT', 'trade event');
  const truth = await ex.publicGetDepth({ symbol: 'BTCUSDT', limit: 1000 });
  while (ob.nonce < Number(truth.lastUpdateId)) ob = await pro.watchOrderBook('BTC/USDT');
  assert.equal(ob.nonce, Number(truth.lastUpdateId));
  assert.deepEqual(Array.from(ob.bids, ([p, q]) => [p, q]), truth.bids.map(([p, q]) => [Number(p), Number(q)]));
  assert.deepEqual(Array.from(ob.asks, ([p, q]) => [p, q]), truth.asks.map(([p, q]) => [Number(p), Number(q)]));
  assert.ok(ob.bids.some(([p]) => p === Number(limitPrice)), 'the resting order shows in the streamed book');
  await pro.close();
  ok('ccxt.pro watchOrderBook equals the simulator book after diffs; watchTrades sees fills');

  const res = await fetch(`${base}/api/v3/ping`);
  assert.ok(Number(res.headers.get('x-mbx-used-weight-1m')) > 0, 'weight header');
  ok('X-MBX-USED-WEIGHT-1M header');
  console.log(`ccxt ${ccxt.version}: ${checks} checks passed`);
} catch (e) {
  console.error('FAIL:', e);
  process.exitCode = 1;
} finally {
  clearTimeout(killer);
  sim.kill('SIGTERM');
}
