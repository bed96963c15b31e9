/**
 * A check-back for a transaction with no record: its local step may still be running, so it is
 * answered unknown — and the store keeps a marker of when it was first found absent (the store's
 * clock). Once the marker is older than `rollbackAbsentAfterMs` the step never recorded a commit
 * (with the transaction-log pattern: never committed), and the answer is rollback, which the store
 * keeps: a record written after it does not replace it.
 *
 *   check-backs:  --a-----a--a|      the same transaction, asked at 2, 8 and 11
 *   grace 5:      --u-----r--r|      u: unknown (absent, marker at 2), r: rollback (absent-expired)
 *
 * The grace belongs to the store path: a checker decides every answer itself, so its `unknown`
 * is sent as it is, however old the half.
 *
 *   checker:      --u-----u--|       both unknown (source checker)
 */
import { map, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { answerCheckBacks, type CheckBack, memoryStateStore, TransactionState } from '../src/index.js';
import { testScheduler } from './support.js';

describe('absent records and the grace period', () => {
  it('answers unknown when first found absent and rollback once the marker is older than the grace', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions, flush }) => {
      const sent: Array<[number, TransactionState]> = [];
      const store = memoryStateStore();
      const check: CheckBack = {
        topic: 'Orders',
        messageId: 'm',
        transactionId: 't-m',
        bornAt: -1_000_000, // the broker's clock says nothing about this one's
        answer: (state) => {
          sent.push([scheduler.now(), state]);
          return of(undefined);
        },
      };
      const checks = hot<CheckBack>('--a-----a--a|', { a: check });
      const answers = checks.pipe(
        answerCheckBacks(store, { rollbackAbsentAfterMs: 5, scheduler }),
        map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag)),
      );
      expectObservable(answers).toBe('--u-----r--r|', { u: 'unknown:absent', r: 'rollback:absent-expired' });
      expectSubscriptions(checks.subscriptions).toBe('^-----------!');
      flush();
      expect(sent).toEqual([
        [2, 'unknown'],
        [8, 'rollback'],
        [11, 'rollback'],
      ]);
      // The step's commit, recorded after the rollback was answered, does not replace it.
      store.save({
        ...(store.get('m') as NonNullable<ReturnType<typeof store.get>>),
        state: 'commit',
        reason: 'local-step',
      });
      expect(store.get('m')).toMatchObject({ state: 'rollback', reason: 'absent', updatedAt: 8 });
    });
  });

  it('answers unknown for an absent record without a grace, and leaves nothing in the store', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, flush }) => {
      const store = memoryStateStore();
      const check: CheckBack = {
        topic: 'Orders',
        messageId: 'm',
        transactionId: 't-m',
        answer: () => of(undefined),
      };
      const answers = hot<CheckBack>('-a|', { a: check }).pipe(
        answerCheckBacks(store, { scheduler }),
        map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag)),
      );
      expectObservable(answers).toBe('-u|', { u: 'unknown:absent' });
      flush();
      expect(store.size).toBe(0);
    });
  });

  it("sends a checker's unknown as it is, however old the half", () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, flush }) => {
      const sent: TransactionState[] = [];
      const check = (messageId: string): CheckBack => ({
        topic: 'Orders',
        messageId,
        transactionId: `t-${messageId}`,
        bornAt: 0,
        answer: (state) => {
          sent.push(state);
          return of(undefined);
        },
      });
      const states = new Map<string, TransactionState>();
      const checks = hot<CheckBack>('--y-----o--|', { y: check('young'), o: check('old') });
      const answers = checks.pipe(
        answerCheckBacks((c) => states.get(c.transactionId) ?? TransactionState.Unknown, { scheduler }),
        map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag)),
      );
      expectObservable(answers).toBe('--u-----u--|', { u: 'unknown:checker' });
      flush();
      expect(sent).toEqual(['unknown', 'unknown']);
    });
  });
});
