/**
 * The check schedule: passes run every `checkIntervalMs` from the broker's start; a half is
 * checked at the first pass at least `transactionTimeoutMs` after its send, then at every pass,
 * `checkMax` times, and discarded at the pass after that — never delivered.
 *
 *   timeout 20, interval 10, max 3; half sent at 5
 *   passes:       ----------p---------p---------p---------p---------p---------p
 *   check-backs:  ------------------------------c---------c---------c           (30, 40, 50)
 *   discarded:    ------------------------------------------------------------d (60)
 */
import { from, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { checkBacks, memoryStateStore, TransactionState, transactional } from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { answerPaths, msg, testScheduler } from './support.js';

const config = { transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 3 } as const;

describe.each(answerPaths)('check schedule and discard after the maximum ($name path)', (path) => {
  it('checks an unknown half after the timeout, every interval, up to the maximum, then discards it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...config });
      const store = memoryStateStore();
      const answers = checkBacks(broker).pipe(path.answer(store, { scheduler }));
      cold('-----(a|)', { a: msg('A') })
        .pipe(transactional(broker, () => TransactionState.Unknown, { store, scheduler }))
        .subscribe();

      expectObservable(
        answers.pipe(
          map((a) => (a._tag === 'Answered' ? `${a.check.messageId}:${a.state}:${a.unknownCount}` : a._tag)),
        ),
        '^ 100ms !',
      ).toBe('30ms a 9ms b 9ms c', { a: 'vm-1:unknown:1', b: 'vm-1:unknown:2', c: 'vm-1:unknown:3' });
      expectObservable(broker.discarded$.pipe(map((d) => `${d.messageId}:${d.checks}`))).toBe('60ms d', {
        d: 'vm-1:3',
      });
      flush();
      expect(broker.delivered()).toEqual([]);
      expect(broker.pending()).toEqual([]);
      expect(broker.stats()).toMatchObject({ sent: 1, checks: 3, discarded: 1, committed: 0 });
    });
  });

  it('counts checks due while no producer listens, and still discards on schedule', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...config });
      cold('-----(a|)', { a: msg('A') })
        .pipe(transactional(broker, () => TransactionState.Unknown, { scheduler }))
        .subscribe();
      expectObservable(broker.discarded$.pipe(map((d) => d.messageId))).toBe('60ms d', { d: 'vm-1' });
      flush();
      expect(broker.stats()).toMatchObject({ checks: 0, lostChecks: 3, discarded: 1 });
    });
  });

  it('delivers a half whose check is answered commit on the second check', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...config });
      // Answers unknown at the first check (frame 30), commit at the second (frame 40).
      const asked: number[] = [];
      checkBacks(broker).subscribe((check) => {
        asked.push(scheduler.now());
        from(
          check.answer(asked.length >= 2 ? TransactionState.Commit : TransactionState.Unknown),
        ).subscribe();
      });
      cold('-----(a|)', { a: msg('A') })
        .pipe(transactional(broker, () => TransactionState.Unknown, { scheduler }))
        .subscribe();
      expectObservable(broker.delivered$.pipe(map((d) => `${d.messageId}:${d.via}`))).toBe('40ms d', {
        d: 'vm-1:check-back',
      });
      flush();
      expect(asked).toEqual([30, 40]);
    });
  });
});
