/**
 * Throughput of `transactional` against a hand-written RxJS chain doing the same broker calls on
 * the same virtual broker (async scheduler, no-op local step): the ratio is our operators' whole
 * overhead — validation, state, store, retries. Runs the built library (`rocketmq-rx` resolves to
 * dist/) in plain Node and prints JSON. Usage: node bench/virtualThroughput.mjs <n> <concurrency> <rounds>
 */

import { memoryStateStore, pullable, TransactionState, transactional } from 'rocketmq-rx';
import { virtualBroker } from 'rocketmq-rx/testing';
import { defer, from, lastValueFrom, map, mergeMap, range, reduce } from 'rxjs';

const [n = 200_000, concurrency = 64, rounds = 7] = process.argv.slice(2).map(Number);
const body = new TextEncoder().encode('benchmark payload of a typical size for an order event, ~64 bytes');
const noopStep = () => TransactionState.Commit;

function* messages(count) {
  for (let i = 0; i < count; i++) yield { topic: 'Bench', body, tag: 'TagA' };
}

async function viaTransactional(count) {
  const broker = virtualBroker();
  const store = memoryStateStore({ maxRecords: 10_000 });
  const start = performance.now();
  const committed = await lastValueFrom(
    pullable(messages(count)).pipe(
      transactional(broker, noopStep, { store, concurrency }),
      reduce((c, r) => (r._tag === 'Resolved' && r.fate === 'committed' ? c + 1 : c), 0),
    ),
  );
  broker.close();
  return { ms: performance.now() - start, committed };
}

async function viaBareChain(count) {
  const broker = virtualBroker();
  const message = { topic: 'Bench', body, tag: 'TagA', keys: [], properties: {} };
  const start = performance.now();
  const committed = await lastValueFrom(
    range(0, count).pipe(
      mergeMap(
        () =>
          defer(() => from(broker.sendHalf(message))).pipe(
            mergeMap((receipt) => {
              const state = noopStep();
              return from(
                broker.endTransaction({
                  topic: message.topic,
                  messageId: receipt.messageId,
                  transactionId: receipt.transactionId,
                  resolution: state === 'commit' ? 'commit' : 'rollback',
                  source: 'client',
                }),
              ).pipe(map(() => 1));
            }),
          ),
        concurrency,
      ),
      reduce((c, one) => c + one, 0),
    ),
  );
  broker.close();
  return { ms: performance.now() - start, committed };
}

// Warm both paths, then interleave rounds so machine drift hits both alike.
await viaTransactional(n / 4);
await viaBareChain(n / 4);
const ours = [];
const bare = [];
for (let i = 0; i < rounds; i++) {
  const a = await viaTransactional(n);
  const b = await viaBareChain(n);
  if (a.committed !== n || b.committed !== n) throw new Error('a benchmark run did not commit every message');
  ours.push(a.ms);
  bare.push(b.ms);
}
console.log(JSON.stringify({ n, concurrency, rounds, ours, bare }));
