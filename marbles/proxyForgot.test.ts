/**
 * The 5.x proxy forgets a transaction 30 s after its half was sent. A local step slower than that
 * commits locally, but its end call is refused (TransactionNotFoundError, not retried): the
 * transaction is left to the check-back, which commits it from the store.
 *
 *   message:        a|
 *   local step:     ----------------------------------------c|       (commit at 40)
 *   lifetime 30:    ------------------------------X                   (proxy forgets at 30)
 *   transactional:  ----------------------------------------(A|)     A: left-to-check-back at 40
 *   check-backs:    -----------------------------------------------------------c   (first pass ≥ 60)
 *   delivered:      -----------------------------------------------------------d   (via check-back)
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { checkBacks, memoryStateStore, TransactionState, transactional } from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { answerPaths, label, msg, testScheduler } from './support.js';

describe.each(answerPaths)('end after the proxy forgot the transaction ($name path)', (path) => {
  it('leaves the transaction to the check-back, which commits it from the store', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({
        scheduler,
        transactionDataLifetimeMs: 30,
        transactionTimeoutMs: 60,
        checkIntervalMs: 10,
        checkMax: 3,
      });
      const store = memoryStateStore();
      const slowCommit = cold('40ms (c|)', { c: TransactionState.Commit });
      const results = cold('(a|)', { a: msg('A') }).pipe(
        transactional(broker, () => slowCommit, { store, localTimeoutMs: 100, scheduler }),
        map((r) => (r._tag === 'Resolved' ? `${label(r)}:${r.attempts}` : '?')),
      );
      const answers = checkBacks(broker).pipe(path.answer(store, { scheduler }));

      expectObservable(results).toBe('40ms (a|)', { a: 'A:left-to-check-back:TransactionNotFoundError:1' });
      expectObservable(
        answers.pipe(map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag))),
        '^ 100ms !',
      ).toBe('60ms a', path.expected({ a: 'commit:store' }));
      expectObservable(broker.delivered$.pipe(map((d) => `${d.messageId}:${d.via}`))).toBe('60ms d', {
        d: 'vm-1:check-back',
      });
      flush();
      expect(store.get('vm-1')).toMatchObject({ state: 'commit' });
    });
  });
});
