/**
 * A child process run with `@opentelemetry/*` hidden (hideOpenTelemetry.mjs): the main entry loads
 * and runs transactions and check-backs; the otel entry, which needs the API, cannot load.
 * Prints one JSON line.
 */
import { filter, firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import {
  answerCheckBacks,
  checkBacks,
  memoryStateStore,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';

let otelEntry = 'loaded';
try {
  await import('../../src/otel/index.js');
} catch (error) {
  otelEntry = (error as { code?: string }).code ?? String(error);
}

const broker = virtualBroker({ transactionTimeoutMs: 20, checkIntervalMs: 20, checkMax: 3 });
const store = memoryStateStore();
const answered = firstValueFrom(
  checkBacks(broker).pipe(
    answerCheckBacks(store),
    filter((a) => a._tag === 'Answered'),
    take(1),
    toArray(),
  ),
);
const committed = await lastValueFrom(
  from([{ topic: 'Orders', body: 'a' }]).pipe(
    transactional(broker, () => TransactionState.Commit, { store }),
    toArray(),
  ),
);
const left = await lastValueFrom(
  from([{ topic: 'Orders', body: 'b' }]).pipe(
    transactional(broker, () => TransactionState.Unknown, { store }),
    toArray(),
  ),
);
// The unknown transaction's work committed after all: the check-back answers from that record.
const record = left[0]?._tag === 'Resolved' ? store.get(left[0].local.half.messageId) : undefined;
if (record) store.save({ ...record, state: TransactionState.Commit });
const answers = await answered;
broker.close();
console.log(
  JSON.stringify({
    otelEntry,
    fates: [...committed, ...left].map((r) => (r._tag === 'Resolved' ? r.fate : r._tag)),
    answers: answers.map((a) => (a._tag === 'Answered' ? a.state : a._tag)),
    delivered: broker.delivered().length,
  }),
);
