/**
 * End calls that fail with a retryable error are retried with exponential backoff, up to the
 * bound; when they fail for good the transaction is left to the check-back (a value, not a stream
 * error), and the check-back then settles it from the store.
 *
 *   end calls:  x---------x-------------------ok       (initial 10, factor 2: retries at 10 and 30)
 *   resolve:    ------------------------------(A|)     A: committed, attempts 3
 *
 *   end calls:  x---------x-------------------x        (maxAttempts 3: all fail)
 *   resolve:    ------------------------------(A|)     A: left-to-check-back (BrokerUnavailableError)
 *   check-back:                 … at the first pass ≥ 50 after the send → commit from the store
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  checkBacks,
  executeLocal,
  memoryStateStore,
  resolve,
  sendHalf,
  TransactionState,
} from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { answerPaths, label, msg, testScheduler } from './support.js';

const commit = () => TransactionState.Commit;

describe('end-call retry with backoff', () => {
  it('retries a retryable end-call failure with exponential backoff until it succeeds', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const broker = virtualBroker({ scheduler });
      broker.faults.failNextEnds(2);
      const messages = cold('(a|)', { a: msg('A') });
      const results = messages.pipe(
        sendHalf(broker, { scheduler }),
        executeLocal(commit, { scheduler }),
        resolve(broker, { retry: { initialDelayMs: 10, factor: 2 }, scheduler }),
      );
      expectObservable(
        results.pipe(map((r) => (r._tag === 'Resolved' ? `${label(r)}:${r.attempts}` : '?'))),
      ).toBe('30ms (a|)', { a: 'A:committed:3' });
      expectSubscriptions(messages.subscriptions).toBe('(^!)');
      flush();
      expect(broker.delivered().map((d) => [d.messageId, d.deliveredAt, d.via])).toEqual([
        ['vm-1', 30, 'client'],
      ]);
    });
  });

  it.each(answerPaths)(
    'leaves the transaction to the check-back when retries run out, and the check-back ($name path) commits it',
    (path) => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable, flush }) => {
        const broker = virtualBroker({
          scheduler,
          transactionTimeoutMs: 50,
          checkIntervalMs: 10,
          checkMax: 5,
        });
        const store = memoryStateStore();
        broker.faults.failNextEnds(10);
        const answers = checkBacks(broker).pipe(path.answer(store, { scheduler }));
        const messages = cold('(a|)', { a: msg('A') });
        const results = messages.pipe(
          sendHalf(broker, { scheduler }),
          executeLocal(commit, { store, scheduler }),
          resolve(broker, { retry: { maxAttempts: 3, initialDelayMs: 10, factor: 2 }, scheduler }),
        );
        expectObservable(
          results.pipe(map((r) => (r._tag === 'Resolved' ? `${label(r)}:${r.attempts}` : '?'))),
        ).toBe('30ms (a|)', { a: 'A:left-to-check-back:BrokerUnavailableError:3' });
        expectObservable(
          answers.pipe(
            map((a) => (a._tag === 'Answered' ? `${a.check.messageId}:${a.state}:${a.source}` : a._tag)),
          ),
          '^ 100ms !',
        ).toBe('50ms a', path.expected({ a: 'vm-1:commit:store' }));
        flush();
        expect(broker.delivered().map((d) => [d.messageId, d.deliveredAt, d.via])).toEqual([
          ['vm-1', 50, 'check-back'],
        ]);
        expect(broker.stats().endCalls).toBe(3);
      });
    },
  );

  it('does not retry an end call refused for good, and leaves it to the check-back at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const broker = virtualBroker({ scheduler });
      broker.faults.failNextEnds(1, new BadRequestError('illegal resolution'));
      const results = cold('(a|)', { a: msg('A') }).pipe(
        sendHalf(broker, { scheduler }),
        executeLocal(commit, { scheduler }),
        resolve(broker, { retry: { initialDelayMs: 10 }, scheduler }),
        map((r) => (r._tag === 'Resolved' ? `${label(r)}:${r.attempts}` : '?')),
      );
      expectObservable(results).toBe('(a|)', { a: 'A:left-to-check-back:BadRequestError:1' });
    });
  });
});
