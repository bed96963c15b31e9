/**
 * The local step's timeout: an answer after `localTimeoutMs` is too late, the transaction is left
 * `unknown` (the check-back decides), the timeout is kept as the cause, and the store says so.
 *
 *   messages:      a-b|
 *   local step A:  ---c|                       (answers commit at frame 3)
 *   local step B:    ----------- …             (never answers; timeout 10)
 *   transactional: ---A--------(B|)            A: committed at 3, B: left to check-back at 12
 */
import { map, NEVER, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { memoryStateStore, TransactionState, transactional } from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { label, msg, testScheduler } from './support.js';

describe('local-step timeout', () => {
  it('leaves a transaction whose local step outlives its timeout to the check-back, recorded unknown', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const broker = virtualBroker({ scheduler });
      const store = memoryStateStore();
      const messages = cold('a-b|', { a: msg('A'), b: msg('B') });
      const answerA = cold('---c|', { c: TransactionState.Commit });
      const step = (half: { message: { body: Uint8Array } }) =>
        new TextDecoder().decode(half.message.body) === 'A' ? answerA : NEVER;

      const results = messages.pipe(
        transactional(broker, step, { store, localTimeoutMs: 10, scheduler }),
        map(label),
      );

      expectObservable(results).toBe('---a--------(b|)', {
        a: 'A:committed',
        b: 'B:left-to-check-back:LocalStepTimeoutError',
      });
      expectSubscriptions(messages.subscriptions).toBe('^--!');
      expectSubscriptions(answerA.subscriptions).toBe('^--!');
      flush();

      expect(store.get('vm-1')).toMatchObject({ state: 'commit', reason: 'local-step' });
      expect(store.get('vm-2')).toMatchObject({ state: 'unknown', reason: 'timeout', updatedAt: 12 });
      expect(broker.delivered().map((d) => d.messageId)).toEqual(['vm-1']);
      // Nobody answers check-backs here: B is checked 15 times in vain (lost), then discarded.
      expect(broker.discarded().map((d) => [d.messageId, d.checks])).toEqual([['vm-2', 15]]);
      expect(broker.stats()).toMatchObject({ committed: 1, lostChecks: 15, discarded: 1 });
    });
  });

  it('turns a throw, an error and a non-state answer into unknown with the cause kept', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const broker = virtualBroker({ scheduler });
      const messages = cold('(abc|)', { a: msg('throws'), b: msg('errors'), c: msg('answers-yes') });
      const step = (half: { message: { body: Uint8Array } }) => {
        const body = new TextDecoder().decode(half.message.body);
        if (body === 'throws') throw new Error('database down');
        if (body === 'errors') return throwError(() => new Error('constraint violated'));
        return 'yes' as unknown as TransactionState;
      };
      expectObservable(messages.pipe(transactional(broker, step, { scheduler }), map(label))).toBe('(abc|)', {
        a: 'throws:left-to-check-back:LocalStepError',
        b: 'errors:left-to-check-back:LocalStepError',
        c: 'answers-yes:left-to-check-back:InvalidStateError',
      });
    });
  });
});
