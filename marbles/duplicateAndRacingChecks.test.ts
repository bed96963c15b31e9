/**
 * Extra check-backs happen: the broker may send the same check twice, a check may race the
 * producer's own commit, and a check may arrive while the local step still runs. Answers are
 * idempotent and never contradict the truth.
 *
 *   duplicate:  checks   --------------------(cc)      same transaction, twice at 20
 *               answers  --------------------D----A     D: Duplicate at 20; A: commit at 25 (lookup 5)
 *   racing:     commit   (rc)                                     check sent just before the commit lands
 *               answers  a                                        commit, from the store: no contradiction
 *   running:    checks   --------------------c---------c---------c    step answers commit at 50
 *               answers  --------------------u---------u---------u    unknown (no record yet), counted
 */
import { delay, map, type Observable, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  checkBacks,
  type MemoryStateStore,
  memoryStateStore,
  type StateStore,
  TransactionState,
  transactional,
} from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { answerPaths, label, msg, testScheduler } from './support.js';

/** A store whose lookups take `frames` of virtual time. */
function slowStore(
  inner: MemoryStateStore,
  frames: number,
  scheduler: Parameters<typeof delay>[1],
): StateStore {
  return {
    save: (r) => inner.save(r),
    load: (id): Observable<ReturnType<MemoryStateStore['get']>> =>
      of(inner.get(id)).pipe(delay(frames, scheduler)),
  };
}

const config = { transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 3 } as const;

describe.each(answerPaths)('duplicate and racing check-backs ($name path)', (path) => {
  it('answers a transaction once when its check arrives twice at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...config });
      const records = memoryStateStore();
      broker.faults.duplicateNextChecks(1);
      // The local step records commit but its end call is lost: only the check-back can deliver.
      broker.faults.failNextEnds(1, new Error('connection reset'));
      const answers = checkBacks(broker).pipe(path.answer(slowStore(records, 5, scheduler), { scheduler }));
      cold('(a|)', { a: msg('A') })
        .pipe(transactional(broker, () => TransactionState.Commit, { store: records, scheduler }))
        .subscribe();

      expectObservable(
        answers.pipe(map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag))),
        '^ 100ms !',
      ).toBe('20ms d 4ms a', path.expected({ d: 'Duplicate', a: 'commit:store' }));
      flush();
      expect(broker.delivered().map((d) => [d.messageId, d.deliveredAt])).toEqual([['vm-1', 25]]);
      expect(broker.stats().checks).toBe(2);
    });
  });

  it('answers a check racing the commit from the store: commit, delivered exactly once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...config });
      const store = memoryStateStore();
      broker.faults.raceNextCommits(1);
      const answers = checkBacks(broker).pipe(path.answer(store, { scheduler }));
      const results = cold('(a|)', { a: msg('A') }).pipe(
        transactional(broker, () => TransactionState.Commit, { store, scheduler }),
        map(label),
      );
      expectObservable(
        answers.pipe(map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag))),
        '^ 100ms !',
      ).toBe('a', path.expected({ a: 'commit:store' }));
      expectObservable(results).toBe('(r|)', { r: 'A:committed' });
      flush();
      expect(broker.delivered()).toHaveLength(1);
      expect(broker.stats()).toMatchObject({ committed: 1, rolledBack: 0, checks: 1 });
    });
  });

  it('answers unknown while the local step still runs, then the step commits', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...config });
      const store = memoryStateStore();
      const answers = checkBacks(broker).pipe(path.answer(store, { scheduler }));
      const slowCommit = cold('50ms (c|)', { c: TransactionState.Commit });
      const results = cold('(a|)', { a: msg('A') }).pipe(
        transactional(broker, () => slowCommit, { store, localTimeoutMs: 100, scheduler }),
        map(label),
      );
      expectObservable(
        answers.pipe(
          map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}:${a.unknownCount}` : a._tag)),
        ),
        '^ 100ms !',
      ).toBe(
        '20ms a 9ms b 9ms c',
        path.expected({ a: 'unknown:absent:1', b: 'unknown:absent:2', c: 'unknown:absent:3' }),
      );
      expectObservable(results).toBe('50ms (r|)', { r: 'A:committed' });
      flush();
      expect(broker.delivered().map((d) => [d.deliveredAt, d.via])).toEqual([[50, 'client']]);
      expect(broker.stats().rolledBack).toBe(0);
    });
  });
});
