/**
 * Child process for peak-memory measurement: runs one variant against the built library in a
 * plain Node process (no TypeScript loader, whose own memory would be counted) and prints its
 * peak RSS as JSON. Usage: node bench/memoryRun.mjs <transactional|bare> <messages> <concurrency>
 */

import { memoryStateStore, pullable, TransactionState, transactional } from 'rocketmq-rx';
import { virtualBroker } from 'rocketmq-rx/testing';
import { defer, from, lastValueFrom, map, mergeMap, range, reduce } from 'rxjs';

const [variant = 'transactional', n = '1000000', c = '256'] = process.argv.slice(2);
const count = Number(n);
const concurrency = Number(c);
const body = new TextEncoder().encode('benchmark payload of a typical size for an order event, ~64 bytes');
const broker = virtualBroker();
const start = performance.now();

function* messages() {
  for (let i = 0; i < count; i++) yield { topic: 'Bench', body, tag: 'TagA' };
}

const run =
  variant === 'bare'
    ? range(0, count).pipe(
        mergeMap(() => {
          const message = { topic: 'Bench', body, tag: 'TagA', keys: [], properties: {} };
          return defer(() => from(broker.sendHalf(message))).pipe(
            mergeMap((receipt) =>
              from(
                broker.endTransaction({
                  topic: message.topic,
                  messageId: receipt.messageId,
                  transactionId: receipt.transactionId,
                  resolution: 'commit',
                  source: 'client',
                }),
              ).pipe(map(() => 1)),
            ),
          );
        }, concurrency),
        reduce((a, b) => a + b, 0),
      )
    : pullable(messages()).pipe(
        transactional(broker, () => TransactionState.Commit, {
          store: memoryStateStore({ maxRecords: 10_000 }),
          concurrency,
        }),
        reduce((a, r) => a + (r._tag === 'Resolved' && r.fate === 'committed' ? 1 : 0), 0),
      );

const committed = await lastValueFrom(run);
broker.close();
console.log(
  JSON.stringify({
    variant,
    messages: count,
    concurrency,
    ms: performance.now() - start,
    committed,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
