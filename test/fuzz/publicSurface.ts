/**
 * Fuzzing through the public surface: generated messages of every shape and type (wrong types,
 * huge and unicode values), local steps answering anything, operator configs of any value and
 * malformed check-backs, through `transactional`, `sendHalf`/`executeLocal`/`resolve` and
 * `answerCheckBacks` on the virtual broker. Every input must end as a typed error value or a
 * success: never an exception escaping subscribe, a dead shared stream, or a hang.
 */
import fc from 'fast-check';
import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import {
  answerCheckBacks,
  type CheckBack,
  executeLocal,
  memoryStateStore,
  RocketMQRxError,
  resolve,
  sendHalf,
  type TransactionState,
  transactional,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';

export type Outcome =
  | 'resolved'
  | 'rejected'
  | 'config-rejected'
  | 'stream-error-typed'
  | 'check-answered'
  | 'escape'
  | 'hang'
  | 'dead-stream';

const text = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.constantFrom('', ' ', 'UNIQ_KEY', '__CRC32#', 'a|b', 'a\nb', 'rmq_sys_x', 'Orders'),
  fc.constant('x'.repeat(16_400)), // over the properties limit on its own
);
const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.object(),
);
const message = fc.oneof(
  fc.record(
    {
      topic: fc.oneof(fc.constantFrom('Orders', 'Orders_%EU|1'), anyValue),
      body: fc.oneof(text, fc.uint8Array({ maxLength: 64 }), anyValue),
      tag: fc.oneof(text, anyValue),
      keys: fc.oneof(fc.array(text, { maxLength: 4 }), anyValue),
      properties: fc.oneof(
        fc.dictionary(text, text, { maxKeys: 5 }),
        fc.dictionary(text, anyValue),
        anyValue,
      ),
      deliveryDelayMs: anyValue,
      messageGroup: anyValue,
    },
    { requiredKeys: [] },
  ),
  anyValue,
  fc.anything(),
);
const stepAnswer = fc.oneof(
  fc.constantFrom<unknown>('commit', 'rollback', 'unknown', 'COMMIT', 42, null, undefined),
  fc.constant('throw'),
  fc.constant('reject'),
);
const config = fc.record(
  {
    concurrency: fc.oneof(fc.integer({ min: -2, max: 8 }), anyValue),
    localTimeoutMs: fc.oneof(fc.integer({ min: -1, max: 1_000 }), anyValue),
    onRejected: fc.constantFrom<unknown>('emit', 'error', 'other', undefined),
  },
  { requiredKeys: [] },
);
const checkBack = fc.oneof(
  fc.record(
    { topic: anyValue, messageId: anyValue, transactionId: anyValue, bornAt: anyValue },
    { requiredKeys: [] },
  ),
  anyValue,
);
const input = fc.record({
  surface: fc.constantFrom('transactional', 'chain', 'checkBacks'),
  messages: fc.array(message, { minLength: 1, maxLength: 3 }),
  step: stepAnswer,
  config,
  checks: fc.array(checkBack, { minLength: 1, maxLength: 3 }),
});
export type FuzzInput = typeof input extends fc.Arbitrary<infer T> ? T : never;

const stepFor = (answer: unknown) => () => {
  if (answer === 'throw') throw new Error('step threw');
  if (answer === 'reject') return Promise.reject(new Error('step rejected'));
  return answer as TransactionState;
};

/** Within `ms`, or 'hang'. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), ms)))]).finally(
    () => clearTimeout(timer),
  );
}

const valid = { topic: 'Orders', body: 'marker' };

/** Runs one input; every outcome it produced (one per value, or one for the whole stream). */
export async function runOne(i: FuzzInput): Promise<Outcome[]> {
  const broker = virtualBroker({ transactionTimeoutMs: 5, checkIntervalMs: 5 });
  try {
    if (i.surface === 'checkBacks') return await runCheckBacks(i, broker);
    let operator: ReturnType<typeof transactional>;
    try {
      const cfg = i.config as never;
      if (i.surface === 'transactional') operator = transactional(broker, stepFor(i.step), cfg);
      else {
        const send = sendHalf(broker, cfg);
        const local = executeLocal(stepFor(i.step), { timeoutMs: 1_000 });
        const end = resolve(broker);
        operator = (source) => source.pipe(send, local, end);
      }
    } catch (error) {
      return [
        error instanceof RocketMQRxError && error._tag === 'ValidationError' ? 'config-rejected' : 'escape',
      ];
    }
    // A valid marker last: the stream must still be alive to resolve it.
    const run = lastValueFrom(from([...i.messages, valid] as never[]).pipe(operator, toArray())).then(
      (values) => {
        const outcomes = values.map(
          (v): Outcome =>
            v._tag === 'Resolved'
              ? 'resolved'
              : v._tag === 'Rejected' && v.error instanceof RocketMQRxError
                ? 'rejected'
                : 'escape',
        );
        const last = values.at(-1);
        if (!(last?._tag === 'Resolved')) outcomes.push('dead-stream');
        return outcomes;
      },
      (error: unknown): Outcome[] => [error instanceof RocketMQRxError ? 'stream-error-typed' : 'escape'],
    );
    const r = await bounded(run, 5_000);
    return r === 'hang' ? ['hang'] : r;
  } finally {
    broker.close();
  }
}

async function runCheckBacks(i: FuzzInput, broker: ReturnType<typeof virtualBroker>): Promise<Outcome[]> {
  const store = memoryStateStore();
  const checks = new Subject<CheckBack>();
  const answers: unknown[] = [];
  let streamError: unknown;
  let completed = false;
  const sub = checks.pipe(answerCheckBacks(store)).subscribe({
    next: (a) => answers.push(a),
    error: (e) => (streamError = e),
    complete: () => (completed = true),
  });
  try {
    for (const c of i.checks) {
      const malformed = (typeof c === 'object' && c !== null ? { ...c } : c) as CheckBack;
      if (typeof malformed === 'object' && malformed !== null)
        (malformed as { answer?: unknown }).answer = () => from([1]);
      checks.next(malformed);
    }
    // The shared stream must still answer a well-formed check-back after them.
    let answered: TransactionState | undefined;
    checks.next({
      topic: 'Orders',
      messageId: 'probe',
      transactionId: 'probe-tx',
      answer: (s) => {
        answered = s;
        return from([1]);
      },
    });
    const alive = await bounded(
      new Promise<boolean>((res) => {
        const poll = () =>
          answered !== undefined ? res(true) : streamError || completed ? res(false) : setTimeout(poll, 1);
        poll();
      }),
      5_000,
    );
    if (alive === 'hang') return ['hang'];
    if (!alive) return [streamError instanceof RocketMQRxError ? 'dead-stream' : 'escape'];
    return answers.map((): Outcome => 'check-answered');
  } finally {
    sub.unsubscribe();
    void broker;
  }
}

/** Runs `numRuns` generated inputs; counts of every outcome, and the first failing input if any. */
export async function fuzz(numRuns: number, seed = 20261201) {
  const counts: Record<Outcome, number> = {
    resolved: 0,
    rejected: 0,
    'config-rejected': 0,
    'stream-error-typed': 0,
    'check-answered': 0,
    escape: 0,
    hang: 0,
    'dead-stream': 0,
  };
  const escapes: unknown[] = [];
  const onEscape = (e: unknown) => {
    counts.escape++;
    escapes.push(e);
  };
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  let inputs = 0;
  try {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        inputs++;
        for (const o of await runOne(i)) counts[o]++;
        return true;
      }),
      { numRuns, seed },
    );
  } finally {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
  }
  return { inputs, counts, escapes };
}
