/**
 * A check-back for a transaction with no record: its local step may still be running, so it is
 * answered unknown — until the half is older than `rollbackAbsentAfterMs`; then the step never
 * recorded a commit (with the transaction-log pattern: never committed), and it is rolled back.
 *
 *   check-backs:  --y-----o--|       y: half born at 0 (young), o: half born at 0, asked at 8
 *   grace 5:      --u-----r--|       u: unknown (absent), r: rollback (absent-expired)
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
  it('answers unknown for a young half without a record and rollback once it is older than the grace', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions, flush }) => {
      const sent: Array<[string, TransactionState]> = [];
      const check = (messageId: string): CheckBack => ({
        topic: 'Orders',
        messageId,
        transactionId: `t-${messageId}`,
        bornAt: 0,
        answer: (state) => {
          sent.push([messageId, state]);
          return of(undefined);
        },
      });
      const checks = hot<CheckBack>('--y-----o--|', { y: check('young'), o: check('old') });
      const answers = checks.pipe(
        answerCheckBacks(memoryStateStore(), { rollbackAbsentAfterMs: 5, scheduler }),
        map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag)),
      );
      expectObservable(answers).toBe('--u-----r--|', { u: 'unknown:absent', r: 'rollback:absent-expired' });
      expectSubscriptions(checks.subscriptions).toBe('^----------!');
      flush();
      expect(sent).toEqual([
        ['young', 'unknown'],
        ['old', 'rollback'],
      ]);
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
