/**
 * Throughput of `transactional` against a hand-written RxJS chain doing the same broker calls on
 * the same virtual broker (async scheduler, no-op local step): the ratio is our operators' whole
 * overhead — validation, state, store, retries. Runs the built library (`rocketmq-rx` resolves to
 * dist/) in plain Node and prints JSON. Usage: node bench/virtualThroughput.mjs <n> <concurrency> <rounds>
 */
import { viaBareChain, viaTransactional } from './variants.mjs';

const [n = 200_000, concurrency = 64, rounds = 7] = process.argv.slice(2).map(Number);

// Warm both paths, then interleave rounds so machine drift hits both alike.
await viaTransactional(n / 4, concurrency);
await viaTransactional(n / 4, concurrency, true);
await viaBareChain(n / 4, concurrency);
const ours = [];
const oursStoreRead = [];
const bare = [];
for (let i = 0; i < rounds; i++) {
  const a = await viaTransactional(n, concurrency);
  const r = await viaTransactional(n, concurrency, true);
  const b = await viaBareChain(n, concurrency);
  if (a.committed !== n || r.committed !== n || b.committed !== n) {
    throw new Error('a benchmark run did not commit every message');
  }
  ours.push(a.ms);
  oursStoreRead.push(r.ms);
  bare.push(b.ms);
}
console.log(JSON.stringify({ n, concurrency, rounds, ours, oursStoreRead, bare }));
