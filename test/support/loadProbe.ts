/**
 * A child process for the "pay only for what you use" test: runs valid transactions on the virtual
 * broker, answers their check-backs from a store, and prints which heavy dependencies Node loaded
 * by then; then validates one invalid message and prints it again. Prints one JSON line.
 */
import { createRequire } from 'node:module';
import { filter, firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import {
  answerCheckBacks,
  checkBacks,
  memoryStateStore,
  TransactionState,
  transactional,
  ValidationError,
  validateMessage,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';

const cache = createRequire(import.meta.url).cache;
const loaded = () => ({
  effect: Object.keys(cache).some((k) => k.includes('/node_modules/effect/')),
  client: Object.keys(cache).some((k) => k.includes('/node_modules/rocketmq-client-nodejs/')),
});

const broker = virtualBroker({ transactionTimeoutMs: 20, checkIntervalMs: 20, checkMax: 3 });
const store = memoryStateStore();
const answered = firstValueFrom(
  checkBacks(broker).pipe(
    answerCheckBacks(store),
    filter((r) => r._tag === 'Answered'),
    take(3),
    toArray(),
  ),
);
const results = await lastValueFrom(
  from([1, 2, 3].map((i) => ({ topic: 'Orders', body: `order ${i}`, tag: 'created', keys: [`k${i}`] }))).pipe(
    // Left to the check-back, which the store answers.
    transactional(broker, () => TransactionState.Unknown, { store }),
    toArray(),
  ),
);
for (const r of results) {
  const saved = r._tag === 'Resolved' ? store.get(r.local.half.messageId) : undefined;
  if (saved) store.save({ ...saved, state: TransactionState.Commit });
}
const answers = await answered;
const afterValidTraffic = loaded();
const invalid = validateMessage({ topic: 'not a topic', body: 42 });
const afterInvalid = loaded();
broker.close();
console.log(
  JSON.stringify({
    resolved: results.map((r) => (r._tag === 'Resolved' ? r.fate : r._tag)),
    answers: answers.map((a) => (a._tag === 'Answered' ? a.state : a._tag)),
    delivered: broker.delivered().length,
    afterValidTraffic,
    invalidIssues: invalid instanceof ValidationError ? invalid.issues.map((i) => i.path.join('.')) : [],
    afterInvalid,
  }),
);
