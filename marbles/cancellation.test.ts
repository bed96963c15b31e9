/**
 * Unsubscribing never commits anything. Halves whose local step had not started are rolled back;
 * a running local step is left to the check-back and the store shows it (unknown, cancelled); a
 * send still under way finishes and is rolled back.
 *
 *   messages:        (abc|)                  sendHalf concurrency 3, executeLocal concurrency 1
 *   local step A:    ----------c             (would commit at 10)
 *   subscription:    ^----!                  unsubscribed at 5
 *   broker:          B, C rolled back at 5; A pending, store: unknown (cancelled); nothing delivered
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  executeLocal,
  memoryStateStore,
  resolve,
  sendHalf,
  TransactionState,
  transactional,
} from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { msg, testScheduler } from './support.js';

describe('cancellation', () => {
  it('rolls back halves whose local step never started and leaves the running one to the check-back', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const broker = virtualBroker({ scheduler });
      const store = memoryStateStore();
      const messages = cold('(abc|)', { a: msg('A'), b: msg('B'), c: msg('C') });
      const commitLater = cold('10ms (c|)', { c: TransactionState.Commit });
      const results = messages.pipe(
        sendHalf(broker, { concurrency: 3, scheduler }),
        executeLocal(() => commitLater, { concurrency: 1, store, scheduler }),
        resolve(broker, { scheduler }),
        map((r) => r._tag),
      );
      expectObservable(results, '^----!').toBe('-');
      expectSubscriptions(commitLater.subscriptions).toBe('^----!');
      flush();

      expect(broker.stats()).toMatchObject({ sent: 3, rolledBack: 2, committed: 0 });
      expect(broker.delivered()).toEqual([]);
      // A was never ended: it waits for the check-back, and the store says why.
      expect(store.get('vm-1')).toMatchObject({ state: 'unknown', reason: 'cancelled', updatedAt: 5 });
      expect(store.get('vm-2')).toBeUndefined();
      expect(broker.discarded().map((d) => d.messageId)).toEqual(['vm-1']);
    });
  });

  it('rolls back a half whose send was still under way when unsubscribed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, sendLatencyMs: 10 });
      const results = cold('(a|)', { a: msg('A') }).pipe(
        transactional(broker, () => TransactionState.Commit, { scheduler }),
        map((r) => r._tag),
      );
      expectObservable(results, '^----!').toBe('-');
      flush();
      expect(broker.stats()).toMatchObject({ sent: 1, rolledBack: 1, committed: 0 });
      expect(broker.pending()).toEqual([]);
      expect(broker.delivered()).toEqual([]);
    });
  });

  it('abandons an end call still under way at unsubscription; the store keeps the commit for the check-back', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler, endLatencyMs: 10 });
      const store = memoryStateStore();
      // The step answers commit at once; the end call takes 10 frames; we leave at 5.
      const results = cold('(a|)', { a: msg('A') }).pipe(
        transactional(broker, () => TransactionState.Commit, { store, scheduler }),
        map((r) => r._tag),
      );
      expectObservable(results, '^----!').toBe('-');
      flush();
      // The end call was abandoned: the store holds commit for the check-back, nothing more.
      expect(store.get('vm-1')).toMatchObject({ state: 'commit' });
      expect(broker.stats().committed).toBe(0);
    });
  });
});
