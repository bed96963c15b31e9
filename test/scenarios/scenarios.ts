/**
 * The scenario suite: what a user of rocketmq-rx relies on, end to end, independent of the broker.
 * Each scenario takes a fresh harness (its own topic and consumer) and asserts outcomes: what the
 * consumer received, what it never received, what the store holds.
 */
import { firstValueFrom, from, lastValueFrom, Subject, type Subscription, tap, toArray } from 'rxjs';
import { expect } from 'vitest';
import {
  answerCheckBacks,
  type CheckBackAnswer,
  checkBacks,
  type Half,
  memoryStateStore,
  type Resolved,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { type ScenarioHarness, settleTime, sleep, waitUntil } from './harness.js';

export interface Scenario {
  readonly name: string;
  run(h: ScenarioHarness): Promise<void>;
}

const ids = (h: ScenarioHarness) => h.received().map((r) => r.messageId);

function resolvedOnly(values: ReadonlyArray<{ _tag: string }>): Resolved[] {
  expect(values.every((v) => v._tag === 'Resolved')).toBe(true);
  return values as Resolved[];
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'a committed transaction is delivered to the consumer',
    async run(h) {
      const store = memoryStateStore();
      const results = resolvedOnly(
        await lastValueFrom(
          from([{ topic: h.topic, body: 'commit me', tag: 'TagA' }]).pipe(
            transactional(h.broker, () => TransactionState.Commit, { store }),
            toArray(),
          ),
        ),
      );
      expect(results.map((r) => r.fate)).toEqual(['committed']);
      const id = results[0]?.local.half.messageId as string;
      await waitUntil(() => ids(h).includes(id), 20_000, 'the consumer receives the committed message');
      expect(h.received().find((r) => r.messageId === id)?.body).toBe('commit me');
      expect(store.get(id)).toMatchObject({ state: 'commit', reason: 'local-step' });
    },
  },
  {
    name: 'a rolled-back transaction is never delivered',
    async run(h) {
      const results = resolvedOnly(
        await lastValueFrom(
          from([
            { topic: h.topic, body: 'roll me back' },
            { topic: h.topic, body: 'marker' },
          ]).pipe(
            transactional(
              h.broker,
              (half: Half) =>
                new TextDecoder().decode(half.message.body) === 'marker'
                  ? TransactionState.Commit
                  : TransactionState.Rollback,
              { concurrency: 1 },
            ),
            toArray(),
          ),
        ),
      );
      expect(results.map((r) => r.fate)).toEqual(['rolled-back', 'committed']);
      const [dropped, marker] = results.map((r) => r.local.half.messageId);
      await waitUntil(() => ids(h).includes(marker as string), 20_000, 'the marker arrives');
      await sleep(settleTime(h));
      expect(ids(h)).toEqual([marker]);
      expect(ids(h)).not.toContain(dropped);
    },
  },
  {
    name: 'an unknown transaction is resolved by a check-back answered from the store',
    async run(h) {
      const store = memoryStateStore();
      const answers: CheckBackAnswer[] = [];
      const answering = checkBacks(h.broker)
        .pipe(answerCheckBacks(store))
        .subscribe((a) => answers.push(a));
      try {
        const results = resolvedOnly(
          await lastValueFrom(
            from([{ topic: h.topic, body: 'decided later', properties: { order: '42' } }]).pipe(
              transactional(h.broker, () => TransactionState.Unknown, { store }),
              toArray(),
            ),
          ),
        );
        expect(results.map((r) => r.fate)).toEqual(['left-to-check-back']);
        const half = results[0]?.local.half as Half;
        expect(store.get(half.messageId)).toMatchObject({ state: 'unknown' });
        // The local transaction turns out to have committed (a slow database, say).
        const recorded = store.get(half.messageId);
        if (!recorded) throw new Error('the local outcome was not recorded');
        await lastValueFrom(from(store.save({ ...recorded, state: 'commit' })), { defaultValue: undefined });
        await waitUntil(
          () => ids(h).includes(half.messageId),
          settleTime(h) + 10_000,
          'the check-back delivers it',
        );
        expect(h.received().find((r) => r.messageId === half.messageId)?.properties.order).toBe('42');
        const mine = answers.filter((a) => a._tag === 'Answered' && a.check.messageId === half.messageId);
        expect(mine.at(-1)).toMatchObject({ state: 'commit', source: 'store' });
      } finally {
        answering.unsubscribe();
      }
    },
  },
  {
    name: 'an unknown transaction is checked up to the maximum, then discarded and never delivered',
    async run(h) {
      const store = memoryStateStore();
      const unknownAnswers: number[] = [];
      const answering = checkBacks(h.broker)
        .pipe(answerCheckBacks(store))
        .subscribe((a) => {
          if (a._tag === 'Answered' && a.state === 'unknown') unknownAnswers.push(a.unknownCount);
        });
      try {
        const results = resolvedOnly(
          await lastValueFrom(
            from([{ topic: h.topic, body: 'forever unknown' }]).pipe(
              transactional(h.broker, () => TransactionState.Unknown, { store }),
              toArray(),
            ),
          ),
        );
        const id = results[0]?.local.half.messageId as string;
        await sleep(settleTime(h) + h.timing.checkIntervalMs);
        expect(ids(h)).not.toContain(id);
        // Every check was answered unknown and counted (1, 2, 3 …). The virtual broker asks exactly
        // checkMax times (pinned in marbles/checkSchedule); a real broker may skip a pass.
        expect(unknownAnswers.length).toBeGreaterThanOrEqual(1);
        expect(unknownAnswers.length).toBeLessThanOrEqual(h.timing.checkMax);
        expect(unknownAnswers).toEqual(Array.from({ length: unknownAnswers.length }, (_, i) => i + 1));
      } finally {
        answering.unsubscribe();
      }
    },
  },
  {
    name: 'a producer cancelled mid-flight commits nothing',
    async run(h) {
      const store = memoryStateStore();
      const started = new Subject<string>();
      const answers: CheckBackAnswer[] = [];
      const answering = checkBacks(h.broker)
        .pipe(answerCheckBacks(store))
        .subscribe((a) => answers.push(a));
      let sub: Subscription | undefined;
      try {
        const firstStarted = firstValueFrom(started);
        sub = from([1, 2, 3, 4].map((i) => ({ topic: h.topic, body: `cancelled ${i}` })))
          .pipe(
            transactional(
              h.broker,
              (half) => {
                started.next(half.messageId);
                // A local step that would commit, but only after we have gone.
                return sleep(h.timing.transactionTimeoutMs / 2).then(() => TransactionState.Commit);
              },
              { store, concurrency: 2, localTimeoutMs: 60_000 },
            ),
            tap(() => {
              throw new Error('no transaction may finish before the cancellation');
            }),
          )
          .subscribe();
        const running = await firstStarted;
        sub.unsubscribe();
        expect(store.get(running)).toMatchObject({ state: 'unknown', reason: 'cancelled' });
        await sleep(settleTime(h));
        // The running steps' promises settled after the cancellation: their truth was recorded,
        // and the check-back, not the cancelled stream, delivered them.
        const recordedCommits = store
          .records()
          .filter((r) => r.state === 'commit')
          .map((r) => r.messageId);
        expect(recordedCommits).toContain(running);
        expect([...ids(h)].sort()).toEqual([...recordedCommits].sort());
        const viaCheck = answers.flatMap((a) =>
          a._tag === 'Answered' && a.state === 'commit' ? [a.check.messageId] : [],
        );
        expect([...new Set(viaCheck)].sort()).toEqual([...recordedCommits].sort());
      } finally {
        sub?.unsubscribe();
        answering.unsubscribe();
      }
    },
  },
];
