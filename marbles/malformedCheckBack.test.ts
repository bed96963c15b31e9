/**
 * A malformed check-back is a value to report, never an error that kills the shared stream: the
 * checks after it are answered as usual.
 *
 *   check-backs:  -x-y-z-c-|      x: no message id, y: null, z: no answer function, c: valid
 *   answers:      -m-m-m-a-|      m: Malformed (with every issue), a: Answered commit
 */
import { map, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  type CheckBack,
  type CheckBackAnswer,
  memoryStateStore,
  type TransactionState,
} from '../src/index.js';
import { answerPaths, testScheduler } from './support.js';

describe.each(answerPaths)('malformed check-backs ($name path)', (path) => {
  it('reports malformed check-backs as values and keeps answering the next ones', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions, flush }) => {
      const store = memoryStateStore();
      store.save({
        messageId: 'm-1',
        transactionId: 't-1',
        topic: 'Orders',
        state: 'commit',
        reason: 'local-step',
        sentAt: 0,
        updatedAt: 0,
      });
      const sent: TransactionState[] = [];
      const answer = (state: TransactionState) => {
        sent.push(state);
        return of(undefined);
      };
      const checks = hot<CheckBack>('-x-y-z-c-|', {
        x: { topic: 'Orders', messageId: '', transactionId: 't-0', answer } as CheckBack,
        y: null as unknown as CheckBack,
        z: { topic: 'Orders', messageId: 'm-2', transactionId: 't-2' } as unknown as CheckBack,
        c: { topic: 'Orders', messageId: 'm-1', transactionId: 't-1', answer },
      });
      const answers = checks.pipe(path.answer(store, { scheduler }));
      const describeAnswer = (a: CheckBackAnswer) =>
        a._tag === 'Malformed'
          ? `Malformed:${a.error.issues.map((i) => i.path.join('.') || '(root)').join(',')}`
          : a._tag === 'Answered'
            ? `Answered:${a.state}`
            : a._tag;
      expectObservable(answers.pipe(map(describeAnswer))).toBe('-x-y-z-c-|', {
        x: 'Malformed:messageId',
        y: 'Malformed:(root),answer',
        z: 'Malformed:answer',
        c: 'Answered:commit',
      });
      expectSubscriptions(checks.subscriptions).toBe('^--------!');
      flush();
      // Nothing was sent for the malformed ones; the valid one was answered once.
      expect(sent).toEqual(['commit']);
    });
  });

  it('answers unknown, with the cause, when the store fails or is too slow', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, cold, expectObservable }) => {
      const answer = () => of(undefined);
      const store = {
        save: () => of(undefined),
        load: (id: string) =>
          id === 'broken' ? cold<undefined>('#', {}, new Error('connection refused')) : cold<undefined>('-'),
      };
      const checks = hot<CheckBack>('-a-b-|', {
        a: { topic: 'Orders', messageId: 'broken', transactionId: 't-a', answer },
        b: { topic: 'Orders', messageId: 'slow', transactionId: 't-b', answer },
      });
      const answers = checks.pipe(path.answer(store, { timeoutMs: 5, scheduler }));
      expectObservable(
        answers.pipe(
          map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}:${a.cause?._tag}` : a._tag)),
        ),
      ).toBe(
        '-a------(b|)',
        path.expected({ a: 'unknown:store-error:StoreError', b: 'unknown:timeout:CheckBackTimeoutError' }),
      );
    });
  });
});
