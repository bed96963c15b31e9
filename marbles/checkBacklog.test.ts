/**
 * A backlog of check-backs: a fresh check for a transaction whose stale check still waits for a
 * lookup slot takes the stale one's place (the stale one is `Superseded`), so the answer goes out
 * on the check the broker is waiting for. A check whose lookup is already running is a
 * `Duplicate`: that lookup answers the transaction.
 *
 *   concurrency 1, lookups take 5 frames
 *   checks:   xy-Y-x'               x: X; y: Y (stale); Y: Y again (fresh); x': X while looked up
 *   answers:  ---S-DA----B          S: y Superseded by Y; D: x' Duplicate; A: X commit at 5;
 *                                   B: Y commit at 10, sent on the fresh check
 */
import { delay, map, type Observable, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  type CheckBack,
  type MemoryStateStore,
  memoryStateStore,
  type StateStore,
  type TransactionState,
} from '../src/index.js';
import { testScheduler } from './support.js';

describe('a check-back backlog', () => {
  it('answers a transaction on its freshest check, not on a stale one queued before it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, flush }) => {
      const inner: MemoryStateStore = memoryStateStore();
      for (const id of ['X', 'Y']) {
        inner.save({
          messageId: id,
          transactionId: `t-${id}`,
          topic: 'Orders',
          state: 'commit',
          reason: 'local-step',
          sentAt: 0,
          updatedAt: 0,
        });
      }
      const store: StateStore = {
        save: (r) => inner.save(r),
        load: (id): Observable<ReturnType<MemoryStateStore['get']>> =>
          of(inner.get(id)).pipe(delay(5, scheduler)),
      };
      const sent: string[] = [];
      const check = (name: string, messageId: string): CheckBack => ({
        topic: 'Orders',
        messageId,
        transactionId: `t-${messageId}`,
        answer: (state: TransactionState) => {
          sent.push(`${scheduler.now()}:${name}:${state}`);
          return of(undefined);
        },
      });
      const checks = hot<CheckBack>('xy-Y-z', {
        x: check('x', 'X'),
        y: check('y-stale', 'Y'),
        Y: check('y-fresh', 'Y'),
        z: check('x-again', 'X'),
      });
      const answers = checks.pipe(
        answerCheckBacks(store, { concurrency: 1, scheduler }),
        map((a) => `${a._tag}:${'check' in a ? (a.check as CheckBack).messageId : ''}`),
      );
      expectObservable(answers, '^ 20ms !').toBe('---s-(da)-b', {
        s: 'Superseded:Y',
        d: 'Duplicate:X',
        a: 'Answered:X',
        b: 'Answered:Y',
      });
      flush();
      expect(sent).toEqual(['5:x:commit', '10:y-fresh:commit']);
    });
  });
});
