/**
 * Unsubscribed while the outcome is being saved: no end call follows. The save itself finishes
 * (a record is never half-written), and the check-back answers from it.
 *
 *   messages:       (a|)
 *   local step:     commit at once; the store takes 5 frames to save it
 *   subscription:   ^-!                      unsubscribed at 2, during the save
 *   broker:         no end call; the first check (20) answers commit from the store, delivered
 */
import { map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  checkBacks,
  memoryStateStore,
  type StateStore,
  TransactionState,
  transactional,
} from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { msg, testScheduler } from './support.js';

describe('unsubscribing while the outcome is being saved', () => {
  it('sends no end call afterwards; the check-back delivers the saved commit', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 3 });
      const inner = memoryStateStore();
      const slowSaves: StateStore = {
        save: (r) => timer(5, scheduler).pipe(map(() => inner.save(r))),
        load: (id) => inner.load(id),
      };
      checkBacks(broker).pipe(answerCheckBacks(inner, { scheduler })).subscribe();
      const results = cold('(a|)', { a: msg('A') }).pipe(
        transactional(broker, () => TransactionState.Commit, { store: slowSaves, scheduler }),
      );
      expectObservable(results, '^-!').toBe('-');
      flush();

      expect(broker.stats()).toMatchObject({ endCalls: 0, committed: 1 });
      expect(inner.get('vm-1')).toMatchObject({ state: 'commit' });
      expect(broker.delivered().map((d) => [d.deliveredAt, d.via])).toEqual([[20, 'check-back']]);
      broker.close();
    });
  });
});
