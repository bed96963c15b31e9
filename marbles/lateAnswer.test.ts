/**
 * A local step that answers after `localTimeoutMs`: the transaction was left to the check-back at
 * the timeout, and the step's late answer is recorded, so the check-back answers from it — a slow
 * database commit is delivered, a late rollback is rolled back.
 *
 *   messages:        a|
 *   local step A:    ---------------c         (a Promise; answers commit at 15, timeout 10)
 *   transactional:   ----------(A|)           A: left to check-back at 10 (LocalStepTimeoutError)
 *   store:           unknown (timeout) at 10, commit (local-step) at 15
 *   check-backs:     --------------------c    first check at 20: answered commit, delivered at 20
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  checkBacks,
  memoryStateStore,
  TransactionState,
  transactional,
} from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { label, msg, settlesAt, testScheduler } from './support.js';

const brokerConfig = { transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 3 } as const;

describe('a local step that answers after its timeout', () => {
  it.each([
    [TransactionState.Commit, ['vm-1'], 0],
    [TransactionState.Rollback, [], 1],
  ] as const)('records the late %s, and the check-back answers it', (late, delivered, rolledBack) => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, ...brokerConfig });
      const store = memoryStateStore();
      const answers: string[] = [];
      checkBacks(broker)
        .pipe(answerCheckBacks(store, { scheduler }))
        .subscribe((a) => a._tag === 'Answered' && answers.push(`${scheduler.now()}:${a.state}:${a.source}`));
      const results = cold('a|', { a: msg('A') }).pipe(
        transactional(broker, () => settlesAt(scheduler, 15, late), { store, localTimeoutMs: 10, scheduler }),
        map(label),
      );
      expectObservable(results).toBe('----------(a|)', { a: 'A:left-to-check-back:LocalStepTimeoutError' });
      flush();

      expect(store.get('vm-1')).toMatchObject({ state: late, reason: 'local-step', updatedAt: 15 });
      expect(answers).toEqual([`20:${late}:store`]);
      expect(broker.delivered().map((d) => d.messageId)).toEqual(delivered);
      expect(broker.stats()).toMatchObject({ rolledBack, discarded: 0 });
      broker.close();
    });
  });
});
