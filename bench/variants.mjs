/**
 * The two ways the virtual-broker benchmarks push transactions through: `transactional` (the
 * built package, with a memory store) and a hand-written mergeMap chain making the same broker
 * calls with the same no-op local step. Shared by the throughput and memory measurements.
 */
import { memoryStateStore, pullable, TransactionState, transactional } from 'rocketmq-rx';
import { virtualBroker } from 'rocketmq-rx/testing';
import { defer, from, lastValueFrom, map, mergeMap, range, reduce } from 'rxjs';

const body = new TextEncoder().encode('benchmark payload of a typical size for an order event, ~64 bytes');
const noopStep = () => TransactionState.Commit;

function* messages(count) {
  for (let i = 0; i < count; i++) yield { topic: 'Bench', body, tag: 'TagA' };
}

/**
 * Runs `count` transactions through `transactional`; resolves to elapsed ms and commits. With
 * `storeRead`, the store has been read once before (as a check-back would): it then indexes
 * every save, which a store nobody has read yet does not. `telemetry` is handed to the operator.
 */
export async function viaTransactional(count, concurrency, storeRead = false, telemetry = undefined) {
  const broker = virtualBroker();
  const store = memoryStateStore({ maxRecords: 10_000 });
  if (storeRead) store.get('none');
  const start = performance.now();
  const committed = await lastValueFrom(
    pullable(messages(count)).pipe(
      transactional(broker, noopStep, telemetry ? { store, concurrency, telemetry } : { store, concurrency }),
      reduce((c, r) => (r._tag === 'Resolved' && r.fate === 'committed' ? c + 1 : c), 0),
    ),
  );
  broker.close();
  return { ms: performance.now() - start, committed };
}

/** The same broker calls as a bare mergeMap chain: send, no-op step, end. */
export async function viaBareChain(count, concurrency) {
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
